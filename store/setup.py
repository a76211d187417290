"""Before the library opens a store: the PostgreSQL schema made if missing,
and a database that is another application's refused (adding the ledger's
tables to it would mix the two)."""

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from store.drivers import connect_postgres
from store.tables import POSTGRES_TABLE, SQLITE_INDEX_TABLE, SQLITE_TABLE, SQLITE_TRACKING_TABLE
from store.url import StoreError


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


LEDGER_TABLES = {SQLITE_TABLE, SQLITE_TRACKING_TABLE, SQLITE_INDEX_TABLE}
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
        tables, columns, LEDGER_TABLES, SQLITE_TABLE, f"{path} is a SQLite database", "file"
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
