"""Set PostgreSQL tables' indexes and foreign keys aside while rows are bulk-loaded, then make them again as they were.

Maintaining some twenty indexes row by row costs more than loading the rows, and a foreign key checks each new
row with a query of its own (about 20 µs: minutes at a million appeals with eight of them); building an index
once over the loaded table is one sort, and adding a foreign key back checks every row in one join. What is
dropped is read from the catalogue (pg_get_indexdef, pg_get_constraintdef) just before, so exactly the indexes,
unique constraints and foreign keys the migrations made come back, with their names, and the loaded rows are
checked by them as they are made. Primary keys stay (other tables' foreign keys point at them).

`drop` runs in the load's transaction; the foreign keys come back NOT VALID in that same transaction, once the
rows are in (`add_keys_unchecked`: instant, and rows written after the commit are checked as usual). After the
commit, `make_again` builds the indexes on several connections at once and validates the keys: one index after
another on one connection left a 2-core machine half idle for most of the build, the two GIN indexes (full text,
trigrams: a third of the work at a million appeals) being built by one process each in PostgreSQL 15, whereas
several builds, each btree with PostgreSQL's own parallel workers, keep both cores busy. The rows, with the
registration counters that go with them, are committed before their indexes exist: an intake meanwhile sees
consistent data, only slowly (and waits while a build of its table holds its lock). A failure while building
leaves some missing: `make_again` says which, and can be run again with the same definitions.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

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


@dataclass
class SetAside:
    """What `drop` took away, per table, to be made again."""

    indexes: dict[str, list[IndexDefinition]] = field(default_factory=dict)
    keys: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def counts(self) -> tuple[int, int]:
        return sum(len(i) for i in self.indexes.values()), sum(len(k) for k in self.keys.values())


def drop(conn: Connection, tables: list[str]) -> SetAside:
    """Drop the tables' foreign keys, secondary indexes and unique constraints (in the caller's transaction)."""
    saved = SetAside(
        indexes={table: index_definitions(conn, table) for table in tables},
        keys={table: foreign_keys(conn, table) for table in tables},
    )
    for table in tables:
        for name, _definition in saved.keys[table]:
            conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for index in saved.indexes[table]:
            if index.constraint_name:
                conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{index.constraint_name}"')
            else:
                conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
    return saved


def add_keys_unchecked(conn: Connection, saved: SetAside) -> None:
    """The foreign keys back, NOT VALID: rows written from now on are checked, the loaded ones by `make_again`."""
    for table, keys in saved.keys.items():
        for name, definition in keys:
            conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')


def _constraint_statements(table: str, index: IndexDefinition) -> list[str]:
    """The index behind a constraint, built as a plain unique index (so that it can go beside the others: ADD
    CONSTRAINT would lock the table against them), then made the constraint (instant: USING INDEX)."""
    if index.constraint_sql.startswith("UNIQUE (") and "NULLS NOT DISTINCT" not in index.constraint_sql:
        rest = index.constraint_sql[index.constraint_sql.index(")") + 1 :]  # DEFERRABLE ..., if any
        return [
            index.index_sql,
            f'ALTER TABLE {table} ADD CONSTRAINT "{index.constraint_name}" UNIQUE USING INDEX "{index.name}"{rest}',
        ]
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{index.constraint_name}" {index.constraint_sql}']


@dataclass
class _Job:
    table: str
    #: Run in order on one connection.
    statements: list[str]
    what: str


def make_again(
    engine: Engine,
    saved: SetAside,
    connections: int = 4,
    maintenance_work_mem: str = "1GB",
    analyze: bool = True,
    say: Callable[[str], None] = lambda _text: None,
) -> None:
    """Build the indexes `drop` took away and validate the keys `add_keys_unchecked` put back, on `connections`
    connections of `engine` at once; then ANALYZE each table. Raises once every connection has stopped if
    anything failed (what was made stays made: run it again for the rest)."""
    # Each table's indexes first, the longest (GIN) ahead; a table's constraints and keys once all its indexes
    # are made (USING INDEX needs them, and VALIDATE would wait for the builds' locks anyway).
    ready: deque[_Job] = deque()
    after: dict[str, _Job] = {}
    waiting_for: dict[str, int] = {}
    builds = []
    for table, indexes in saved.indexes.items():
        finish = []
        for index in indexes:
            if index.constraint_name:
                first, *rest = _constraint_statements(table, index)
                if rest:
                    builds.append(_Job(table, [first], index.name))
                    finish += rest
                else:
                    finish.append(first)
            else:
                builds.append(_Job(table, [index.index_sql], index.name))
        finish += [f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"' for name, _ in saved.keys.get(table, [])]
        if analyze:
            finish.append(f"ANALYZE {table}")
        after[table] = _Job(table, finish, f"{table}: constraints, keys validated")
        waiting_for[table] = sum(1 for job in builds if job.table == table)
    builds.sort(key=lambda job: " USING gin " not in job.statements[0])
    ready.extend(builds)
    for table, count in waiting_for.items():
        if not count:
            ready.append(after[table])
    left = len(builds) + len(after)
    errors: list[str] = []
    lock = threading.Condition()

    def work() -> None:
        try:
            _work()
        except Exception as exc:  # the connection itself failed
            with lock:
                errors.append(str(exc))
                lock.notify_all()

    def _work() -> None:
        nonlocal left
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # Sorting in memory rather than on disk, on this connection only.
            conn.exec_driver_sql(f"SET maintenance_work_mem = '{maintenance_work_mem}'")
            while True:
                with lock:
                    while not ready and left and not errors:
                        lock.wait()
                    if not ready or errors:
                        return
                    job = ready.popleft()
                started = time.perf_counter()
                try:
                    for statement in job.statements:
                        conn.exec_driver_sql(statement)
                except Exception as exc:  # every failure is reported, after the other connections stop
                    with lock:
                        errors.append(f"{job.what}: {exc}")
                        lock.notify_all()
                    return
                say(f"{job.what} in {time.perf_counter() - started:.1f} s")
                with lock:
                    left -= 1
                    if job is not after[job.table]:
                        waiting_for[job.table] -= 1
                        if not waiting_for[job.table]:
                            ready.appendleft(after[job.table])  # its keys' checks: long, start them first
                    lock.notify_all()

    threads = [threading.Thread(target=work, name=f"make-again-{n}") for n in range(min(connections, left) or 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors or left:
        raise RuntimeError("indexes or keys not made again: " + "; ".join(errors or [f"{left} steps left"]))
