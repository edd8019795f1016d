"""Suggested mandates: appeals alike in text, on the same topic and in the same region, grouped for an analyst to
confirm. Text similarity is TF-IDF over character n-grams, which needs no dictionary and so serves Kazakh and Russian
alike (and catches typos and inflected forms); Kazakh letters are folded into their nearest Russian ones first, so a
shared place name or loanword ("газ", "Жаңаталап"/"Жанаталап") matches across the two languages."""

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
from flask import current_app
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sqlalchemy import select

from ..appeals.models import Appeal, AppealType
from ..dbtypes import utcnow
from ..extensions import db
from .models import VoterMandate, mandate_appeals

_FOLD = str.maketrans("әғқңөұүһі", "агкноуухи")


@cache
def _glossary() -> list[tuple[re.Pattern, str]]:
    words = json.loads((Path(__file__).parent / "glossary.json").read_text(encoding="utf-8"))
    # A Kazakh stem matches the word with its endings; the Russian word follows the whole word.
    return [
        (re.compile(rf"\b{re.escape(kk)}\w*"), rf"\g<0> {ru}") for kk, ru in words.items() if not kk.startswith("_")
    ]


def _normalise(text: str) -> str:
    """Lower case, Kazakh letters folded, and each glossary word followed by its Russian match (kept, too)."""
    text = text.lower().replace("ё", "е").translate(_FOLD)
    for pattern, both in _glossary():
        text = pattern.sub(both, text)
    return text


def _vectors(texts: list[str]):
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=_normalise)
    return vectorizer.fit_transform(texts)


def _clusters(matrix, threshold: float) -> list[list[int]]:
    """Rows whose average similarity to each other is at least `threshold` (average linkage, so no chaining)."""
    if matrix.shape[0] < 2:
        return []
    distance = np.clip(1.0 - cosine_similarity(matrix), 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    labels = fcluster(linkage(squareform(distance, checks=False), "average"), t=1.0 - threshold, criterion="distance")
    found: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        found.setdefault(label, []).append(row)
    return [rows for rows in found.values() if len(rows) > 1]


def cluster_texts(texts: list[str], keys: list, threshold: float) -> list[list[int]]:
    """Groups (of positions in `texts`) of alike texts with equal `keys` (topic and territory), largest first."""
    matrix = _vectors(texts)
    buckets: dict = {}
    for position, key in enumerate(keys):
        buckets.setdefault(key, []).append(position)
    groups = []
    for positions in buckets.values():
        for rows in _clusters(matrix[positions], threshold):
            groups.append([positions[r] for r in rows])
    return sorted(groups, key=len, reverse=True)


def _text(appeal: Appeal) -> str:
    return f"{appeal.summary} {appeal.text}"


def _candidates(now=None) -> list[Appeal]:
    """Appeals of the look-back window that no mandate holds yet (responses to earlier appeals are not matters)."""
    since = (now or utcnow()) - timedelta(days=current_app.config["MANDATE_LOOKBACK_DAYS"])
    taken = select(mandate_appeals.c.appeal_id)
    return list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.registered_dt >= since, Appeal.id.not_in(taken), Appeal.type != AppealType.response)
            .order_by(Appeal.id)
        )
    )


@dataclass
class Suggestion:
    appeals: list[Appeal]

    @property
    def topic(self):
        return self.appeals[0].topic

    @property
    def region(self):
        return self.appeals[0].region


def suggest_groups(now=None) -> list[Suggestion]:
    """Groups of alike appeals no mandate holds, for the analyst to accept, trim or add to a mandate."""
    appeals = _candidates(now)
    if len(appeals) < 2:
        return []
    groups = cluster_texts(
        [_text(a) for a in appeals],
        [(a.topic_id, a.region_id) for a in appeals],
        current_app.config["MANDATE_SIMILARITY"],
    )
    return [Suggestion([appeals[i] for i in rows]) for rows in groups]


@dataclass
class Growth:
    mandate: VoterMandate
    appeals: list[Appeal]


def suggest_growth(now=None) -> list[Growth]:
    """New appeals (held by no mandate) as alike to an existing mandate's appeals as the threshold asks, on its topic
    and in its region: the analyst may add them. Computed when the page opens: a few hundred mandates' appeals
    vectorise in well under a second."""
    mandates = list(db.session.scalars(select(VoterMandate).order_by(VoterMandate.id)))
    candidates = _candidates(now)
    if not mandates or not candidates:
        return []
    sources = [m.appeals for m in mandates]
    texts = [_text(a) for a in candidates] + [_text(a) for group in sources for a in group]
    matrix = _vectors(texts)
    threshold = current_app.config["MANDATE_SIMILARITY"]
    found, offset = [], len(candidates)
    for mandate, group in zip(mandates, sources, strict=True):
        rows = matrix[offset : offset + len(group)]
        offset += len(group)
        if not group:
            continue
        near = [
            i
            for i, a in enumerate(candidates)
            if a.topic_id == mandate.topic_id and (mandate.region_id is None or a.region_id == mandate.region_id)
        ]
        if not near:
            continue
        similarity = cosine_similarity(matrix[near], rows).mean(axis=1)
        chosen = [candidates[i] for i, s in zip(near, similarity, strict=True) if s >= threshold]
        if chosen:
            found.append(Growth(mandate, chosen))
    return found
