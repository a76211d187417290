"""The one place that wires the ledger to its store (Cosmic Python's bootstrap)."""

import time

from eventsourcing.persistence import PersistenceError

from domain.ledger import Ledger
from store.drivers import driver_errors
from store.url import StoreError, environment_for, redact_password

OPEN_ATTEMPTS = 3


def open_ledger(url: str) -> Ledger:
    """Open (and if new, create) the ledger at `url`; StoreError says what to fix."""
    env = environment_for(url)
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
                ensure_schema(env)
            return Ledger(env)
        except (PersistenceError, OSError, *driver_errors()) as error:
            # Two processes creating a new store at once race on the library's
            # table set-up; the loser finds the tables there on a second try.
            if attempt < OPEN_ATTEMPTS and isinstance(error, PersistenceError):
                time.sleep(0.2 * attempt)
                continue
            text = str(error).strip()
            reason = text.splitlines()[0] if text else type(error).__name__
            raise StoreError(f"cannot open store {redact_password(url)}: {reason}") from None
    raise AssertionError("unreachable")  # pragma: no cover


def ensure_schema(env: dict[str, str]) -> None:
    """Create the PostgreSQL schema named in the URL (`?schema=`) if it is missing."""
    schema = env["POSTGRES_SCHEMA"]
    if schema == "public":
        return
    import psycopg  # here: only a PostgreSQL store needs the driver
    from psycopg import sql

    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    ) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
