"""Read stored records straight from the store into Arrow (ADBC), then Polars.

SQLite: `stored_events`, position = rowid. PostgreSQL: `S.ledger_events`,
position = notification_id; the `?schema=S` query parameter is ours, so it is
stripped from the URL handed to the driver. Records come in chunks so memory
holds one chunk of raw JSON at a time, however long the history is.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from threading import Thread
from urllib.parse import quote

import polars as pl
import pyarrow as pa

from store.drivers import first_line
from store.tables import POSTGRES_TABLE, SQLITE_TABLE
from store.url import StoreError, environment_for, is_postgres, redact_password, sqlite_path

CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Store:
    url: str
    kind: str  # "sqlite" | "postgresql"
    target: str  # SQLite file path, or the driver's PostgreSQL URI
    table: str
    position: str

    @property
    def key(self) -> str:
        """A stable name for this store (checkpoint directories): the same for
        every spelling of its URL (postgres:// or postgresql://, localhost or
        127.0.0.1, with or without :5432, any user or password), or `verify`
        would check one checkpoint while the figures came from another."""
        return hashlib.sha256(identity(self.url).encode()).hexdigest()[:16]

    def connect(self):  # noqa: ANN201 - a DB-API connection of either driver
        try:
            if self.kind == "sqlite":
                import adbc_driver_sqlite.dbapi as sqlite

                # A path with #, ? or % in it means those characters, not URI syntax.
                return sqlite.connect(f"file:{quote(self.target)}?mode=ro")
            import adbc_driver_postgresql.dbapi as postgresql

            return postgresql.connect(self.target)
        except Exception as error:  # the drivers raise their own error families
            shown = redact_password(self.url)
            raise StoreError(f"cannot open store {shown}: {first_line(error)}") from None

    def state_sql(self) -> str:
        if self.kind == "sqlite":
            return "CAST(state AS TEXT)"
        return "convert_from(state, 'UTF8')"

    def param(self, n: int) -> str:
        return "?" if self.kind == "sqlite" else f"${n}"


LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def identity(url: str) -> str:
    """What names a store whatever the spelling of its URL."""
    env = environment_for(url)
    if not is_postgres(env):
        return redact_password(url)  # SQLite keeps its checkpoint beside the file
    host = env["POSTGRES_HOST"].lower()
    host = "localhost" if host in LOOPBACK else host
    where = f"{host}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
    return f"postgresql://{where}?schema={env['POSTGRES_SCHEMA']}"


def open_store(url: str) -> Store:
    env = environment_for(url)
    if (path := sqlite_path(env)) is not None:
        if not Path(path).is_file():
            raise StoreError(f"store {path!r} does not exist: ingest events into it first")
        return Store(url, "sqlite", path, SQLITE_TABLE, "rowid")
    schema = env["POSTGRES_SCHEMA"].replace('"', '""')
    table = f'"{schema}".{POSTGRES_TABLE}'
    return Store(url, "postgresql", libpq_uri(env), table, "notification_id")


def libpq_uri(env: dict[str, str]) -> str:
    """The URI for the driver, from the parts the ledger's own connections use:
    a password with a space or a bare % in it (which the ledger takes as
    written) would otherwise open the store for ingest but not for figures."""
    host = env["POSTGRES_HOST"]
    host = f"[{host}]" if ":" in host else host
    user = quote(env["POSTGRES_USER"], safe="")
    password = quote(env["POSTGRES_PASSWORD"], safe="")
    login = f"{user}:{password}" if password else user
    database = quote(env["POSTGRES_DBNAME"], safe="")
    return f"postgresql://{login}@{host}:{env['POSTGRES_PORT']}/{database}"


def _query(store: Store, sql: str, params: tuple) -> pa.RecordBatchReader | None:
    connection = store.connect()
    cursor = connection.cursor()
    if store.kind == "sqlite":
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"})
    try:
        cursor.execute(sql, params)
    except Exception as error:
        text = str(error)
        connection.close()
        if "no such table" in text or "does not exist" in text:
            return None  # a store nothing was ever written to
        raise read_failure(store, error) from None
    return _Closing(cursor.fetch_record_batch(), cursor, connection, store)


def read_failure(store: Store, error: Exception) -> StoreError:
    """One line; a record that is not UTF-8 text (SQLSTATE 22021, PostgreSQL's
    convert_from) is an altered store, which `verify` pins down."""
    text = str(error)
    if "22021" in text or "invalid byte sequence" in text:  # any lc_messages
        return StoreError(
            "a stored record is not UTF-8 text; the store may have been altered: "
            "run rnd-ledger verify to find it"
        )
    # SQLite's json_extract, PostgreSQL's ::json (SQLSTATE 22P02): a record's
    # recorded time is read from its state (--as-of, a checkpoint's last record).
    if "malformed JSON" in text or ("22P02" in text and "json" in text):
        return StoreError(
            "a stored record is not JSON; the store may have been altered: "
            "run rnd-ledger verify to find it"
        )
    return StoreError(f"cannot read store {redact_password(store.url)}: {first_line(error)}")


class _Closing:
    """Keeps the cursor and connection alive while the reader streams, then closes."""

    def __init__(self, reader: pa.RecordBatchReader, cursor, connection, store: Store) -> None:  # noqa: ANN001
        self.reader, self.cursor, self.connection = reader, cursor, connection
        self.store = store

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        try:
            yield from self.reader
        except OSError as error:  # the driver's errors while streaming (pyarrow's too)
            raise read_failure(self.store, error) from None
        finally:
            self.cursor.close()
            self.connection.close()


def records(store: Store, after: int = 0, upto: int | None = None) -> Iterator[pl.DataFrame]:
    """Stored records (position, topic, state) with after < position ≤ upto, in chunks."""
    bound = upto if upto is not None else 2**62
    sql = (
        f"SELECT {store.position} AS position, topic, {store.state_sql()} AS state "
        f"FROM {store.table} WHERE {store.position} > {store.param(1)} "
        f"AND {store.position} <= {store.param(2)} ORDER BY {store.position}"
    )
    reader = _query(store, sql, (after, bound))
    if reader is None:
        return
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in reader:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= CHUNK_ROWS:
            yield pl.from_arrow(pa.Table.from_batches(pending))  # type: ignore[misc]
            pending, rows = [], 0
    if rows:
        yield pl.from_arrow(pa.Table.from_batches(pending))  # type: ignore[misc]


def prefetched(chunks: Iterator[pl.DataFrame], depth: int = 2) -> Iterator[pl.DataFrame]:
    """Read the next chunks in a thread while the caller decodes this one (the
    driver and Polars both release the GIL, so reading and decoding overlap)."""
    queue: Queue = Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for chunk in chunks:
                queue.put(chunk)
        except BaseException as error:  # handed to the consumer, raised there
            queue.put(error)
            return
        queue.put(done)

    Thread(target=produce, daemon=True).start()
    while True:
        item = queue.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def timestamps_sql(store: Store, condition: str) -> str:
    """position and recorded_at (state.timestamp) of the records where `condition`."""
    if store.kind == "sqlite":
        stamp = "json_extract(CAST(state AS TEXT), '$.timestamp')"
    else:
        stamp = "convert_from(state, 'UTF8')::json->>'timestamp'"
    return (
        f"SELECT {store.position} AS position, {stamp} AS recorded_at FROM {store.table} "
        f"WHERE {condition} ORDER BY {store.position}"
    )


def record_times(store: Store) -> pl.DataFrame:
    """position and recorded_at of every stored record."""
    sql = timestamps_sql(store, f"{store.position} <= {store.param(1)}")
    return _times(_query(store, sql, (2**62,)))


def record_at(store: Store, position: int) -> str | None:
    """recorded_at of the record at `position` (None if there is none)."""
    sql = timestamps_sql(store, f"{store.position} = {store.param(1)}")
    frame = _times(_query(store, sql, (position,)))
    return frame["recorded_at"][0] if frame.height else None


def _times(reader: pa.RecordBatchReader | None) -> pl.DataFrame:
    schema = {"position": pl.Int64, "recorded_at": pl.String}
    frames = [pl.from_arrow(batch) for batch in reader] if reader is not None else []
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames).cast(schema)  # type: ignore[arg-type]


def max_position(store: Store) -> int:
    reader = _query(store, f"SELECT MAX({store.position}) AS p FROM {store.table}", ())
    if reader is None:
        return 0
    values = [v for batch in reader for v in batch.column(0).to_pylist()]
    return int(values[0] or 0) if values else 0
