"""eventsourcing's SQLite persistence module, with the ledger's connection settings.

Selected with PERSISTENCE_MODULE=store.sqlite_tuned. In WAL mode,
`synchronous=NORMAL` keeps every committed batch through a process crash
(SIGKILL included) and skips an fsync per commit; a power cut may lose the
last batches, which a re-run of the same input then records again, because
the input positions are in the same transactions. A 64 MB page cache (not
the 2 MB default) keeps the hot parts of the primary-key indexes in memory;
more measured no faster and costs RSS the aggregate cache uses better.
"""

from eventsourcing import sqlite

CACHE_KIB = 64 * 1024


class TunedSQLiteConnectionPool(sqlite.SQLiteConnectionPool):
    def _create_connection(self) -> sqlite.SQLiteConnection:
        connection = super()._create_connection()
        raw = connection._sqlite_conn
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        return connection


class TunedSQLiteFactory(sqlite.SQLiteFactory):
    def __init__(self, env: object) -> None:
        super().__init__(env)  # type: ignore[arg-type]
        old = self.datastore.pool
        self.datastore.pool = TunedSQLiteConnectionPool(
            db_name=old.db_name, lock_timeout=old.lock_timeout
        )
        old.close()


Factory = TunedSQLiteFactory
