"""New SQLite ledger files get big pages; existing files keep theirs."""

import sqlite3
from pathlib import Path

from domain.ledger import Ledger
from store.sqlite_tuned import NEW_FILE_PAGE_BYTES, give_new_file_big_pages
from store.url import environment_for


def page_size_and_journal(path: Path) -> tuple[int, str]:
    connection = sqlite3.connect(path)
    try:
        return (
            connection.execute("PRAGMA page_size").fetchone()[0],
            connection.execute("PRAGMA journal_mode").fetchone()[0],
        )
    finally:
        connection.close()


def open_ledger(path: Path) -> None:
    ledger = Ledger(environment_for(f"sqlite:///{path}"))
    ledger.position()
    ledger.close()


def test_a_new_file_gets_big_pages_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_ledger(path)
    assert page_size_and_journal(path) == (NEW_FILE_PAGE_BYTES, "wal")


def test_an_existing_file_keeps_its_page_size(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA page_size=4096")
    connection.execute("CREATE TABLE earlier (x)")
    connection.close()
    open_ledger(path)
    assert page_size_and_journal(path) == (4096, "wal")


def test_a_page_size_that_cannot_be_set_does_not_stop_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process creating the file right now
    give_new_file_big_pages(str(path), lock_timeout=0.1)  # gives up quietly
    holder.execute("ROLLBACK")
    holder.close()
    open_ledger(path)
    assert page_size_and_journal(path)[1] == "wal"
