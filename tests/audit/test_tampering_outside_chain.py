"""Tampering the hash chain alone does not show, which the ledger still acts on:
records at positions below 1, an originator_id spelt another way, and the
duplicate index. Each left verify at "OK" before it checked them."""

import orjson
import pytest

from consumers.intake import Intake
from contract.policy import load_policy
from domain.subjects import Researcher
from rnd_ledger.bootstrap import open_ledger
from rnd_ledger.cli import main
from tests.audit.helpers import build_sealed, execute, fetch_state, index_fact
from tests.audit.test_tampering import check, first_failure
from tests.builders import event
from tests.integration.helpers import reasons, send


def forged_registration(store_url: str, subject: str) -> tuple[str, bytes]:
    """A copy of the real registration at position 3 (of R3), for another subject."""
    state = orjson.loads(fetch_state(store_url, 3))
    state |= {"subject_id": subject, "event_id": f"FORGED-{subject}"}
    return Researcher.create_id(subject).hex, orjson.dumps(state)


@pytest.mark.parametrize("position", [0, -5])
def test_record_below_position_1_fails(store_url, sealed, intake, position):
    oid, state = forged_registration(store_url, "R99")
    execute(
        store_url,
        "INSERT INTO {t} ({pos}, originator_id, originator_version, topic, state) "
        "VALUES ({p}, {p}, 1, {p}, {p})",
        (position, oid, Researcher.topics["ResearcherRegistered"], state),
    )
    index_fact(store_url, oid, state)  # a careful forger: the index agrees
    result = check(store_url, expects=sealed)
    assert [f.message for f in result.failures] == [
        f"FAILED 1 stored record(s) at positions below 1 (first: position {position}): no seal "
        "covers them, yet the ledger reads them as history; they were inserted outside it"
    ]
    assert result.records == 12  # the chain itself reads positions 1-12 and agrees
    # why it matters: the ledger took the forged row as R99's registration
    assert reasons(send(intake, event("ResearcherRegistered", "R99"))) == ["already_exists"]


@pytest.mark.parametrize(
    "respelt",
    ["upper(originator_id)", "substr(originator_id, 1, 16) || ' ' || substr(originator_id, 17)"],
)
def test_originator_id_spelt_another_way_fails(sqlite_url, respelt, request):
    """Same 16 bytes, so the same hash, but the ledger looks ids up as
    lowercase text: it would no longer find the subject's events (SQLite only:
    PostgreSQL stores a uuid, which has one form)."""
    ledger = open_ledger(sqlite_url)
    request.addfinalizer(ledger.close)
    build_sealed(ledger, Intake(ledger, load_policy()))
    assert b'"R6"' in fetch_state(sqlite_url, 7)
    execute(sqlite_url, f"UPDATE {{t}} SET originator_id = {respelt} WHERE {{pos}} = 7")
    result = check(sqlite_url)
    assert first_failure(result).startswith("FAILED at position 7: originator_id '")
    assert "is not 32 hex digits in lowercase" in first_failure(result)
    assert "seal 2 at position 10 covering positions 1-9: not checked" in result.failures[1].message
    assert result.records == 6  # chained before it stopped at position 7
    # why it matters: a ledger that has not cached R6 finds no registration for it
    fresh = open_ledger(sqlite_url)
    request.addfinalizer(fresh.close)
    registered_again = send(Intake(fresh, load_policy()), event("ResearcherRegistered", "R6"))
    assert reasons(registered_again) == ["accepted"]


def event_id_at(store_url: str, position: int) -> str:
    return orjson.loads(fetch_state(store_url, position))["event_id"]


def test_deleted_index_row_fails(store_url, sealed, capsys):
    event_id = event_id_at(store_url, 3)
    execute(store_url, "DELETE FROM {i} WHERE event_id = {p}", (event_id,))
    assert main(["verify", "--store", store_url]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"verify: FAILED the duplicate index lacks 1 accepted event(s) (first: event_id "
        f"'{event_id}' at position 3): a re-sent message with that event_id would be accepted "
        "a second time",
        "verify: 1 failure(s); 12 records, 2 seals and 0 expected seals checked",
    ]


def test_changed_index_row_fails(store_url, sealed):
    event_id = event_id_at(store_url, 8)
    execute(store_url, "UPDATE {i} SET source = 'MSIT' WHERE event_id = {p}", (event_id,))
    assert first_failure(check(store_url)) == (
        f"FAILED the duplicate index has a wrong row for 1 accepted event(s) (first: event_id "
        f"'{event_id}' at position 8): the index row names another aggregate, subject, source "
        "or event type, so a retraction of that event would be checked against the wrong one"
    )


def test_extra_index_row_fails(store_url, sealed):
    execute(
        store_url,
        "INSERT INTO {i} SELECT 'NEVER-1', originator_id, subject_id, source, event_type "
        "FROM {i} LIMIT 1",
    )
    assert first_failure(check(store_url)) == (
        "FAILED the duplicate index has 1 row(s) that no accepted event has (first: event_id "
        "'NEVER-1'): a message with that event_id would be refused as a duplicate though no "
        "accepted event has it"
    )


def test_fact_stored_twice_fails(store_url, sealed):
    """A copy of the fact at position 11 as its aggregate's next version, after
    the last seal: the chain has nothing to compare it with, the index does."""
    execute(
        store_url,
        "INSERT INTO {t} (originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 1, topic, state FROM {t} WHERE {pos} = 11",
    )
    result = check(store_url)
    assert [f.message for f in result.failures] == [
        f"FAILED 1 event_id(s) are stored in more than one accepted event (first: event_id "
        f"'{event_id_at(store_url, 11)}' at position 11): one message counts more than once "
        "in the history"
    ]


def test_fact_that_is_not_json_is_reported_not_raised(store_url, sealed):
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 11", (b"not json",))
    messages = [f.message for f in check(store_url).failures]
    if store_url.startswith("sqlite"):  # json_valid: the fact reads as one without fields
        assert messages[0].startswith(
            "FAILED the duplicate index lacks 1 accepted event(s) (first: position 11, whose "
            "state names no event_id)"
        )
        assert messages[1].startswith("FAILED the duplicate index has 1 row(s) that no")
    else:  # PostgreSQL stops the query at the first state it cannot parse; verify finds it
        assert messages == [
            "FAILED the duplicate index was not checked: a stored fact's state is not the "
            "JSON the ledger wrote (first: position 11; invalid input syntax for type json)"
        ]


def test_a_fact_that_is_not_utf8_is_located(store_url, sealed):
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 7", (b'{"a": "\xff"}',))
    messages = [f.message for f in check(store_url).failures]
    if store_url.startswith("sqlite"):
        assert "(first: position 7, whose state names no event_id)" in messages[1]
    else:
        assert messages[1].startswith(
            "FAILED the duplicate index was not checked: a stored fact's state is not the "
            'JSON the ledger wrote (first: position 7; invalid byte sequence for encoding "UTF8"'
        )


@pytest.mark.parametrize(
    ("earlier", "found"), [(b'{"n": 1e400}', "position 8"), (b"[1]", "position 7")]
)
def test_verify_on_postgres_names_the_fact_postgres_cannot_read(postgres_url, earlier, found):
    """Located as PostgreSQL reads JSON: a huge number it reads (orjson does
    not), an array it cannot make a record of (orjson can parse it)."""
    ledger = open_ledger(postgres_url)
    try:
        build_sealed(ledger, Intake(ledger, load_policy()))
    finally:
        ledger.close()
    execute(postgres_url, "UPDATE {t} SET state = {p} WHERE {pos} = 7", (earlier,))
    execute(postgres_url, "UPDATE {t} SET state = {p} WHERE {pos} = 8", (b"not json",))
    messages = [f.message for f in check(postgres_url).failures]
    assert any(f"not the JSON the ledger wrote (first: {found}; " in m for m in messages), messages


def test_a_fact_holding_nul_stored_before_it_was_refused_leaves_verify_working(
    store_url, ledger, intake, monkeypatch
):
    """PostgreSQL's JSON functions cannot turn \\u0000 into text: one such fact
    (free text, accepted before the contract refused U+0000) made verify give
    up on the duplicate index for good, so a deleted index row went unseen."""
    monkeypatch.setattr("contract.validation.every_string", lambda raw: [])  # the old intake
    titled = event("RepresentativeResultSubmitted", "KIST", payload_update={"title": "x\u0000"})
    other = event("ResearcherRegistered", "R1")
    assert reasons(send(intake, titled, other)) == ["accepted", "accepted"]
    assert check(store_url).ok
    execute(store_url, "DELETE FROM {i} WHERE event_id = {p}", (other["event_id"],))
    assert "duplicate index" in first_failure(check(store_url))


def redeclare_event_id_case_insensitive(store_url: str) -> None:
    if store_url.startswith("sqlite"):
        execute(store_url, "ALTER TABLE {i} RENAME TO old_index")
        execute(
            store_url,
            "CREATE TABLE {i} (event_id TEXT COLLATE NOCASE PRIMARY KEY, originator_id TEXT "
            "NOT NULL, subject_id TEXT NOT NULL, source TEXT NOT NULL, event_type TEXT NOT NULL)",
        )
        execute(store_url, "INSERT INTO {i} SELECT * FROM old_index")
        execute(store_url, "DROP TABLE old_index")
        return
    schema = store_url.split("?schema=")[1]
    collation = f'"{schema}".case_blind'
    execute(
        store_url,
        f"CREATE COLLATION {collation} (provider = icu, locale = 'und-u-ks-level2', "
        "deterministic = false)",
    )
    execute(store_url, f"ALTER TABLE {{i}} ALTER COLUMN event_id TYPE text COLLATE {collation}")


def test_an_index_matching_event_ids_by_a_collation_fails(store_url, sealed):
    """Re-declared case-insensitive, with a row's event_id lowercased, the index
    agreed with the history by `=` while a new message 't-…' was a duplicate."""
    event_id = event_id_at(store_url, 3)
    redeclare_event_id_case_insensitive(store_url)
    execute(
        store_url, "UPDATE {i} SET event_id = lower(event_id) WHERE event_id = {p}", (event_id,)
    )
    detail = (
        "a COLLATE clause in its table"
        if store_url.startswith("sqlite")
        else "column event_id has a nondeterministic collation"
    )
    assert first_failure(check(store_url)) == (
        f"FAILED the duplicate index compares event_ids by more than their bytes ({detail}): "
        "the queries below would take 'demo-1' for 'DEMO-1', and a new message whose event_id "
        "differs only so would be refused as a duplicate"
    )


def test_a_missing_index_table_fails_after_the_chain_is_checked(store_url, sealed, capsys):
    execute(store_url, "DROP TABLE {i}")
    assert main(["verify", "--store", store_url]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "verify: FAILED the duplicate index table is missing: every re-sent message would be "
        "accepted a second time (the next ingest makes the table again, empty)",
        "verify: 1 failure(s); 12 records, 2 seals and 0 expected seals checked",
    ]
