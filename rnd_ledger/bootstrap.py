"""The one place that wires the ledger to its store (Cosmic Python's bootstrap)."""

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError

from audit.rows import POSTGRES_TABLE
from domain.ledger import Ledger
from store.drivers import connect_postgres, driver_errors, first_line
from store.url import StoreError, environment_for, is_postgres, redact_password, sqlite_path

OPEN_ATTEMPTS = 4
# What PostgreSQL says to the losers of a race to set up the same schema or tables.
SETUP_RACES = ("unique constraint", "concurrently updated", "already exists")


def open_ledger(url: str, create: bool = True) -> Ledger:
    """Open (and if new, create) the ledger at `url`; StoreError says what to fix.
    Without `create`, no CREATE statement runs: a role that may only read
    (an auditor's) can open an existing ledger."""
    env = environment_for(url)
    if not create:
        env["CREATE_TABLE"] = "no"
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            if is_postgres(env):
                if create:
                    ensure_schema(env)
            else:
                refuse_foreign_sqlite(env["SQLITE_DBNAME"])
            return Ledger(env)
        except (PersistenceError, OSError, *driver_errors()) as error:
            # Two processes creating a new store at once race on the library's
            # table set-up (or on the schema); the loser finds them there on a
            # second try.
            if attempt < OPEN_ATTEMPTS and (
                isinstance(error, PersistenceError) or any(r in str(error) for r in SETUP_RACES)
            ):
                time.sleep(0.2 * attempt)
                continue
            raise cannot_open(redact_password(url), error) from None
    raise AssertionError("unreachable")  # pragma: no cover


NEXT_STEPS = (  # (what the driver says, what to do), for the common PostgreSQL failures
    ("Connection refused", "is PostgreSQL running and listening at that host and port?"),
    ("timeout expired", "is the host reachable (network, firewall)?"),
    ('role "', "name an existing user in --store"),
    ("does not exist", "create the database (createdb NAME) or name an existing one in --store"),
    ("authentication failed", "check the user and password in --store"),
)


def cannot_open(shown: str, error: BaseException) -> StoreError:
    """One line: which store, the driver's reason, and what to try."""
    reason = first_line(error)
    hint = next((step for cause, step in NEXT_STEPS if cause in reason), None)
    return StoreError(f"cannot open store {shown}: {reason}" + (f"; {hint}" if hint else ""))


def open_existing_ledger(url: str) -> Ledger:
    """For commands that only read: the ledger, if there is one (`require_ledger`)."""
    require_ledger(url)
    return open_ledger(url, create=False)


def require_ledger(url: str) -> None:
    """A mistyped SQLite path or PostgreSQL schema is an error for a command
    that only reads, not a new, empty store that makes it report nothing."""
    env = environment_for(url)
    shown = redact_password(url)
    if (path := sqlite_path(env)) is not None:
        if not Path(path).is_file():
            raise StoreError(
                f"store {path!r} does not exist: check --store, or ingest events first"
            )
    else:
        try:
            with connect_postgres(env, autocommit=True) as connection:
                table = f"{env['POSTGRES_SCHEMA']}.{POSTGRES_TABLE}"
                found = connection.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        except driver_errors() as error:
            raise cannot_open(shown, error) from None
        if found is None or found[0] is None:
            raise StoreError(
                f"no ledger in {shown}: check --store (and ?schema=), or ingest events first"
            )


def ensure_schema(env: dict[str, str]) -> None:
    """Connect once directly, so that a wrong host, port or database is said
    at once and plainly (the library's pool retries for seconds, then says
    only that it got no connection), and create the schema named in the URL
    (`?schema=`) if it is missing."""
    from psycopg import sql

    with connect_postgres(env, autocommit=True) as connection:
        schema = env["POSTGRES_SCHEMA"]
        exists = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        if exists.fetchone() is None:  # IF NOT EXISTS alone needs CREATE on the database
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
        else:
            refuse_foreign_postgres(connection, schema)


LEDGER_TABLES = {"stored_events", "tracking", "event_ids"}
STORED_EVENT_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
TABLES_QUERY = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
POSTGRES_TABLES_QUERY = (  # an extension's own tables (PostGIS's spatial_ref_sys) do not count
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT EXISTS "
    "(SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
)
POSTGRES_COLUMNS_QUERY = (
    "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped"
)


def refuse_foreign_sqlite(path: str) -> None:
    """A SQLite file that holds other tables is another application's
    database: adding the ledger's tables to it would mix the two."""
    if not Path(path).is_file() or Path(path).stat().st_size == 0:
        return
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        tables = {row[0] for row in connection.execute(TABLES_QUERY)}
        columns = {row[1] for row in connection.execute("PRAGMA table_info(stored_events)")}
    refuse_foreign(
        tables, columns, LEDGER_TABLES, "stored_events", f"{path} is a SQLite database", "file"
    )


def refuse_foreign_postgres(connection: Any, schema: str) -> None:
    """The same for a PostgreSQL schema: one that holds another application's
    tables is not made a ledger (`?schema=` names one of the ledger's own)."""
    from store.postgres_recorder import index_table_for  # psycopg: not for SQLite runs

    tables = {row[0] for row in connection.execute(POSTGRES_TABLES_QUERY, (schema,))}
    events = POSTGRES_TABLE
    columns = {row[0] for row in connection.execute(POSTGRES_COLUMNS_QUERY, (schema, events))}
    ledger_tables = {events, events.replace("_events", "_tracking"), index_table_for(events)}
    refuse_foreign(
        tables,
        columns if events in tables else set(),
        ledger_tables,
        events,
        f"schema {schema!r} is a PostgreSQL schema",
        "schema (?schema=NAME)",
    )


def refuse_foreign(
    tables: set[str],
    columns: set[str],
    ledger_tables: set[str],
    events_table: str,
    what: str,
    fix: str,
) -> None:
    """The rule both stores share: a store with tables but none of the ledger's
    is another application's; an events table without the ledger's columns is
    not the ledger's."""
    others = sorted(tables - ledger_tables)
    if others and not tables & ledger_tables:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise StoreError(
            f"{what} of another application (tables: {shown}), not a "
            f"ledger: give --store a new {fix}, or one rnd-ledger made"
        )
    if events_table in tables and not STORED_EVENT_COLUMNS <= columns:
        raise StoreError(
            f"{what} with a {events_table} table that rnd-ledger did not make (columns: "
            f"{', '.join(sorted(columns))}): give --store a new {fix}, or one rnd-ledger made"
        )
