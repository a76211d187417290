"""The database drivers' own errors, without importing a driver a run does not use."""

import sqlite3
import sys


def driver_errors() -> tuple[type[Exception], ...]:
    """sqlite3's and psycopg's error classes, for an `except` clause. psycopg's
    only once something has imported it: a run that never loaded psycopg
    cannot meet its errors, and a SQLite run is spared its 80 ms import."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)
