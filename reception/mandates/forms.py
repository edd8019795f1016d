"""The mandate pages' forms: accept a suggested group, adopt into a programme point, a road-map task, its status."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

from ..formkit import options, with_blank
from .models import OwnerKind, TaskStatus


class AcceptForm(FlaskForm):
    """A suggested group as a new mandate (the appeals are the ticked boxes beside it)."""

    title_kk = StringField(_l("Title in Kazakh"), validators=[Length(max=500)])
    title_ru = StringField(_l("Title in Russian"), validators=[Length(max=500)])


class AppealsForm(FlaskForm):
    """Add ticked appeals to a mandate, or take one out: the appeals travel as checkboxes or in the URL."""


class AdoptForm(FlaskForm):
    text_kk = TextAreaField(_l("Programme point in Kazakh"), validators=[DataRequired(), Length(max=5000)])
    text_ru = TextAreaField(_l("Programme point in Russian"), validators=[DataRequired(), Length(max=5000)])


class TaskForm(FlaskForm):
    title_kk = StringField(_l("Task in Kazakh"), validators=[Length(max=500)])
    title_ru = StringField(_l("Task in Russian"), validators=[Length(max=500)])
    owner_kind = SelectField(_l("Owner"), choices=[], validators=[DataRequired()])
    owner_deputy = SelectField(_l("Deputy"), choices=[], validate_choice=False)
    owner_branch = SelectField(_l("Branch"), choices=[], validate_choice=False)
    owner_body = SelectField(_l("Government body"), choices=[], validate_choice=False)
    owner_faction = StringField(_l("Faction"), validators=[Length(max=255)])
    expected_result = TextAreaField(_l("Expected result"), validators=[DataRequired(), Length(max=5000)])
    deadline = DateField(_l("Deadline"), validators=[DataRequired()])
    evidence_url = StringField(_l("Link to evidence"), validators=[Optional(), URL(), Length(max=500)])
    inquiry = SelectField(_l("Deputy inquiry sent for the task"), choices=[])

    def __init__(self, *args, deputies=(), branches=(), bodies=(), inquiries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.inquiry.choices = with_blank(inquiries)
        self.owner_kind.choices = options(OwnerKind.choices())
        self.owner_deputy.choices = with_blank(deputies)
        self.owner_branch.choices = list(branches)
        self.owner_body.choices = list(bodies)


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[], validators=[DataRequired()])
    evidence_url = StringField(_l("Link to evidence"), validators=[Optional(), URL(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = options(TaskStatus.choices())
