"""Two writers on one store: a batch's rejections are decided on reads that
another writer's commit may overtake, and are checked again when written."""

import re
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import Tracking

from audit.rows import open_rows
from audit.verify import verify
from consumers.intake import Intake
from contract.policy import load_policy
from domain.history import accepted_facts
from domain.ledger import ConcurrentWrite, Ledger, UnitOfWork
from rnd_ledger.bootstrap import open_ledger
from tests.builders import event, jsonl, line
from tests.conftest import as_messages
from tests.integration.helpers import reasons, rejection_count, send


@pytest.fixture
def other(store_url) -> Iterator[Intake]:
    """A second writer, as another ingest or consume process would be."""
    app = open_ledger(store_url)
    yield Intake(app, load_policy())
    app.close()


def commits_first(ledger: Ledger, other: Intake, message: dict) -> None:
    """Let `other` commit `message` between this ledger's event-id lookup and
    its loading of the subjects (the first time only)."""
    load_many = ledger.load_many

    def racing(keys):  # noqa: ANN001, ANN202
        ledger.load_many = load_many  # type: ignore[method-assign]
        send(other, message)
        return load_many(keys)

    ledger.load_many = racing  # type: ignore[method-assign]


def test_an_event_accepted_meanwhile_is_a_duplicate_not_a_rejection(ledger, intake, other):
    decision = event("SelectionEvaluationCompleted", "A1")
    commits_first(ledger, other, decision)
    # Looked up as new, then loaded already decided: "already decided" would be
    # recorded as a rejection of an accepted event.
    assert reasons(send(intake, decision)) == ["duplicate"]
    assert rejection_count(ledger) == 0


def test_a_rule_refusal_on_a_stale_subject_is_decided_again(ledger, intake, other):
    registered = event("ResearcherRegistered", "R1")
    moved = event("ResearcherPositionChanged", "R1")
    assert reasons(send(intake, moved)) == ["unknown_subject"]  # this writer caches R1
    assert reasons(send(other, registered)) == ["accepted"]  # the other registers R1
    # This writer's cache still holds R1 unregistered; written, it must not say so.
    again = event("ResearcherPositionChanged", "R1")
    assert reasons(send(intake, again)) == ["accepted"]
    assert rejection_count(ledger) == 1


def test_a_rejected_then_corrected_event_in_one_batch_is_no_race(ledger, intake):
    """Rule 2: an event id only rejected so far is evaluated afresh, also later
    in the same batch; the batch's own acceptance is no other writer's."""
    wrong = event("ResearcherDeparted", "R1")  # R1 not registered yet
    corrected = {**wrong, "subject_id": "R2"}
    outcomes = send(intake, event("ResearcherRegistered", "R2"), wrong, corrected)
    assert reasons(outcomes) == ["accepted", "unknown_subject", "accepted"]
    assert rejection_count(ledger) == 1


def test_an_accepted_and_a_refused_fact_of_one_subject_in_one_batch(ledger, intake):
    """The re-check counts the batch's own facts: no race, no redo."""
    send(intake, event("ResearcherRegistered", "R1"))
    moved = event("ResearcherPositionChanged", "R1")
    again = event("ResearcherRegistered", "R1")
    assert reasons(send(intake, moved, again)) == ["accepted", "already_exists"]
    assert reasons(send(intake, again, moved)) == ["already_exists", "duplicate"]
    stored = [state["event_id"] for _, state in accepted_facts(ledger)]
    assert moved["event_id"] in stored and again["event_id"] not in stored


def test_a_batch_decided_again_keeps_nothing_of_its_first_write(store_url, ledger, intake, other):
    """A failed re-check rolls the whole transaction back (on PostgreSQL the
    library committed what ran before the failure: index rows and positions
    of events it never wrote)."""
    assert reasons(send(intake, event("ResearcherPositionChanged", "R1"))) == ["unknown_subject"]
    assert reasons(send(other, event("ResearcherRegistered", "R1"))) == ["accepted"]
    award, moved = event("GrantAwarded", "G1"), event("ResearcherPositionChanged", "R1")
    lines = as_messages([line(award), line(moved)], "f.jsonl")
    outcomes = intake.process(lines, [Tracking("f.jsonl", 2)])
    assert reasons(outcomes) == ["accepted", "accepted"]
    stored = [state["event_id"] for _, state in accepted_facts(ledger)]
    assert award["event_id"] in stored and moved["event_id"] in stored
    rows = open_rows(store_url)
    try:
        assert verify(rows).failures == []  # no index row without its event
    finally:
        rows.close()


def test_a_batch_that_keeps_losing_races_is_tried_until_it_is_written(
    ledger, intake, other, monkeypatch
):
    """Each time this writer has decided, the other commits a fact about the
    same grant first: more times in a row than a fixed count of retries
    allowed, which ended the command with a traceback."""
    assert reasons(send(intake, event("GrantAwarded", "G1"))) == ["accepted"]
    real_commit = UnitOfWork.commit
    rivals = iter(range(8))
    one_krw = {"amount_krw": 1}

    def overtaken(unit, trackings=()):  # noqa: ANN001, ANN202
        if unit.ledger is ledger and next(rivals, None) is not None:
            send(other, event("GrantFundsDisbursed", "G1", payload_update=one_krw))
        return real_commit(unit, trackings)

    monkeypatch.setattr(UnitOfWork, "commit", overtaken)
    ours = event("GrantFundsDisbursed", "G1", payload_update=one_krw)
    assert reasons(send(intake, ours)) == ["accepted"]
    assert next(rivals, None) is None, "it lost all 8 races before it was written"
    assert len(list(accepted_facts(ledger))) == 1 + 8 + 1


def test_a_batch_that_loses_every_race_ends_the_command_in_one_line(
    sqlite_url, tmp_path, monkeypatch, capsys
):
    from consumers import conflicts
    from rnd_ledger.cli import main

    def always_overtaken(unit, trackings=()):  # noqa: ANN001, ANN202
        raise ConcurrentWrite("UNIQUE constraint failed")

    monkeypatch.setattr(conflicts, "RETRY_SECONDS", 0.3)
    monkeypatch.setattr(UnitOfWork, "write", always_overtaken)
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([event("ResearcherRegistered", "R1")]))
    assert main(["ingest", str(path), "--store", sqlite_url]) == 2
    *retries, last = capsys.readouterr().err.splitlines()
    assert re.match(r"rnd-ledger: a batch could not be written for \d s: each time, another ", last)
    assert "(last: UNIQUE constraint failed)" in last and "re-run to resume" in last
    assert retries and all(r.startswith("ingest: a batch lost ") for r in retries), retries


@pytest.mark.parametrize("subject", ["R1", "R2"])
def test_an_event_another_writer_committed_first_is_a_lost_race(
    ledger, other, subject, monkeypatch
):
    """Decided as new, committed first by another writer (the same file in
    two places, ingested at once): a lost race at the first attempt, whether
    only the event id collides (R2) or the event's row too (R1). The timing
    that turned it into 'pipeline aborted' on PostgreSQL is the next test's."""
    first = event("ResearcherRegistered", "R1")
    refused = event("ResearcherDeparted", "R9")  # unknown_subject: rows of its own
    unit = ledger.begin()
    intake = Intake(ledger, load_policy())
    decided = intake.decide_all(unit, *screened([first, refused]))
    assert reasons(decided) == ["accepted", "unknown_subject"]
    assert reasons(send(other, {**first, "subject_id": subject})) == ["accepted"]
    tries = count_calls(monkeypatch, type(ledger.recorder), "_insert_events")
    with pytest.raises(ConcurrentWrite):
        unit.commit([Tracking("file:in.jsonl", 2)])
    assert tries == [1]  # a lost race at once, not a store error retried


def count_calls(monkeypatch, owner: type, name: str) -> list[int]:
    calls = [0]
    method = getattr(owner, name)

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls[0] += 1
        return method(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def screened(messages: list[dict]) -> tuple[list, list]:
    from contract.screen import screen

    raws = as_messages([line(m) for m in messages])
    return raws, [screen(m.raw) for m in raws]


def test_a_key_violation_met_before_the_sync_is_a_lost_race_at_once(postgres_url, monkeypatch):
    """The event-id index's violation (its rows go first) surfaces at a later
    statement when the server answers after it is sent (a 0.3 s pause stands
    for that): 'pipeline aborted', retried ten times and then reported as a
    broken store, came instead of the IntegrityError of a lost race."""
    import time
    from uuid import uuid4

    from eventsourcing.persistence import IntegrityError

    from store.recorders import IndexedEvent, StoredRow

    app = open_ledger(postgres_url)
    recorder = type(app.recorder)
    index = [IndexedEvent("E1", uuid4().hex, "S1", "NRF", "ResearcherRegistered")]
    app.recorder.insert_events([StoredRow(uuid4().hex, 1, "t", b"{}")], event_index=index)
    answered_late = recorder._insert_stored_events

    def later(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        time.sleep(0.3)
        return answered_late(*args, **kwargs)

    monkeypatch.setattr(recorder, "_insert_stored_events", later)
    tries = count_calls(monkeypatch, recorder, "_insert_events")
    try:
        with pytest.raises(IntegrityError):
            app.recorder.insert_events([StoredRow(uuid4().hex, 1, "t", b"{}")], event_index=index)
        assert tries == [1]
    finally:
        app.close()
