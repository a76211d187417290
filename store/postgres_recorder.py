"""The PostgreSQL process recorder: the event-id index and whole batches as arrays.

Kept apart from `store.recorders` so that only a PostgreSQL store loads
psycopg; the eventsourcing environment names this class by its topic
(`store.url.POSTGRES_RECORDER_TOPIC`), and the library imports it on use.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent, Tracking
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from store.recorders import IndexedEvent, StoredRow, check_unchanged

CHUNK = 5_000  # keys per lookup (one array parameter each)


def index_table_for(events_table: str) -> str:
    """The event-id index beside an events table (`ledger_events` → `ledger_event_ids`);
    verify reads it too (audit/postgres_rows.py)."""
    return events_table.removesuffix("_events") + "_event_ids"


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class PostgresLedgerRecorder(PostgresProcessRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.index_table = index_table_for(self.events_table_name)
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
            "SELECT * FROM unnest(%b::text[]::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(schema, Identifier(self.events_table_name))
        self.select_index_statement = SQL(
            "SELECT event_id, originator_id::text, subject_id, source, event_type "
            "FROM {0}.{1} WHERE event_id = ANY(%s)"
        ).format(schema, table)
        self.any_index_statement = SQL(
            "SELECT 1 FROM {0}.{1} WHERE event_id = ANY(%s) LIMIT 1"
        ).format(schema, table)
        self.max_versions_statement = SQL(
            "SELECT originator_id, MAX(originator_version) FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(schema, Identifier(self.events_table_name))
        self.select_events_of_statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = ANY(%s::text[]::uuid[]) "
            "ORDER BY originator_id, originator_version"
        ).format(schema, Identifier(self.events_table_name))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert, except that a key violation met at the sync
        is raised inside the transaction block, which then rolls back. The
        library holds it back until the block has ended, so the block commits
        in the aborted pipeline and 'pipeline aborted' (an OperationalError:
        retried ten times, then reported as a broken store) replaced the
        IntegrityError of a batch that lost a race with another writer."""
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline, conn.transaction():
                with conn.cursor() as curs:
                    self._insert_events(curs, stored_events, **kwargs)
                if not stored_events:
                    return None
                with conn.cursor() as curs:
                    self._insert_stored_events(curs, stored_events, **kwargs)
                    pipeline.sync()
                    return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent | StoredRow], **kwargs: Any
    ) -> None:
        # First of all, so that a failed check rolls the whole transaction back
        # (the library commits what ran before a failure inside its own insert).
        self._lock_table(curs)
        self.check_decisions(curs, kwargs.get("absent", []), kwargs.get("versions", {}))
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
        # The table lock is taken in `_insert_events`, which the library runs first.
        self._notify_channel(curs)
        curs.execute(
            self.insert_arrays_statement,
            (
                [str(s.originator_id) for s in stored_events],  # a UUID, or 32 hex digits
                [s.originator_version for s in stored_events],
                [s.topic for s in stored_events],
                [s.state for s in stored_events],
            ),
        )

    def check_decisions(self, curs: Any, absent: list[str], seen: dict[str, int]) -> None:
        """`check_unchanged`, read once the table lock is held and before this
        batch's own rows: every earlier writer's commit is visible then (READ
        COMMITTED reads per statement)."""
        accepted = False
        if absent:
            curs.execute(self.any_index_statement, (absent,))
            accepted = bool(curs.fetchall())
        stored: list[tuple[str, int]] = []
        if seen:
            curs.execute(self.max_versions_statement, ([UUID(hex) for hex in seen],))
            stored = [(row["originator_id"].hex, row["max"]) for row in curs.fetchall()]
        check_unchanged(accepted, stored, seen)

    def find_event_ids(self, event_ids: Sequence[str]) -> dict[str, IndexedEvent]:
        found: dict[str, IndexedEvent] = {}
        with self.datastore.transaction(commit=False) as curs:
            for part in chunks(list(event_ids)):
                curs.execute(self.select_index_statement, (list(part),))
                for row in curs.fetchall():
                    found[row["event_id"]] = IndexedEvent(*row.values())
        return found

    def select_events_of(self, originator_ids: Sequence[str]) -> list[StoredEvent]:
        """The stored events of many aggregates (ids as 32 hex digits)."""
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
