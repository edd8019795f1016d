"""A deputy's mandate as letters print it under the signature, in the letter's language, from the directory."""

from ..directory.models import BodyKind, Deputy
from ..i18n import localized
from . import cases


def mandate(deputy: Deputy, language: str) -> str:
    """The signer's mandate as a letter prints it, from the deputy's body in the directory:
    "Депутат Мажилиса Парламента Республики Казахстан" / "Қазақстан Республикасы Парламенті Мәжілісінің депутаты"."""
    name = localized(deputy.body, "name", language)
    if language == "kk":
        return f"{cases.kk_case(name, 'genitive')} депутаты"
    body = cases.ru_genitive_body(name)
    if deputy.body.kind == BodyKind.maslikhat:  # a common noun mid-sentence: "Депутат маслихата города Алматы"
        body = body[:1].lower() + body[1:]
    return f"Депутат {body}"
