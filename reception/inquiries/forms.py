"""Forms of the inquiry pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..formkit import options
from .models import AnswerAssessment

LANGUAGE_CHOICES = [("ru", "Русский"), ("kk", "Қазақша")]


class NewInquiryForm(FlaskForm):
    """Start a draft from the appeals chosen in the queue (or a group)."""

    ids = HiddenField()
    author = SelectField(_l("Deputy"), coerce=str, validators=[DataRequired()])
    #: 274 government bodies: a searchable picker (static/pickers.js).
    addressee = SelectField(_l("Addressee"), coerce=str, validators=[DataRequired()], render_kw={"data-picker": ""})
    language = SelectField(_l("Language of the inquiry"), choices=options(LANGUAGE_CHOICES), default="ru")


class AddToDraftForm(FlaskForm):
    inquiry = SelectField(_l("Draft"), coerce=str, validators=[DataRequired()])


class EditForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    addressee = SelectField(_l("Addressee"), coerce=str, validators=[DataRequired()], render_kw={"data-picker": ""})
    addressee_title = StringField(_l("Official's title"), validators=[Optional(), Length(max=255)])
    addressee_name = StringField(_l("Official's name"), validators=[Optional(), Length(max=255)])
    language = SelectField(_l("Language of the inquiry"), choices=options(LANGUAGE_CHOICES))
    subject = StringField(_l("Subject of the inquiry"), validators=[DataRequired(), Length(max=500)])
    topic = SelectField(_l("Topic"), coerce=str, validators=[Optional()])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=100000)], render_kw={"rows": 18})
    requested_actions = TextAreaField(
        _l("Requested actions, one per line"), validators=[Optional(), Length(max=10000)], render_kw={"rows": 5}
    )
    cosigners = SelectMultipleField(
        _l("Co-signing deputies"), coerce=str, validators=[Optional()], render_kw={"size": 6, "data-picker": ""}
    )


class TransitionForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    to_state = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})


class SendForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    outgoing_number = StringField(_l("Outgoing number"), validators=[DataRequired(), Length(max=64)])
    sent_date = DateField(_l("Date sent"), validators=[DataRequired()])


class AnswerForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    answer_date = DateField(_l("Date of the answer"), validators=[DataRequired()])
    answer_number = StringField(_l("Number of the answer"), validators=[Optional(), Length(max=64)])
    assessment = SelectField(
        _l("Assessment"),
        choices=lambda: options(AnswerAssessment.choices()),
        validators=[DataRequired()],
    )
    answer_text = TextAreaField(
        _l("Text of the answer"), validators=[Optional(), Length(max=100000)], render_kw={"rows": 8}
    )
    public_summary = TextAreaField(
        _l("Summary for the citizens (shown on their appeal's status page)"),
        validators=[DataRequired(), Length(max=5000)],
        render_kw={"rows": 4},
    )
    file = FileField(_l("The answer as a file (PDF, JPEG, PNG, DOCX)"))


class TermStartForm(FlaskForm):
    """When the addressee received the inquiry or it was announced at a session: the answer's term runs from it."""

    version = HiddenField(validators=[DataRequired()])
    received_date = DateField(_l("Date the addressee received it"), validators=[Optional()])
    received_number = StringField(_l("Incoming number at the addressee"), validators=[Optional(), Length(max=64)])
    announced_date = DateField(_l("Date announced at a session"), validators=[Optional()])
    announced_session = StringField(
        _l("Session (e.g. plenary session of the Mazhilis, minutes No. 12)"), validators=[Optional(), Length(max=255)]
    )
