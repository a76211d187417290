"""Batch N+1 is decided while batch N is written (consumers/pipeline.py): the
outcomes and the history must be those of deciding and writing one by one."""

import os
import signal
import threading
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from consumers.intake import Intake, Outcome
from consumers.pipeline import PipelinedIntake, ScreenedBatch, WriteAhead
from contract.policy import load_policy
from contract.screen import screen
from rnd_ledger.bootstrap import open_ledger
from tests.builders import event, line, retraction
from tests.conftest import as_messages
from tests.integration.helpers import history, reasons


def disbursal(grant: str, amount: int) -> dict[str, Any]:
    return event("GrantFundsDisbursed", grant, payload_update={"amount_krw": amount})


def messages_across_batches() -> list[bytes]:
    """Each rule on G1 needs G1's facts from a batch before, or from earlier in
    the same batch with other subjects in between (more than a small cache holds)."""
    award = event("GrantAwarded", "G1")
    first = disbursal("G1", 60_000_000)
    second = disbursal("G1", 30_000_000)
    about_g1 = [
        award,
        first,
        award,  # a duplicate
        disbursal("G1", 60_000_000),  # over the annual amount, counting `first`
        retraction(first),
        second,
        retraction(second),
        retraction(second),  # already retracted
        disbursal("G1", 100_000_000),  # the full amount is free again
    ]
    messages = []
    for i, message in enumerate(about_g1):
        messages.append(message)
        messages += [event("ResearcherRegistered", f"R{i}-{n}") for n in range(3)]
    return [line(m) for m in messages]


def batches_of(raws: list[bytes], size: int) -> list[ScreenedBatch]:
    messages = as_messages(raws)
    return [
        (messages[i : i + size], [], [screen(m.raw) for m in messages[i : i + size]])
        for i in range(0, len(messages), size)
    ]


def one_by_one(url: str, raws: list[bytes]) -> tuple[list[Outcome], list[bytes]]:
    ledger = open_ledger(url)
    outcomes: list[Outcome] = []
    for messages, trackings, screened in batches_of(raws, 1000):
        outcomes += Intake(ledger, load_policy()).process(messages, trackings, screened)
    return outcomes, history(ledger)


def pipelined(
    intake: Intake, raws: list[bytes], size: int = 2, pipeline: type = PipelinedIntake
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for _, done in pipeline(intake).run(batches_of(raws, size)):
        outcomes += done
    return outcomes


@pytest.mark.parametrize("size", [2, 5])
def test_pipelined_batches_decide_as_one_by_one(tmp_path, ledger, intake, size):
    raws = messages_across_batches()
    # Smaller than a batch's subjects: those with unwritten facts must stay cached.
    ledger.cache_size = 2
    outcomes = pipelined(intake, raws, size)
    expected, expected_history = one_by_one(f"sqlite:///{tmp_path / 'one.db'}", raws)
    assert reasons(outcomes) == reasons(expected)
    assert reasons(outcomes)[::4] == [
        "accepted",
        "accepted",
        "duplicate",
        "over_disbursement",
        "accepted",
        "accepted",
        "accepted",
        "already_exists",
        "accepted",
    ]
    assert history(ledger) == expected_history
    assert not ledger.unsaved


class RivalFirst(PipelinedIntake):
    """Another writer records batch 1's first event while batch 1 is in hand."""

    rival: Intake
    raced = False

    def start(self, ahead, unit, batch, outcomes):  # type: ignore[no-untyped-def]
        if not self.raced:
            self.raced = True
            first = batch[0][:1]
            self.rival.process(first, [], [screen(m.raw) for m in first])
        super().start(ahead, unit, batch, outcomes)


def test_a_batch_that_loses_a_race_is_done_again_and_so_is_the_next(store_url):
    raws = messages_across_batches()
    RivalFirst.rival = Intake(open_ledger(store_url), load_policy())
    ledger = open_ledger(store_url)
    outcomes = pipelined(Intake(ledger, load_policy()), raws, 2, RivalFirst)
    # Batch 1's award is the rival's now: a duplicate here, and batch 2 (decided
    # on the failed write) is decided again on what the store really holds.
    assert reasons(outcomes)[::4][:4] == ["duplicate", "accepted", "duplicate", "over_disbursement"]
    assert reasons(outcomes)[-4] == "accepted"
    assert len(history(ledger)) == len(raws) - 3  # + the rival's award - 2 duplicates - 2 rejected


def test_an_interrupt_while_waiting_for_a_write_leaves_it_for_abandon(ledger, intake):
    """Ctrl-C during `settle`: the write still runs, so `abandon` must wait for
    it (and a caller still sees its work), not forget it was in flight."""
    go_on = threading.Event()
    insert_events = ledger.recorder.insert_events

    def slow_insert(*args: Any, **kwargs: Any) -> Any:
        go_on.wait(10)
        return insert_events(*args, **kwargs)

    ledger.recorder.insert_events = slow_insert
    ahead: WriteAhead[str] = WriteAhead(ledger)
    messages, _, screened = batches_of(messages_across_batches(), 4)[0]
    unit = ahead.begin()
    intake.decide_all(unit, messages, screened)
    ahead.start(unit, [Tracking("test.jsonl", 4)], "batch 1")
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        ahead.settle()
    assert ahead.work == "batch 1", "the write is still in flight"
    go_on.set()
    ahead.abandon()
    ahead.close()
    assert ledger.resume_point("test.jsonl") == 4, "abandon waited for the write"
    assert not ledger.cache and not ledger.unsaved
