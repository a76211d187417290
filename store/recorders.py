"""eventsourcing's process recorders, extended as its maintainers advise for
tables that must commit atomically with the events.

Each batch writes, in one transaction: its stored events, one row per newly
accepted event_id in the event-id index (its primary key makes duplicate
detection atomic: a racing writer's transaction fails and is retried), and
the tracking position of every input (file or topic-partition) it consumed.
The PostgreSQL recorder is in `store.postgres_recorder`, so that a SQLite run
never imports psycopg (80 ms of every command's start-up).
"""

from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteCursor, SQLiteProcessRecorder


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
