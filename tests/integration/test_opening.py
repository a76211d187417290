"""Opening a store: first opens that race, and what a failing store is told."""

import threading

from eventsourcing.persistence import OperationalError

from rnd_ledger.bootstrap import open_ledger
from rnd_ledger.cli import store_failure


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
