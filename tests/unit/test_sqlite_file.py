"""New SQLite ledger files get big pages; existing files keep theirs."""

import sqlite3
from pathlib import Path

from domain.ledger import Ledger
from store.sqlite_tuned import NEW_FILE_PAGE_BYTES
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
