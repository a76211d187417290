"""The database drivers: their errors, and a direct PostgreSQL connection,
without importing a driver a run does not use."""

import sqlite3
import sys
from typing import Any


def first_line(error: BaseException) -> str:
    """An error's first line for a one-line message (its class name if it has none):
    drivers' errors carry detail and hints on the lines after it."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def driver_errors() -> tuple[type[Exception], ...]:
    """sqlite3's and psycopg's error classes, for an `except` clause. psycopg's
    only once something has imported it: a run that never loaded psycopg
    cannot meet its errors, and a SQLite run is spared its 80 ms import."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)


def connect_postgres(env: dict[str, str], autocommit: bool = False) -> Any:
    """One direct psycopg connection to the store an eventsourcing `env` names."""
    import psycopg  # here: only a PostgreSQL store needs the driver

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT") or 5),
        autocommit=autocommit,
    )
