"""The administrators' form for a routing rule."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..appeals.models import AppealType
from ..directory.choices import check_place
from ..formkit import options, with_blank
from .models import RuleTarget


class RuleForm(FlaskForm):
    position = IntegerField(
        _l("Position (rules are tried in ascending order)"),
        validators=[DataRequired(), NumberRange(min=0, max=1_000_000)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    is_active = BooleanField(_l("In use"), default=True)
    topic = SelectField(_l("Topic"), coerce=str, validators=[Optional()])
    region = SelectField(_l("Region"), coerce=str, validators=[Optional()])
    district = SelectField(_l("District"), coerce=str, validators=[Optional()], render_kw={"data-follows": "region"})
    branch = SelectField(_l("Branch"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""})
    appeal_type = SelectField(_l("Type"), choices=lambda: with_blank(AppealType.choices()), validators=[Optional()])
    is_collective = SelectField(
        _l("Collective"),
        choices=lambda: options([("", _l("either")), ("yes", _l("collective only")), ("no", _l("individual only"))]),
        validators=[Optional()],
    )
    target = SelectField(
        _l("Target"), choices=lambda: options((t.value, t.label) for t in RuleTarget), validators=[DataRequired()]
    )
    target_deputy = SelectField(
        _l("Deputy (for a specific-deputy target)"),
        coerce=str,
        validators=[Optional()],
        render_kw={"data-picker": ""},  # thousands of deputies: static/pickers.js makes it searchable
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_place(self.region, self.district) and ok
        if self.target.data == RuleTarget.deputy.value and not self.target_deputy.data:
            self.target_deputy.errors.append(_l("Choose the deputy."))
            ok = False
        return ok


class DryRunForm(FlaskForm):
    """Either an existing appeal's number, or a made-up appeal described by its fields."""

    class Meta:
        csrf = False  # a read-only GET form

    number = StringField(_l("Registration number of a sample appeal"), validators=[Optional(), Length(max=40)])
    branch = SelectField(_l("Branch"), coerce=str, validators=[Optional()], render_kw={"data-picker": ""})
    topic = SelectField(_l("Topic"), coerce=str, validators=[Optional()])
    district = SelectField(_l("District"), coerce=str, validators=[Optional()])
    appeal_type = SelectField(_l("Type"), choices=lambda: options(AppealType.choices()), validators=[Optional()])
    is_collective = BooleanField(_l("Collective"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.number.data and not (self.branch.data and self.topic.data):
            self.number.errors.append(_l("Give an appeal's number, or a branch and a topic."))
            ok = False
        return ok
