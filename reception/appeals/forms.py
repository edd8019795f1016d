"""The intake form and the forms that act on an appeal."""

import phonenumbers
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..directory.choices import check_place
from ..directory.menus import MenuSelectField
from ..formkit import DayMonthYearField, options
from .iin import InvalidIIN, parse_iin
from .models import AnonymousGround, AppealType, Channel

IIN_REASONS = {
    "an IIN has 12 digits": _l("An IIN has 12 digits."),
    "an IIN has digits only": _l("An IIN has digits only."),
    "the 7th digit (century and sex) must be 1 to 6": _l("The 7th digit of an IIN must be 1 to 6."),
    "the first six digits are not a real date": _l("The first six digits of the IIN are not a real date of birth."),
    "the check digit is wrong": _l("The IIN's check digit is wrong; please check the number."),
    "the date of birth is in the future": _l("The IIN's date of birth is in the future; please check the number."),
}


def normalize_phone(text: str) -> str:
    """A Kazakhstani phone in E.164 (`+77011234567`); accepts `8 701 ...`, `+7 (701) ...` and the like."""
    raw = text.strip()
    if raw.startswith("8") and not raw.startswith("+"):
        raw = "+7" + raw[1:]  # the domestic trunk prefix
    try:
        number = phonenumbers.parse(raw, "KZ")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "KZ":
        raise ValueError("not a valid Kazakhstani phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _validate_iin(form, field):
    if not field.data:
        return
    try:
        field.data = parse_iin(field.data).iin  # stored as 12 digits, however it was typed
    except InvalidIIN as exc:
        raise ValidationError(IIN_REASONS.get(str(exc), _l("This is not a valid IIN."))) from None


def _validate_mobile(form, field):
    """A phone an SMS can reach: a Kazakhstani mobile number (the online form's confirmation code goes there)."""
    _validate_phone(form, field)
    if field.data and phonenumbers.number_type(phonenumbers.parse(field.data)) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_l("Enter a mobile number: the confirmation code comes by SMS."))


def _validate_phone(form, field):
    if not field.data:
        return
    try:
        field.data = normalize_phone(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a Kazakhstani phone number, e.g. +7 701 123 45 67.")) from None


class IntakeForm(FlaskForm):
    """One page for a walk-in visitor: who they are, their consent, and what they ask."""

    anonymous = BooleanField(_l("Anonymous appeal (no written answer is possible)"))
    #: Required for an anonymous appeal: whether the law lets it be considered (APPK art. 64 p. 2).
    anonymous_ground = RadioField(
        _l("Does the anonymous appeal report a crime or a threat?"),
        choices=lambda: options(AnonymousGround.choices()),
        validators=[Optional()],
    )
    iin = StringField(
        _l("IIN"),
        validators=[Optional(), _validate_iin],
        render_kw={"inputmode": "numeric", "maxlength": 20, "autocomplete": "off"},  # 12 digits, spaces allowed
    )
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=255)])
    birth_date = DayMonthYearField(_l("Date of birth"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), _validate_phone], render_kw={"inputmode": "tel"})
    email = StringField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=255)])
    address = StringField(_l("Postal address"), validators=[Optional(), Length(max=500)])
    # The directory's menus, rendered once per language and directory version (directory/menus.py).
    citizen_region = MenuSelectField(_l("Region of residence"), coerce=str, validators=[Optional()])
    citizen_district = MenuSelectField(
        _l("District of residence"),
        coerce=str,
        validators=[Optional()],
        render_kw={"data-follows": "citizen_region"},  # static/districts.js
    )
    language = SelectField(
        _l("Language of the answer"), choices=options([("ru", "Русский"), ("kk", "Қазақша")]), default="ru"
    )
    consent = BooleanField(_l("The citizen agrees to the processing of personal data"))
    may_be_named = BooleanField(_l("The citizen agrees to be named in a deputy inquiry"))
    may_be_told = BooleanField(
        _l("The citizen wants to be told when a voters' mandate the appeal fed enters the programme and is carried out")
    )

    type = SelectField(_l("Type"), choices=lambda: options(AppealType.choices()), validators=[DataRequired()])
    topic = MenuSelectField(_l("Topic"), coerce=str, validators=[DataRequired()])
    channel = SelectField(_l("Channel"), choices=lambda: options(Channel.choices()), default=Channel.walk_in.value)
    summary = StringField(_l("Summary"), validators=[DataRequired(), Length(max=500)])
    text = TextAreaField(_l("Full text"), validators=[DataRequired(), Length(max=20000)], render_kw={"rows": 8})
    region = MenuSelectField(_l("Region the appeal concerns"), coerce=str, validators=[Optional()])
    district = MenuSelectField(
        _l("District the appeal concerns"),
        coerce=str,
        validators=[Optional()],
        render_kw={"data-follows": "region"},
    )
    is_collective = BooleanField(_l("Collective appeal"))
    cosigners = IntegerField(_l("Number of co-signers"), validators=[Optional(), NumberRange(min=0, max=100000)])
    attachments = MultipleFileField(_l("Attachments (PDF, JPEG, PNG, DOCX)"))
    duplicate_override_reason = StringField(
        _l("Reason to register despite a possible duplicate"), validators=[Optional(), Length(max=500)]
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.anonymous.data:
            for field in (self.iin, self.full_name):
                if not field.data:
                    field.errors.append(_l("Required unless the appeal is anonymous."))
                    ok = False
            if not self.consent.data:
                self.consent.errors.append(_l("Without consent the appeal can only be registered as anonymous."))
                ok = False
        elif not self.anonymous_ground.data:
            self.anonymous_ground.errors.append(
                _l("Choose whether the anonymous appeal reports a crime or a threat: the law considers only those.")
            )
            ok = False
        if self.is_collective.data and (self.cosigners.data or 0) < 2:
            self.cosigners.errors.append(_l("A collective appeal has at least two co-signers."))
            ok = False
        for region, district in ((self.citizen_region, self.citizen_district), (self.region, self.district)):
            ok = check_place(region, district) and ok
        return ok


class TransitionForm(FlaskForm):
    to_state = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
    #: Searchable pickers (static/pickers.js): hundreds of deputies and government bodies.
    deputy = SelectField(_l("Deputy"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""})
    body = SelectField(_l("Competent body"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""})
    letter_number = StringField(_l("Outgoing letter number"), validators=[Optional(), Length(max=64)])
    is_public = BooleanField(_l("Show this step to the citizen"), default=True)
    #: An internal note unless ticked; a written answer is always the citizen's (operations.move_appeal).
    comment_public = BooleanField(_l("The citizen will read this note"), default=False)
    answer_files = MultipleFileField(_l("Files of the written answer"))


class ExtendForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    until = DateField(_l("New deadline"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason for the extension"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 2}
    )


class CalendarTransferForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    kind = SelectField(
        _l("The day becomes"), choices=options([("day_off", _l("a day off")), ("working_day", _l("a working day"))])
    )
    note = StringField(_l("Note (e.g. the government decree)"), validators=[Optional(), Length(max=255)])


class ReopenDecisionForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment (required to decline)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
