"""Suggested mandates: appeals alike in text, on the same topic and in the same region, grouped for an analyst to
confirm. Two texts' similarity is the mean of two cosines:
- TF-IDF over character n-grams, which catches typos, inflected forms and shared names; Kazakh letters are folded
  into their nearest Russian ones first, so a place name or loanword ("газ", "Жаңаталап"/"Жанаталап") matches across
  the two languages;
- multilingual sentence embeddings (embeddings.py), which match a Kazakh and a Russian text on one matter that share
  no word ("бездомные собаки", "иесіз иттер").
Where the embedding model cannot load, the n-grams alone decide, on their own threshold."""

from dataclasses import dataclass
from datetime import timedelta

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
from . import embeddings
from .models import VoterMandate, mandate_appeals

_FOLD = str.maketrans("әғқңөұүһі", "агкноуухи")


def _normalise(text: str) -> str:
    return text.lower().replace("ё", "е").translate(_FOLD)


def _ngrams(texts: list[str]) -> np.ndarray:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=_normalise)
    return cosine_similarity(vectorizer.fit_transform(texts))


def similarity(texts: list[str], embed_inline: int | None = None) -> tuple[np.ndarray, bool]:
    """Pairwise similarity of `texts` (see the module's note), and whether the embeddings took part. Embeddings
    missing for more than `embed_inline` texts (unlimited if None) are queued to be made and this answer does
    without them."""
    ngrams = _ngrams(texts)
    if not embeddings.available():
        return ngrams, False
    if embed_inline is not None and embeddings.missing(texts) > embed_inline:
        _queue_embeddings()
        return ngrams, False
    vectors = embeddings.language_centred(embeddings.embed(texts), texts)
    return (ngrams + vectors @ vectors.T) / 2, True


def _queue_embeddings() -> None:
    """One rq job at a time makes the missing embeddings (a key in Redis keeps a second one from being queued)."""
    from redis.exceptions import RedisError

    from ..jobs.queues import enqueue, get_redis

    try:
        if get_redis().set("mandates:embedding-job", b"1", nx=True, ex=900):
            enqueue("reception.mandates.tasks.embed_candidates")
    except RedisError:
        pass


def embeddings_pending() -> bool:
    """Whether the job making the missing embeddings is queued or running: until it is done the suggestions go by
    the n-grams alone, and the board says so."""
    from redis.exceptions import RedisError

    from ..jobs.queues import get_redis

    try:
        return bool(get_redis().exists("mandates:embedding-job"))
    except RedisError:
        return False


def threshold(embedded: bool = True) -> float:
    """The configured similarity threshold for the measure used."""
    return current_app.config["MANDATE_SIMILARITY" if embedded else "MANDATE_SIMILARITY_NGRAMS"]


def _clusters(similar: np.ndarray, threshold: float) -> list[list[int]]:
    """Rows whose average similarity to each other is at least `threshold` (average linkage, so no chaining)."""
    if similar.shape[0] < 2:
        return []
    distance = np.clip(1.0 - similar, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    labels = fcluster(linkage(squareform(distance, checks=False), "average"), t=1.0 - threshold, criterion="distance")
    found: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        found.setdefault(label, []).append(row)
    return [rows for rows in found.values() if len(rows) > 1]


def cluster_texts(texts: list[str], keys: list, least: float | None = None, embed_inline=None) -> list[list[int]]:
    """Groups (of positions in `texts`) of alike texts with equal `keys` (topic and territory), largest first;
    `least` is the threshold (the configured one for the measure used if None)."""
    similar, embedded = similarity(texts, embed_inline)
    least = threshold(embedded) if least is None else least
    buckets: dict = {}
    for position, key in enumerate(keys):
        buckets.setdefault(key, []).append(position)
    groups = []
    for positions in buckets.values():
        for rows in _clusters(similar[np.ix_(positions, positions)], least):
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
        embed_inline=current_app.config["MANDATE_EMBED_INLINE"],
    )
    return [Suggestion([appeals[i] for i in rows]) for rows in groups]


@dataclass
class Growth:
    mandate: VoterMandate
    appeals: list[Appeal]


def embed_candidates(now=None) -> int:
    """Make the embeddings the suggestions will ask for (the rq job); how many texts."""
    texts = [_text(a) for a in _candidates(now)]
    texts += [_text(a) for m in db.session.scalars(select(VoterMandate)) for a in m.appeals]
    embeddings.embed(texts)
    return len(texts)


def suggest_growth(now=None) -> list[Growth]:
    """New appeals (held by no mandate) as alike to an existing mandate's appeals as the threshold asks, on its topic
    and in its region: the analyst may add them. Computed when the page opens: a few hundred mandates' appeals
    vectorise in well under a second, and
    their embeddings are kept in the process once made."""
    mandates = list(db.session.scalars(select(VoterMandate).order_by(VoterMandate.id)))
    candidates = _candidates(now)
    if not mandates or not candidates:
        return []
    sources = [m.appeals for m in mandates]
    texts = [_text(a) for a in candidates] + [_text(a) for group in sources for a in group]
    similar, embedded = similarity(texts, current_app.config["MANDATE_EMBED_INLINE"])
    least = threshold(embedded)
    found, offset = [], len(candidates)
    for mandate, group in zip(mandates, sources, strict=True):
        columns = slice(offset, offset + len(group))
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
        alike = similar[near, columns].mean(axis=1)
        chosen = [candidates[i] for i, s in zip(near, alike, strict=True) if s >= least]
        if chosen:
            found.append(Growth(mandate, chosen))
    return found
