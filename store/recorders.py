"""eventsourcing's process recorders, extended as its maintainers advise for
tables that must commit atomically with the events.

Each batch writes, in one transaction: its stored events, one row per newly
accepted event_id in the event-id index (its primary key makes duplicate
detection atomic: a racing writer's transaction fails and is retried), and
the tracking position of every input (file or topic-partition) it consumed.
"""

from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteProcessRecorder
from psycopg.sql import SQL, Identifier

CHUNK = 5_000  # keys per PostgreSQL lookup (one array parameter each)


class IndexedEvent(NamedTuple):
    """A row of the event-id index: enough to find and authorize a retraction."""

    event_id: str
    originator_id: str
    subject_id: str
    source: str
    event_type: str


class StoredRow(NamedTuple):
    """A row of the events table, made without the mapper: the fields of the
    library's StoredEvent, as a tuple (cheaper to make; read alike)."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class SQLiteLedgerRecorder(SQLiteProcessRecorder):
    index_table = "event_ids"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_array_statement = (
            f"INSERT INTO {self.events_table_name} "
            "(originator_id, originator_version, topic, state) "
            "SELECT value->>0, value->>1, value->>2, CAST(value->>3 AS BLOB) "
            "FROM json_each(CAST(? AS TEXT)) ORDER BY key"
        )
        self.insert_index_statement = (
            f"INSERT INTO {self.index_table} "
            "SELECT value->>0, value->>1, value->>2, value->>3, value->>4 "
            "FROM json_each(CAST(? AS TEXT))"
        )
        # Lookups take their keys as one JSON array too: one bound parameter
        # instead of hundreds per chunk (measured 20-70% faster per key).
        self.select_index_statement = (
            f"SELECT * FROM {self.index_table} "
            "WHERE event_id IN (SELECT value FROM json_each(CAST(? AS TEXT)))"
        )
        self.select_events_of_statement = (
            "SELECT originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} "
            "WHERE originator_id IN (SELECT value FROM json_each(CAST(? AS TEXT))) "
            "ORDER BY originator_id, originator_version"
        )

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.index_table} ("
            "event_id TEXT PRIMARY KEY, originator_id TEXT NOT NULL, "
            "subject_id TEXT NOT NULL, source TEXT NOT NULL, event_type TEXT NOT NULL"
            ") WITHOUT ROWID",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent | StoredRow], **kwargs: Any
    ) -> Sequence[int] | None:
        # A whole batch per statement, as one JSON array read by json_each (the
        # PostgreSQL recorder's unnest, for SQLite): sqlite3 holds the GIL while
        # it binds each row of an executemany, so a writer thread doing that
        # starves behind the thread deciding the next batch; one statement
        # releases the GIL for the whole write. Rows are inserted in array order,
        # so positions (rowids) follow the batch's order. States are UTF-8 JSON
        # (the transcoder's), carried as JSON strings and stored as the same bytes.
        if stored_events:
            rows = [
                (s.originator_id.hex, s.originator_version, s.topic, s.state.decode())
                for s in stored_events
            ]
            c.execute(self.insert_array_statement, (orjson.dumps(rows),))
        index: list[IndexedEvent] = kwargs.get("event_index", [])
        if index:
            c.execute(self.insert_index_statement, (orjson.dumps(index, default=tuple),))
        for tracking in kwargs.get("trackings", []):
            self._insert_tracking(c, tracking)
        return None

    def find_event_ids(self, event_ids: Sequence[str]) -> dict[str, IndexedEvent]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_index_statement, (orjson.dumps(list(event_ids)),))
            return {row[0]: IndexedEvent(*row) for row in c.fetchall()}

    def select_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of many aggregates in one query."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self.select_events_of_statement,
                (orjson.dumps([o.hex for o in originator_ids]),),
            )
            return [StoredEvent(UUID(row[0]), row[1], row[2], row[3]) for row in c.fetchall()]


class PostgresLedgerRecorder(PostgresProcessRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.index_table = self.events_table_name.removesuffix("_events") + "_event_ids"
        schema, table = Identifier(self.datastore.schema), Identifier(self.index_table)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "event_id text PRIMARY KEY, originator_id uuid NOT NULL, "
                "subject_id text NOT NULL, source text NOT NULL, event_type text NOT NULL)"
            ).format(schema, table)
        )
        # Whole batches as arrays through unnest(): one statement, and psycopg's
        # C array dumpers instead of the library's composite-type rows, whose
        # Python text escaping cost more than the database's work (measured).
        self.insert_index_statement = SQL(
            "INSERT INTO {0}.{1} SELECT * FROM "
            "unnest(%b::text[], %b::uuid[], %b::text[], %b::text[], %b::text[])"
        ).format(schema, table)
        self.insert_arrays_statement = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(schema, Identifier(self.events_table_name))
        self.select_index_statement = SQL(
            "SELECT event_id, originator_id::text, subject_id, source, event_type "
            "FROM {0}.{1} WHERE event_id = ANY(%s)"
        ).format(schema, table)
        self.select_events_of_statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(schema, Identifier(self.events_table_name))

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent | StoredRow], **kwargs: Any
    ) -> None:
        trackings: list[Tracking] = kwargs.get("trackings", [])
        for tracking in trackings:
            self._insert_tracking(curs, tracking=tracking)
        index: list[IndexedEvent] = kwargs.get("event_index", [])
        if index:
            columns = [list(column) for column in zip(*index, strict=True)]
            curs.execute(self.insert_index_statement, columns)

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent | StoredRow], **kwargs: Any
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_arrays_statement,
            (
                [s.originator_id for s in stored_events],
                [s.originator_version for s in stored_events],
                [s.topic for s in stored_events],
                [s.state for s in stored_events],
            ),
        )

    def find_event_ids(self, event_ids: Sequence[str]) -> dict[str, IndexedEvent]:
        found: dict[str, IndexedEvent] = {}
        with self.datastore.transaction(commit=False) as curs:
            for part in chunks(list(event_ids)):
                curs.execute(self.select_index_statement, (list(part),))
                for row in curs.fetchall():
                    found[row["event_id"]] = IndexedEvent(*row.values())
        return found

    def select_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        events: list[StoredEvent] = []
        with self.datastore.transaction(commit=False) as curs:
            for part in chunks(list(originator_ids)):
                curs.execute(self.select_events_of_statement, (list(part),))
                events.extend(
                    StoredEvent(
                        r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
                    )
                    for r in curs.fetchall()
                )
        return events
