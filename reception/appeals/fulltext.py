"""Full-text search over an appeal's summary and text.

PostgreSQL: a GIN index on to_tsvector('simple', summary || ' ' || text); 'simple' because appeals come in
Kazakh and Russian, and a stemmer of one language mangles the other.
SQLite: an FTS5 table kept in step with `appeals` by triggers.
Both are created by the migration and, for tests that build the schema with create_all, by the DDL
hooks below; migrations' autogenerate comparison skips them (see `is_fulltext_object`).
"""

import re

from sqlalchemy import DDL, bindparam, event, func, literal_column, select, text

from .models import Appeal

FTS_PREFIX = "appeals_fts"
PG_INDEX = "ix_appeals_fulltext"
PG_DOCUMENT = "to_tsvector('simple', coalesce(summary, '') || ' ' || coalesce(text, ''))"

PG_DDL = [f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON appeals USING gin ({PG_DOCUMENT})"]
SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_PREFIX} USING fts5(summary, text, content='appeals', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_PREFIX}_ai AFTER INSERT ON appeals BEGIN
        INSERT INTO {FTS_PREFIX}(rowid, summary, text) VALUES (new.id, new.summary, new.text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_PREFIX}_ad AFTER DELETE ON appeals BEGIN
        INSERT INTO {FTS_PREFIX}({FTS_PREFIX}, rowid, summary, text) VALUES ('delete', old.id, old.summary, old.text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_PREFIX}_au AFTER UPDATE OF summary, text ON appeals BEGIN
        INSERT INTO {FTS_PREFIX}({FTS_PREFIX}, rowid, summary, text) VALUES ('delete', old.id, old.summary, old.text);
        INSERT INTO {FTS_PREFIX}(rowid, summary, text) VALUES (new.id, new.summary, new.text); END""",
]

for statement in PG_DDL:
    event.listen(Appeal.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
for statement in SQLITE_DDL:
    event.listen(Appeal.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
event.listen(Appeal.__table__, "before_drop", DDL(f"DROP TABLE IF EXISTS {FTS_PREFIX}").execute_if(dialect="sqlite"))


def is_fulltext_object(name: str | None) -> bool:
    """True for the search index and FTS tables, which live outside the models."""
    return bool(name) and (name.startswith(FTS_PREFIX) or name == PG_INDEX)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: leave the search objects (full text, names' trigrams) out of autogenerate comparisons."""
    from .name_search import PG_INDEX as NAME_INDEX
    from .name_search import PG_PREFIX_INDEX

    return not is_fulltext_object(name) and name not in (NAME_INDEX, PG_PREFIX_INDEX)


_WORD = re.compile(r"\w+", re.UNICODE)


def matches(query: str, dialect: str, *, prefix: bool = True):
    """A WHERE clause: appeals whose summary or text contain all the words of `query` (as prefixes of longer words
    too, unless prefix=False: then as whole words only, a subset)."""
    words = _WORD.findall(query)
    if not words:
        return Appeal.id.is_(None)
    star = "*" if prefix else ""
    if dialect == "postgresql":
        tsquery = " & ".join(f"{w}:{star}" if prefix else w for w in words)
        # The same expression as the index (qualified), so the planner uses the GIN index.
        document = PG_DOCUMENT.replace("summary", "appeals.summary").replace("text,", "appeals.text,")
        return literal_column(document).op("@@")(func.to_tsquery("simple", tsquery))
    fts_query = " ".join(f'"{w}"{star}' for w in words)
    # A bind of its own (unique): the whole words and the prefixes may sit in one statement (listing.py).
    match = text(f"{FTS_PREFIX} MATCH :q").bindparams(bindparam("q", fts_query, unique=True))
    ids = select(literal_column("rowid")).select_from(text(FTS_PREFIX)).where(match)
    return Appeal.id.in_(ids)
