"""Administrators' forms for the directory."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from ..formkit import DayMonthYearField
from .choices import check_place


class NamesForm(FlaskForm):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=255)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=255)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])


class BranchForm(NamesForm):
    address_kk = StringField(_l("Address in Kazakh"), validators=[Length(max=500)])
    address_ru = StringField(_l("Address in Russian"), validators=[Length(max=500)])
    phone = StringField(
        _l("Phone"), validators=[Optional(), Regexp(r"^\+7\d{10}$", message=_l("Phone as +7 and 10 digits."))]
    )
    email = StringField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=255)])
    is_active = BooleanField(_l("Open"))


class TopicForm(NamesForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[a-z0-9_]+$", message=_l("Latin lower-case letters, digits and _ only.")),
        ],
    )
    position = IntegerField(_l("Position in lists"), validators=[Optional(), NumberRange(min=0, max=10000)])
    is_active = BooleanField(_l("In use"), default=True)


class GovernmentBodyForm(NamesForm):
    head_title_kk = StringField(_l("Head's title in Kazakh"), validators=[Length(max=255)])
    head_title_ru = StringField(_l("Head's title in Russian"), validators=[Length(max=255)])
    head_title_en = StringField(_l("Head's title in English"), validators=[Length(max=255)])
    head_name_kk = StringField(_l("Head's name in Kazakh"), validators=[Length(max=255)])
    head_name_ru = StringField(_l("Head's name in Russian"), validators=[Length(max=255)])
    head_name_en = StringField(_l("Head's name in English"), validators=[Length(max=255)])
    head_title_dative_ru = StringField(
        _l("Title as a Russian letter addresses it (dative)"),
        validators=[Length(max=500)],
        description=_l("Filled by the rules of grammar when left empty; correct it if it reads wrong."),
    )
    head_name_dative_ru = StringField(
        _l("Name as a Russian letter addresses it (dative)"),
        validators=[Length(max=255)],
        description=_l("Filled by the rules of grammar when left empty; correct it if it reads wrong."),
    )
    head_title_dative_kk = StringField(
        _l("Title as a Kazakh letter addresses it"),
        validators=[Length(max=500)],
        description=_l("Filled by the rules of grammar when left empty; correct it if it reads wrong."),
    )
    head_name_dative_kk = StringField(
        _l("Name as a Kazakh letter addresses it (dative)"),
        validators=[Length(max=255)],
        description=_l("Filled by the rules of grammar when left empty; correct it if it reads wrong."),
    )
    is_active = BooleanField(_l("In use"))


class DeputyForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    #: 224 bodies and their constituencies: searchable pickers (static/pickers.js).
    body = SelectField(
        _l("Representative body"), coerce=int, validators=[DataRequired()], render_kw={"data-picker": ""}
    )
    #: The convocation the mandate is held in (its dates bound the mandate).
    convocation = SelectField(_l("Convocation"), coerce=str, validators=[Optional()])
    mandate_type = SelectField(_l("Mandate"), validators=[DataRequired()])
    mandate_start = DayMonthYearField(_l("Mandate began"), validators=[Optional()])
    mandate_end = DayMonthYearField(_l("Mandate ended"), validators=[Optional()])
    constituency = SelectField(
        _l("Single-mandate district"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""}
    )
    region = SelectField(_l("Region"), coerce=str, validators=[Optional()])
    district = SelectField(_l("District"), coerce=str, validators=[Optional()], render_kw={"data-follows": "region"})
    #: Party-list deputies: the regions they work with voters in (several allowed); a searchable picker.
    assigned_regions = SelectMultipleField(
        _l("Regions assigned for work with voters"), coerce=int, validators=[Optional()], render_kw={"data-picker": ""}
    )
    topics = SelectMultipleField(_l("Topics of specialisation"), coerce=int, validators=[Optional()])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=255)])
    phone = StringField(
        _l("Phone"), validators=[Optional(), Regexp(r"^\+7\d{10}$", message=_l("Phone as +7 and 10 digits."))]
    )
    is_active = BooleanField(_l("Active"), default=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.mandate_start.data and self.mandate_end.data and self.mandate_end.data < self.mandate_start.data:
            self.mandate_end.errors.append(_l("The mandate cannot end before it began."))
            ok = False
        return check_place(self.region, self.district) and ok


class SeatsForm(FlaskForm):
    party_list = IntegerField(_l("Party-list seats"), validators=[Optional(), NumberRange(min=0, max=1000)])
    single_mandate = IntegerField(_l("Single-mandate seats"), validators=[Optional(), NumberRange(min=0, max=1000)])


class CloseConvocationForm(FlaskForm):
    """Close a convocation and hand its deputies' open work over: first the plan (a dry run), then apply."""

    end_date = DayMonthYearField(_l("Last day of the convocation's mandate"), validators=[DataRequired()])
    #: Thousands of deputies with a current mandate: a searchable picker (static/pickers.js).
    successor = SelectField(
        _l("Give everything to one deputy"),
        coerce=str,
        validators=[Optional()],
        render_kw={"data-picker": ""},
        description=_l("Leave empty to let the routing rules choose for each appeal."),
    )


class EndMandateForm(CloseConvocationForm):
    """End one deputy's mandate and hand their open work over, the same way."""

    end_date = DayMonthYearField(_l("Last day of the mandate"), validators=[DataRequired()])
