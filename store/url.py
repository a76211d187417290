"""`--store URL` → the eventsourcing environment that opens that store."""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.utils import get_topic

from store.recorders import SQLiteLedgerRecorder

DEFAULT_STORE = "sqlite:///rnd-ledger.db"
STORE_ENV = "RND_LEDGER_STORE"
# By name, not by class: importing the class would load psycopg for every store.
POSTGRES_RECORDER_TOPIC = "store.postgres_recorder:PostgresLedgerRecorder"
# eventsourcing puts the schema into its SQL unquoted: only plain identifiers.
SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class StoreError(Exception):
    """The store URL is wrong or the store cannot be reached; says what to fix."""


def store_url(given: str | None) -> str:
    return given or os.environ.get(STORE_ENV) or DEFAULT_STORE


def environment_for(url: str) -> dict[str, str]:
    """The eventsourcing settings for a `sqlite:///…` or `postgresql://…` URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)[1:] if parts.path.startswith("/") else ""
        if not path or parts.netloc:
            raise StoreError(
                f"store URL {url!r} has no file path: use sqlite:///relative.db "
                "or sqlite:////absolute/path.db"
            )
        directory = Path(path).parent
        if not directory.is_dir():
            raise StoreError(f"store directory {str(directory)!r} does not exist: create it first")
        return {
            "PERSISTENCE_MODULE": "store.sqlite_tuned",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "PROCESS_RECORDER_TOPIC": get_topic(SQLiteLedgerRecorder),
        }
    if parts.scheme in ("postgresql", "postgres"):
        database = parts.path.lstrip("/")
        if not parts.hostname or not database:
            raise StoreError(
                f"store URL {redact_password(url)!r} needs a host and a database: "
                "postgresql://user:password@host:port/dbname"
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise StoreError(
                f"store URL {redact_password(url)!r} has a port that is not 1-65535"
            ) from None
        schema = parse_qs(parts.query).get("schema", ["public"])[0]
        if not SCHEMA_NAME.fullmatch(schema):
            raise StoreError(
                f"schema {schema!r} in the store URL: use letters, digits and _ "
                "(starting with a letter or _), at most 63 characters"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(database),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "60",
            "PROCESS_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
        }
    raise StoreError(
        f"unknown store URL scheme {parts.scheme!r} in {redact_password(url)!r}: "
        "use sqlite:///path.db or postgresql://user:password@host:port/dbname"
    )


def redact_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url
