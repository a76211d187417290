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
