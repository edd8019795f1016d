"""Fill the English catalogue: the source strings are English, so each translation is its msgid."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"

with PO.open("rb") as f:
    catalog = read_po(f, locale="en")
for message in catalog:
    if isinstance(message.id, tuple):  # plural: (singular, plural) are the English forms
        if not all(message.string):
            message.string = message.id
    elif message.id and not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
with PO.open("wb") as f:
    write_po(f, catalog, omit_header=False, sort_output=True, include_lineno=False)
