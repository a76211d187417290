"""The ingest writes facts as rows without the library's event objects and
mapper (the hot path); what it stores must be what the library would have
stored, and replaying it must give the aggregate the writer had."""

import sqlite3
from typing import Any

import orjson
from eventsourcing.persistence import StoredEvent

from domain.facts import Fact
from domain.grant import Grant
from domain.ledger import subject_key
from rnd_ledger.bootstrap import open_ledger
from store.recorders import ROWS_PER_INSERT
from store.sqlite_tuned import TunedSQLiteConnectionPool

AWARD = {
    "researcher_id": "R-1",
    "institution_id": "U-1",
    "program": "basic_small",
    "field": "natural_sciences",
    "start_on": "2026-03-01",
    "end_on": "2029-02-28",
    "annual_amount_krw": 50_000_000,
}


def fact(event_id: str, event_type: str, payload: dict, subject: str = "G-1") -> Fact:
    return Fact(
        timestamp="2026-11-25T03:00:00.123456+00:00",
        event_id=event_id,
        event_type=event_type,
        source="NRF",
        subject_id=subject,
        occurred_at="2026-03-02T09:00:00+09:00",
        occurred_at_utc="2026-03-02T00:00:00.000000000Z",
        payload=payload,
        origin={"file": "x.jsonl", "line": 1},
        sha256="ab" * 32,
    )


def test_a_stored_row_is_the_mappers_stored_event(ledger) -> None:
    unit = ledger.begin()
    award = fact("E1", "GrantAwarded", {**AWARD, "note": '한국어 \u0001 "q" 1e16', "ratio": 1e16})
    unit.accept(award)
    row = unit.rows[0]
    event = ledger.mapper.to_domain_event(StoredEvent(*row))
    assert isinstance(event, Grant.GrantAwarded)
    # The mapper's own encoding of that event: same topic, same JSON value.
    again = ledger.mapper.to_stored_event(event)
    # The same id (the row carries it as the 32 hex digits SQLite stores), version, topic.
    assert (again.originator_id.hex, again.originator_version, again.topic) == row[:3]
    assert orjson.loads(again.state) == orjson.loads(row.state)
    assert orjson.loads(row.state) == {
        name: getattr(award, name) for name in Fact.__struct_fields__
    }


def test_replaying_the_stored_rows_gives_the_writers_state(ledger) -> None:
    unit = ledger.begin()
    unit.accept(fact("E1", "GrantAwarded", AWARD))
    disbursed = {"fiscal_year": 2026, "amount_krw": 1_000, "disbursed_on": "2026-04-01"}
    unit.accept(fact("E2", "GrantFundsDisbursed", disbursed))
    unit.accept(fact("E3", "EventRetracted", {"retracted_event_id": "E2"}))
    unit.commit()
    written = ledger.aggregate(subject_key("GrantAwarded", "G-1"))
    ledger.forget_all()
    replayed = ledger.aggregate(subject_key("GrantAwarded", "G-1"))
    assert replayed is not written
    assert replayed.version == written.version == 3
    assert replayed.disbursed == written.disbursed == {}
    assert replayed.retracted == written.retracted == {"E2"}
    assert replayed.hex_id == written.hex_id == written.id.hex


def test_lookups_of_thousands_of_keys_find_exactly_the_stored_ones(ledger) -> None:
    unit = ledger.begin()
    for n in range(1_200):
        unit.accept(fact(f"E{n}", "GrantAwarded", AWARD, subject=f"G-{n}"))
    unit.commit()
    asked = [f"E{n}" for n in range(0, 2_400, 2)]  # half stored, half never seen
    found = ledger.find_event_ids(asked)
    assert sorted(found) == sorted(f"E{n}" for n in range(0, 1_200, 2))
    assert found["E4"].subject_id == "G-4"
    ledger.forget_all()
    ids = [unit.index[f"E{n}"].originator_id for n in range(0, 1_200, 3)]
    events = ledger.recorder.select_events_of(ids)
    assert sorted(e.originator_id.hex for e in events) == sorted(ids)


def test_a_unit_released_after_forget_all_leaves_newer_counts_alone(ledger) -> None:
    key = subject_key("GrantAwarded", "G-1")
    stale = ledger.begin()
    stale.accept(fact("E1", "GrantAwarded", AWARD))
    ledger.forget_all()  # e.g. the write before `stale` lost a race
    newer = ledger.begin()
    newer.accept(fact("E1", "GrantAwarded", AWARD))
    stale.release()
    assert ledger.unsaved[key] == 1, "the newer unit's subject stays pinned in the cache"
    newer.commit()
    assert not ledger.unsaved


def accept_many_and_check_order(ledger) -> None:
    count = 2 * ROWS_PER_INSERT + 345
    unit = ledger.begin()
    for n in range(count):
        unit.accept(fact(f"E{n}", "GrantAwarded", AWARD, subject=f"G-{n:05}"[::-1]))
    unit.commit()
    stored = ledger.recorder.select_notifications(1, count + 1)
    assert [orjson.loads(n.state)["event_id"] for n in stored] == [f"E{n}" for n in range(count)]
    assert len(ledger.find_event_ids([f"E{n}" for n in range(count)])) == count


def test_a_batch_of_many_statements_keeps_its_order(ledger) -> None:
    """SQLite rows go in statements of up to ROWS_PER_INSERT rows; positions
    must still follow the batch (PostgreSQL: one statement, likewise)."""
    accept_many_and_check_order(ledger)


def test_fewer_parameters_allowed_means_smaller_statements(sqlite_url, monkeypatch) -> None:
    """A SQLite built with the old limit of 999 parameters per statement."""
    create = TunedSQLiteConnectionPool._create_connection

    def limited(pool: TunedSQLiteConnectionPool) -> Any:
        connection = create(pool)
        connection._sqlite_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        return connection

    monkeypatch.setattr(TunedSQLiteConnectionPool, "_create_connection", limited)
    ledger = open_ledger(sqlite_url)
    try:
        accept_many_and_check_order(ledger)
    finally:
        ledger.close()
