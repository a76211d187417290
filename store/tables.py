"""The tables of a ledger's store, as eventsourcing names them for the ledger."""

from store.recorders import SQLiteLedgerRecorder

SQLITE_TABLE = "stored_events"  # the library's SQLite events table
SQLITE_INDEX_TABLE = SQLiteLedgerRecorder.index_table  # the event-id index (dedupe)
SQLITE_TRACKING_TABLE = "tracking"
# PostgreSQL's are named after the application: "Ledger" → ledger_events
# (a test checks it against domain.ledger.Ledger.name).
POSTGRES_TABLE = "ledger_events"
