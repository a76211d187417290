"""The one place that wires the ledger to its store (Cosmic Python's bootstrap)."""

import time
from pathlib import Path

from eventsourcing.persistence import PersistenceError

from domain.ledger import Ledger
from store.drivers import connect_postgres, driver_errors, first_line
from store.setup import ensure_schema, refuse_foreign_sqlite
from store.tables import POSTGRES_TABLE
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
