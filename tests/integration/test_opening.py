"""Opening a store: first opens that race, and what a failing store is told."""

import threading

import psycopg
import pytest
from eventsourcing.persistence import OperationalError

from rnd_ledger.bootstrap import open_existing_ledger, open_ledger
from rnd_ledger.cli import main, store_failure
from store.url import StoreError


def test_two_first_opens_of_a_new_postgres_schema_both_succeed(postgres_url) -> None:
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_at_once() -> None:
        barrier.wait()
        try:
            open_ledger(postgres_url).close()
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            failures.append(error)

    threads = [threading.Thread(target=open_at_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []


def test_a_read_only_store_is_told_to_check_permissions() -> None:
    line = store_failure(OperationalError("attempt to write a readonly database"))
    assert "check that you may write the store file and its directory" in line
    assert "free disk space" not in line
    assert "free disk space" in store_failure(OperationalError("database or disk is full"))


def test_reading_a_postgres_schema_without_a_ledger_is_refused(postgres_url) -> None:
    with pytest.raises(StoreError, match="no ledger in .*ingest events first"):
        open_existing_ledger(postgres_url)  # fresh schema: nothing was ever ingested
    open_ledger(postgres_url).close()  # made by a writer, it reads fine
    open_existing_ledger(postgres_url).close()


def test_reading_a_missing_sqlite_file_is_refused(tmp_path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_existing_ledger(f"sqlite:///{tmp_path / 'typo.db'}")
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["indicators"],
        ["report", "--out", "-"],
        ["lineage", "coverage.all_faculty", "--year", "2026"],
        ["verify"],
        ["seal"],
        ["rejections"],
        ["export"],
    ],
)
def test_reading_commands_neither_make_nor_read_an_empty_postgres_schema(
    postgres_url, command, capsys
) -> None:
    assert main([*command, "--store", postgres_url]) == 2
    assert "no ledger in" in capsys.readouterr().err
    base, schema = postgres_url.split("?schema=")
    with psycopg.connect(base) as connection:
        made = connection.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    assert made is None
