"""The branch's own Word template of a letter: which kind, which language, and the file."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from ..formkit import options

LANGUAGE_CHOICES = (("kk", _l("Kazakh")), ("ru", _l("Russian")))


class TemplateUploadForm(FlaskForm):
    #: Choices are filled per request, so the labels are in the reader's language.
    kind = SelectField(_l("Letter"))
    language = SelectField(_l("Language of the letter"), choices=options(LANGUAGE_CHOICES))
    file = FileField(_l("Word template (.docx)"), validators=[FileRequired(_l("Choose the .docx file to upload."))])
