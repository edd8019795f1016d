"""Search by a citizen's name: any part of it, whatever the case (`lower(full_name) LIKE '%...%'`).

PostgreSQL: a GIN trigram index (the pg_trgm extension) on lower(full_name), so a piece of a name is found in the
index instead of by reading every citizen. SQLite: the same LIKE over the table (a small database). The index is
made by migration 0032 and, for tests that build the schema with create_all, by the hook below; migrations'
autogenerate comparison skips it (see fulltext.include_object), since no model can declare an operator class of an
extension's schema.
"""

from sqlalchemy import event, func, select

from .models import Appeal, Citizen

PG_INDEX = "ix_citizens_full_name_trgm"
#: A B-tree on the same expression for names that start with the query (migration 0037): a range of it is read in
#: a few milliseconds where the trigram index gathers every name containing a common surname's trigrams.
PG_PREFIX_INDEX = "ix_citizens_full_name_prefix"


def create_pg_index(connection) -> None:
    """pg_trgm (if missing) and the trigram index, its operator class named in whichever schema holds pg_trgm; and
    the prefix index."""
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema = connection.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).scalar_one()
    connection.exec_driver_sql(
        f'CREATE INDEX IF NOT EXISTS {PG_INDEX} ON citizens USING gin (lower(full_name) "{schema}".gin_trgm_ops)'
    )
    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {PG_PREFIX_INDEX} ON citizens (lower(full_name) text_pattern_ops)"
    )


@event.listens_for(Citizen.__table__, "after_create")
def _after_create(target, connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        create_pg_index(connection)


def matches(query: str):
    """A WHERE clause: appeals of citizens whose name contains `query` (case aside)."""
    like = f"%{query.lower()}%"
    return Appeal.citizen_id.in_(select(Citizen.id).where(func.lower(Citizen.full_name).like(like)))


def starts_with(query: str):
    """A WHERE clause: appeals of citizens whose name starts with `query` (case aside), a subset of matches(query)."""
    like = f"{query.lower()}%"
    return Appeal.citizen_id.in_(select(Citizen.id).where(func.lower(Citizen.full_name).like(like)))
