"""The screening worker: its results, and a clean stop."""

import threading

from consumers.screening import AheadScreener
from contract.screen import screen


def test_the_worker_screens_as_the_caller_would() -> None:
    raws = [b'{"not": "an event"}', b"not json"]
    with AheadScreener() as screener:
        screener.warm_up()
        future = screener.start(raws)
        assert future is not None, "after warm_up every batch goes to the worker"
        assert screener.result(future, raws) == [screen(raw) for raw in raws]


def test_close_leaves_no_pool_thread_for_the_exit_hook_to_race() -> None:
    before = set(threading.enumerate())
    screener = AheadScreener(start_worker=True)
    raws = [b"{}"] * 50
    screener.result(screener.submit(raws), raws)
    assert set(threading.enumerate()) - before, "the pool runs a manager thread"
    screener.close()
    assert set(threading.enumerate()) - before == set()


def test_the_worker_names_each_facts_aggregate_as_the_ledger_would() -> None:
    from domain.ledger import subject_key
    from tests.builders import event, line, retraction

    award = event("GrantAwarded", "G-1")
    messages = [award, event("ResearcherRegistered", "R-1"), retraction(award)]
    raws = [line(m) for m in messages] + [b"not json"]
    with AheadScreener() as screener:
        screener.warm_up()
        screened = screener.result(screener.start(raws), raws)
    expected = [
        subject_key(m["event_type"], m["subject_id"])[0].create_id(m["subject_id"]).hex
        for m in messages[:2]
    ]
    assert [s.originator_id for s in screened] == [*expected, "", ""]
    # Screened here (no worker), the ledger works the ids out itself.
    assert all(screen(raw).originator_id == "" for raw in raws)
