"""Set PostgreSQL tables' indexes and foreign keys aside while rows are bulk-loaded, then make them again as they were.

Maintaining some twenty indexes row by row costs more than loading the rows, and a foreign key checks each new
row with a query of its own (about 20 µs: minutes at a million appeals with eight of them); building an index
once over the loaded table is one sort, and adding a foreign key back checks every row in one join. What is
dropped is read from the catalogue (pg_get_indexdef, pg_get_constraintdef) just before, so exactly the indexes,
unique constraints and foreign keys the migrations made come back, with their names, and the loaded rows are
checked by them as they are made. Primary keys stay (other tables' foreign keys point at them).
DDL is transactional in PostgreSQL: run inside the load's transaction, a failure anywhere rolls back to the
indexes as they were.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

_DEFINITIONS = text(
    """
    SELECT i.relname AS name, pg_get_indexdef(i.oid) AS index_sql,
           c.conname AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_sql
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('u', 'x')
    WHERE x.indrelid = CAST(:table AS regclass) AND NOT x.indisprimary
    ORDER BY i.relname
    """
)


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    #: CREATE INDEX ... as PostgreSQL prints it.
    index_sql: str
    #: For an index behind a UNIQUE (or EXCLUDE) constraint: the constraint's name and definition.
    constraint_name: str | None
    constraint_sql: str | None


def index_definitions(conn: Connection, table: str) -> list[IndexDefinition]:
    """Every index of `table` but its primary key, as the catalogue defines it (what a test compares)."""
    return [IndexDefinition(*row) for row in conn.execute(_DEFINITIONS, {"table": table})]


_FOREIGN_KEYS = text(
    """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = CAST(:table AS regclass) AND contype = 'f'
    ORDER BY conname
    """
)


def foreign_keys(conn: Connection, table: str) -> list[tuple[str, str]]:
    """`table`'s foreign keys: (name, definition)."""
    return [tuple(row) for row in conn.execute(_FOREIGN_KEYS, {"table": table})]


@contextmanager
def set_aside(conn: Connection, tables: list[str], maintenance_work_mem: str = "1GB"):
    """Drop the tables' foreign keys, secondary indexes and unique constraints for the block, then make them
    again. Meant for one transaction: if the block raises, nothing is made again and the caller rolls back."""
    indexes = {table: index_definitions(conn, table) for table in tables}
    keys = {table: foreign_keys(conn, table) for table in tables}
    for table in tables:
        for name, _definition in keys[table]:
            conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for index in indexes[table]:
            if index.constraint_name:
                conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{index.constraint_name}"')
            else:
                conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
    yield sum(len(i) for i in indexes.values()), sum(len(k) for k in keys.values())
    # Sorting for a build in memory rather than on disk; local to this transaction.
    conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'")
    for table in tables:
        for index in indexes[table]:
            if index.constraint_name:
                conn.exec_driver_sql(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{index.constraint_name}" {index.constraint_sql}'
                )
            else:
                conn.exec_driver_sql(index.index_sql)
    for table in tables:
        for name, definition in keys[table]:
            conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
