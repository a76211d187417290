"""The WAL is copied back by the background checkpointer, not in the writer's commits."""

import shutil
import sqlite3
import time
from pathlib import Path

from consumers.intake import Intake
from contract.policy import load_policy
from domain.ledger import Ledger
from store.url import environment_for
from tests.builders import event, line
from tests.conftest import as_messages


def rows_in_the_database_file_alone(path: Path, copy: Path) -> int:
    """Facts found in the main database file without its WAL (0 before even
    the tables are copied back)."""
    shutil.copyfile(path, copy)
    connection = sqlite3.connect(copy)
    try:
        return connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        connection.close()


def ingest_three(ledger: Ledger) -> None:
    messages = as_messages([line(event("ResearcherRegistered", f"R-{n}")) for n in range(3)])
    outcomes = Intake(ledger, load_policy(None)).process(messages, [])
    assert [o.status for o in outcomes] == ["accepted"] * 3


def test_the_writer_never_checkpoints_and_the_thread_does(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = Ledger(environment_for(f"sqlite:///{path}"))
    try:
        with ledger.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 0
        ingest_three(ledger)
        deadline = time.monotonic() + 10
        found = 0
        while found < 3 and time.monotonic() < deadline:
            found = rows_in_the_database_file_alone(path, tmp_path / "copy.db")
            time.sleep(0.05)
        assert found == 3  # in the database file itself, while the ledger is open
    finally:
        ledger.close()
    checkpointer = ledger.recorder.datastore.pool.checkpointer
    assert checkpointer.thread is not None and not checkpointer.thread.is_alive()
    assert not Path(f"{path}-wal").exists()  # the last connection closed removed it


def test_a_ledger_that_only_reads_starts_no_thread(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger = Ledger(environment_for(f"sqlite:///{path}"))
    ledger.position()
    ledger.close()
    assert ledger.recorder.datastore.pool.checkpointer.thread is None


def test_a_failing_checkpoint_leaves_the_thread_running(tmp_path: Path, monkeypatch) -> None:
    """A checkpoint that fails (any error) is retried at the next commit: the
    thread must outlive it, or the WAL of a days-long `consume` grows unbounded."""
    from store.checkpointer import BackgroundCheckpointer

    calls = []
    real_connect = BackgroundCheckpointer.connect

    def failing_once(self: BackgroundCheckpointer) -> sqlite3.Connection:
        calls.append(self)
        if len(calls) == 1:
            raise RuntimeError("simulated failure")
        return real_connect(self)

    monkeypatch.setattr(BackgroundCheckpointer, "connect", failing_once)
    path = tmp_path / "ledger.db"
    ledger = Ledger(environment_for(f"sqlite:///{path}"))
    try:
        checkpointer = ledger.recorder.datastore.pool.checkpointer
        checkpointer.soon()
        deadline = time.monotonic() + 10
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        ingest_three(ledger)  # asks again
        found = 0
        while found < 3 and time.monotonic() < deadline:
            found = rows_in_the_database_file_alone(path, tmp_path / "copy.db")
            time.sleep(0.05)
        assert found == 3 and len(calls) == 2
        assert checkpointer.thread is not None and checkpointer.thread.is_alive()
    finally:
        ledger.close()
