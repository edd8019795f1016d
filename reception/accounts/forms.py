"""Forms of the accounts domain."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..formkit import options
from .models import Role


class LoginForm(FlaskForm):
    email = StringField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=255)],
        render_kw={"autofocus": True, "autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The passwords do not match."))],
    )


def role_choices():
    return options(Role.choices())


class UserForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=255)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    position = StringField(
        _l("Position in Russian (printed on the talons and letters this person issues)"), validators=[Length(max=255)]
    )
    position_kk = StringField(_l("Position in Kazakh"), validators=[Length(max=255)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    #: Searchable pickers (static/pickers.js): 249 branches, thousands of deputies.
    branch = SelectField(_l("Branch"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""})
    deputy = SelectField(
        _l("Deputy (for a deputy's own account)"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""}
    )
    deputies = SelectMultipleField(
        _l("Deputies an assistant acts for"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""}
    )
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=8, max=200)])
    is_enabled = BooleanField(_l("Account enabled"), default=True)


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from the authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"},
    )
