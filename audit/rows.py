"""Reading stored rows for the chain: a plain, fast query per store, pages in position order.

SQLite: `stored_events`, position = rowid, originator_id as 32 hex digits.
PostgreSQL: `{schema}.ledger_events`, position = notification_id, originator_id
read as its 16 bytes with `uuid_send`. Each reader runs in one read-only
snapshot, so a scan sees one consistent history while others write.

verify's checks written in SQL (audit/index_check.py) run in the same
snapshot: each reader names its tables and its accepted facts as SQL
(`facts_sql`) and runs a one-row query (`fetch_one`).
"""

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from eventsourcing.persistence import OperationalError

from domain.ledger import Ledger
from store.drivers import driver_errors
from store.sqlite_tuned import CACHE_KIB
from store.tables import SQLITE_INDEX_TABLE, SQLITE_TABLE
from store.url import StoreError, environment_for, is_postgres, redact_password

PAGE = 2_000  # rows per fetch from SQLite: small pages stay in CPU cache (measured)
POSTGRES_PAGE = 10_000  # rows per round trip of the server-side cursor

Page = list[tuple[Any, ...]]
T = TypeVar("T")
# What `facts_sql` selects: pos (position), oid (originator id), then these state fields.
FIELDS = (("event_id", "eid"), ("subject_id", "sid"), ("source", "src"), ("event_type", "typ"))


class UnreadableFacts(Exception):
    """The database could not read a stored fact's state as JSON (PostgreSQL
    stops the whole query at the first such state; SQLite reads it as no fields)."""


def sql_list(texts: list[str]) -> str:
    """Our own constants (topics) as an SQL list of string literals."""
    return ", ".join("'" + text.replace("'", "''") + "'" for text in texts)


@contextmanager
def reading() -> Iterator[None]:
    """A driver error while reading (the database went away mid-scan) becomes
    the library's OperationalError, as the ledger's own reads do, so every
    command reports a store failing mid-run in one line."""
    try:
        yield
    except driver_errors() as error:
        raise OperationalError(error) from error


COLLATE = re.compile(r"\bCOLLATE\b", re.IGNORECASE)
UNDECODABLE = "Could not decode to UTF-8"  # sqlite3's error for text that is not UTF-8


def text_as_stored(data: bytes) -> str:
    """Text as SQLite holds it, bytes that are not UTF-8 kept as surrogates: the
    chain's checks then name the record (`audit.chain.diagnose`)."""
    return data.decode("utf-8", "surrogateescape")


class SQLiteRows:
    hex_ids = True
    gaps_mean_deletion = True  # rowids are max+1: a rolled-back insert leaves no gap
    events_table = SQLITE_TABLE
    position_column = "rowid"
    index_table = SQLITE_INDEX_TABLE

    def __init__(self, path: str) -> None:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        try:
            self.connection = sqlite3.connect(uri, uri=True, isolation_level=None)
            # The ledger's page cache, not SQLite's 2 MB: the duplicate-index
            # check looks every fact up in the index (2.1 → 1.6 s on the national demo).
            self.connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self.connection.execute("BEGIN")  # one snapshot for the whole scan
            self.connection.execute(f"SELECT 1 FROM {SQLITE_TABLE} LIMIT 1")
        except sqlite3.Error as error:
            raise StoreError(f"cannot read the ledger in {path}: {error}") from None

    def max_position(self) -> int:
        query = f"SELECT MAX(rowid) FROM {SQLITE_TABLE}"
        return self.fetch_one(query)[0] or 0

    def index_declaration(self) -> str | None:
        """None if the index table is missing; else what makes its columns
        compare by more than their bytes ("" if nothing): the ledger declares
        no collation, and NOCASE or RTRIM would make `=` match other ids."""
        query = (
            f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{self.index_table}'"
        )
        row = self.fetch_one(query)
        if row is None:
            return None
        return "a COLLATE clause in its table" if COLLATE.search(row[0] or "") else ""

    def tolerate_undecodable(self, error: sqlite3.Error) -> bool:
        """Whether `error` is text that is not UTF-8 (the ledger writes none: it
        was edited in the file); if so, text is read as stored from now on, so
        that a retried read reaches the record instead of stopping there."""
        if UNDECODABLE not in str(error) or self.connection.text_factory is text_as_stored:
            return False
        self.connection.text_factory = text_as_stored
        return True

    def pages(self, after: int, stop: int) -> Iterator[Page]:
        """Rows (position, id, version, topic, state) with after < position ≤ stop."""
        query = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {SQLITE_TABLE} "
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid"
        )
        # One query read in small pages: 20% faster than 50,000-row pages or
        # one query per page on a 300,000-record store.
        with reading():
            while True:
                cursor = self.connection.execute(query, (after, stop))
                try:
                    while page := cursor.fetchmany(PAGE):
                        after = page[-1][0]
                        yield page
                    return
                except sqlite3.OperationalError as error:
                    if not self.tolerate_undecodable(error):
                        raise
                finally:
                    cursor.close()

    def of_topic(
        self, topic: str, stop: int, last: bool = False, after: int = 0
    ) -> list[tuple[int, bytes]]:
        """(position, state) of the records of one topic at after < position ≤ stop
        (topics are not indexed: a narrow range is what keeps this cheap)."""
        query = (
            f"SELECT rowid, state FROM {SQLITE_TABLE} WHERE topic = ? AND rowid > ? AND rowid <= ? "
        )
        query += "ORDER BY rowid DESC LIMIT 1" if last else "ORDER BY rowid"
        return self.read(lambda: self.connection.execute(query, (topic, after, stop)).fetchall())

    def facts_sql(self, topics: list[str]) -> str:
        """The facts of `topics` as rows: pos, oid and the state's FIELDS
        (NULL where the state is not JSON: json_extract would stop the query)."""
        state = "CAST(state AS TEXT)"
        fields = ", ".join(
            f"CASE WHEN json_valid({state}) THEN json_extract({state}, '$.{name}') END AS {alias}"
            for name, alias in FIELDS
        )
        return (
            f"SELECT rowid AS pos, originator_id AS oid, {fields} "
            f"FROM {SQLITE_TABLE} WHERE topic IN ({sql_list(topics)})"
        )

    def fetch_one(self, query: str) -> tuple[Any, ...]:
        return self.read(lambda: self.connection.execute(query).fetchone())

    def read(self, query: Callable[[], T]) -> T:
        """Run `query`, again if it met text that is not UTF-8 (`tolerate_undecodable`)."""
        with reading():
            try:
                return query()
            except sqlite3.OperationalError as error:
                if not self.tolerate_undecodable(error):
                    raise
                return query()

    def close(self) -> None:
        self.connection.close()


class Rows(Protocol):
    """What the chain reads from a store (SQLiteRows, or `PostgresRows` in
    audit/postgres_rows.py, which is imported only for a PostgreSQL store)."""

    hex_ids: bool  # originator ids as 32 hex digits (SQLite), not 16 bytes
    gaps_mean_deletion: bool  # whether a missing position means a deleted row
    events_table: str  # SQL names, quoted as a query needs them
    position_column: str
    index_table: str  # the event-id index (store/recorders.py)

    def max_position(self) -> int: ...
    def index_declaration(self) -> str | None: ...
    def pages(self, after: int, stop: int) -> Iterator[Page]: ...
    def of_topic(
        self, topic: str, stop: int, last: bool = False, after: int = 0
    ) -> list[tuple[int, bytes]]: ...
    def facts_sql(self, topics: list[str]) -> str: ...
    def fetch_one(self, query: str) -> tuple[Any, ...]: ...
    def close(self) -> None: ...


def open_rows(source: "str | Ledger") -> Rows:
    """A reader over the store named by a `--store` URL, or the store a ledger uses."""
    if isinstance(source, Ledger):
        env = {key: source.env.get(key) or "" for key in ENV_KEYS}
        shown = "the ledger's store"
    else:
        env = environment_for(source)
        shown = redact_password(source)
    if is_postgres(env):
        from audit.postgres_rows import PostgresRows

        return PostgresRows(env, shown)
    return SQLiteRows(env["SQLITE_DBNAME"])


ENV_KEYS = (
    "PERSISTENCE_MODULE",
    "SQLITE_DBNAME",
    "POSTGRES_DBNAME",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_SCHEMA",
    "POSTGRES_CONNECT_TIMEOUT",
)
