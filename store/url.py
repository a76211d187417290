"""`--store URL` → the eventsourcing environment that opens that store."""

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.utils import get_topic

from store.recorders import SQLiteLedgerRecorder

DEFAULT_STORE = "sqlite:///rnd-ledger.db"
STORE_ENV = "RND_LEDGER_STORE"
# By name, not by class: importing the class would load psycopg for every store.
POSTGRES_RECORDER_TOPIC = "store.postgres_recorder:PostgresLedgerRecorder"
# eventsourcing puts the schema into its SQL unquoted: only plain identifiers,
# in lower case (PostgreSQL folds unquoted names; ours are quoted), and not
# one of PostgreSQL's reserved words (pg_get_keywords(), catcode R and T).
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
RESERVED_WORDS = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case
    cast check collate collation column concurrently constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp current_user
    default deferrable desc distinct do else end except false fetch for foreign freeze from
    full grant group having ilike in initially inner intersect into is isnull join lateral
    leading left like limit localtime localtimestamp natural not notnull null offset on only
    or order outer overlaps placing primary references returning right select session_user
    similar some symmetric system_user table tablesample then to trailing true union unique
    user using variadic verbose when where window with""".split()
)
URL_OPTIONS = {"schema"}  # other connection settings: libpq's PG* environment variables


class StoreError(Exception):
    """The store URL is wrong or the store cannot be reached; says what to fix."""


POSTGRES_MODULE = "eventsourcing.postgres"  # the library's persistence module for PostgreSQL


def is_postgres(env: Mapping[str, str]) -> bool:
    """Whether an environment (`environment_for`, or a ledger's) names a PostgreSQL store."""
    return env.get("PERSISTENCE_MODULE") == POSTGRES_MODULE


def sqlite_path(env: Mapping[str, str]) -> str | None:
    """The database file of a SQLite store's environment; None for PostgreSQL."""
    return None if is_postgres(env) else env["SQLITE_DBNAME"]


def store_url(given: str | None) -> str:
    """--store, else the environment's, else the default. An empty --store
    (a script's unset variable) is refused, not taken for the default."""
    if given is not None and not given.strip():
        raise StoreError(
            "--store is empty: give sqlite:///path.db or postgresql://user@host:port/db, "
            f"or leave it out for ${STORE_ENV} or {DEFAULT_STORE}"
        )
    if given:
        return given
    from_environment = os.environ.get(STORE_ENV)
    if not from_environment:
        return DEFAULT_STORE
    try:  # say where a wrong URL came from: the command line shows none
        environment_for(from_environment)
    except StoreError as error:
        raise StoreError(f"${STORE_ENV}: {error}") from None
    return from_environment


def environment_for(url: str) -> dict[str, str]:
    """The eventsourcing settings for a `sqlite:///…` or `postgresql://…` URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:/x.db parses as the path /x.db, but means x.db to SQLAlchemy
        # and the like: only the three-slash form is taken.
        three_slashes = url[len("sqlite:") :].startswith("///")
        path = unquote(parts.path)[1:] if parts.path.startswith("/") else ""
        if not path or parts.netloc or not three_slashes:
            raise StoreError(
                f"store URL {url!r} is not sqlite:/// and a file path: use "
                "sqlite:///relative.db or sqlite:////absolute/path.db"
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
            port = 5432 if parts.port is None else parts.port
        except ValueError:
            port = 0
        if not 1 <= port <= 65535:
            raise StoreError(f"store URL {redact_password(url)!r} has a port that is not 1-65535")
        options = parse_qs(parts.query, keep_blank_values=True)
        if unknown := sorted(set(options) - URL_OPTIONS):
            raise StoreError(
                f"store URL option {', '.join(unknown)} is not supported: the URL takes only "
                "?schema=; give other connection settings as libpq environment variables, "
                "e.g. PGSSLMODE=require, which every connection of rnd-ledger honours"
            )
        schemas = options.get("schema", ["public"])
        if len(schemas) > 1:
            raise StoreError("the store URL names ?schema= more than once: name one schema")
        schema = schemas[0]
        if not SCHEMA_NAME.fullmatch(schema) or schema in RESERVED_WORDS or schema[:3] == "pg_":
            raise StoreError(
                f"schema {schema!r} in the store URL: use lower-case letters, digits and _ "
                "(starting with a letter or _), at most 63 characters, not a reserved word "
                "nor pg_… (PostgreSQL's own)"
            )
        return {
            "PERSISTENCE_MODULE": POSTGRES_MODULE,
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
    if not parts.scheme:  # a bare path: what was meant is plain
        raise StoreError(
            f"store {url!r} is a path, not a URL: for a SQLite file write sqlite:///{url}"
        )
    raise StoreError(
        f"unknown store URL scheme {parts.scheme!r} in {redact_password(url)!r}: "
        "use sqlite:///path.db or postgresql://user:password@host:port/dbname"
    )


def redact_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url
