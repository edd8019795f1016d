"""The citizens' forms: the online appeal (validated like intake), its SMS code, rating and adding information."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ..appeals.forms import _validate_iin, _validate_mobile
from ..appeals.models import AppealType, Rating
from ..directory.choices import check_place
from ..formkit import options


class OnlineAppealForm(FlaskForm):
    """A citizen's own appeal: who they are, their consent, what and where; the same checks as intake."""

    full_name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=255)], render_kw={"autocomplete": "name"}
    )
    iin = StringField(
        _l("IIN"),
        validators=[DataRequired(), _validate_iin],
        render_kw={"inputmode": "numeric", "maxlength": 20, "autocomplete": "off"},  # 12 digits, spaces allowed
    )
    phone = StringField(
        _l("Mobile phone"),
        validators=[DataRequired(), _validate_mobile],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=255)],
        render_kw={"autocomplete": "email", "type": "email"},
    )
    address = StringField(
        _l("Postal address"), validators=[Optional(), Length(max=500)], render_kw={"autocomplete": "street-address"}
    )
    language = SelectField(
        _l("Language of the answer"), choices=options([("kk", "Қазақша"), ("ru", "Русский")]), default="ru"
    )
    type = SelectField(
        _l("Type"),
        choices=lambda: options((t.value, t.label) for t in AppealType if t != AppealType.response),
        default=AppealType.request.value,
        validators=[DataRequired()],
    )
    topic = SelectField(_l("Topic"), coerce=str, validators=[DataRequired()])
    region = SelectField(_l("Region the appeal concerns"), coerce=str, validators=[DataRequired()])
    district = SelectField(
        _l("District the appeal concerns"), coerce=str, validators=[Optional()], render_kw={"data-follows": "region"}
    )
    summary = StringField(_l("Subject"), validators=[DataRequired(), Length(max=500)])
    text = TextAreaField(_l("Your appeal"), validators=[DataRequired(), Length(max=20000)], render_kw={"rows": 8})
    attachments = MultipleFileField(_l("Attachments (PDF, JPEG, PNG, DOCX)"))
    consent = BooleanField(
        _l("I agree to the processing of my personal data"),
        validators=[DataRequired(_l("Without your consent the appeal cannot be accepted online."))],
    )
    may_be_named = BooleanField(_l("My name may be given in a deputy inquiry about this problem"))
    may_be_told = BooleanField(
        _l(
            "Tell me what comes of my appeal: when a voters' mandate it fed enters the programme and when its task is done"
        )
    )
    #: A honeypot: hidden from people (by the stylesheet), filled in by robots that fill every field.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    #: When the form was handed out (signed), so a form sent back too fast is refused.
    started = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return check_place(self.region, self.district) and ok


class ConfirmForm(FlaskForm):
    code = StringField(
        _l("Code from the SMS"),
        validators=[DataRequired(), Regexp(r"^\s*\d{6}\s*$", message=_l("The code has six digits."))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6},
    )


class NewPinForm(FlaskForm):
    """The tracking code of an appeal whose PIN the citizen lost."""

    code = StringField(
        _l("Tracking code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class RatingForm(FlaskForm):
    rating = RadioField(
        _l("How satisfied are you with the decision?"),
        choices=lambda: options(Rating.choices()),
        validators=[DataRequired()],
    )
    comment = TextAreaField(
        _l("Comment (if not satisfied, the reason: it asks for the appeal to be reopened)"),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
    )


class InformationForm(FlaskForm):
    text = TextAreaField(_l("Information to add"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 4})
