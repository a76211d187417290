"""verify on SQLite and PostgreSQL: an intact store passes, every kind of tampering fails."""

import orjson
import psycopg
import pytest

from audit.chain import head_at
from audit.rows import open_rows
from audit.seal import SEAL_TOPIC, record_seal
from audit.verify import Result, verify
from consumers.intake import Intake
from contract.policy import load_policy
from rnd_ledger.bootstrap import open_ledger
from tests.audit.helpers import add_researchers, build_sealed, execute, fetch_state, move


def check(store_url: str, expects=()) -> Result:
    rows = open_rows(store_url)
    try:
        return verify(rows, expects)
    finally:
        rows.close()


def first_failure(result: Result) -> str:
    assert not result.ok, "tampering went undetected"
    return result.failures[0].message


def test_intact_store_verifies(store_url, sealed):
    result = check(store_url, expects=sealed)
    assert result.ok, result.failures
    assert (result.records, result.seals, result.expected, result.last_position) == (12, 2, 2, 12)
    assert result.head == head_at(store_url, 12)
    assert [head_at(store_url, n) for n, _ in sealed] == [h for _, h in sealed]
    assert sealed[0][0] == 5 and sealed[1][0] == 9


def test_changed_bytes_fail_the_first_seal_covering_them(store_url, sealed):
    state = fetch_state(store_url, 3).replace(b'"R3"', b'"R9"')
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 3", (state,))
    message = first_failure(check(store_url))
    assert message == "FAILED seal 1 at position 6 covering positions 1-5: chain head differs"


def test_change_after_a_good_seal_names_the_range_to_look_at(store_url, sealed):
    state = fetch_state(store_url, 8).replace(b"engineering", b"medicine")
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 8", (state,))
    result = check(store_url)
    assert len(result.failures) == 1
    assert result.failures[0].message.startswith(
        "FAILED seal 2 at position 10 covering positions 1-9: chain head differs "
        "(the last verified head covers 1-5: a record at positions 6-9"
    )


def test_rewritten_seal_fails_itself_first(store_url, sealed):
    forged = fetch_state(store_url, 6).replace(sealed[0][1].encode(), b"ab" * 32)
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 6", (forged,))
    result = check(store_url)
    assert [f.message.split(" covering")[0] for f in result.failures] == [
        "FAILED seal 1 at position 6",
        "FAILED seal 2 at position 10",  # it covers the rewritten seal's bytes
    ]


def test_changed_topic_or_version_fails(store_url, sealed):
    execute(store_url, "UPDATE {t} SET originator_version = 2 WHERE {pos} = 2")
    assert "seal 1 at position 6" in first_failure(check(store_url))


def test_deleted_event_fails(store_url, sealed):
    execute(store_url, "DELETE FROM {t} WHERE {pos} = 4")
    result = check(store_url)
    messages = [f.message for f in result.failures]
    assert "FAILED seal 1 at position 6 covering positions 1-5: chain head differs" in messages
    if store_url.startswith("sqlite"):  # a rowid gap can only come from a deletion
        assert messages[0] == (
            "FAILED positions 4-4 are missing: 1 stored record(s) deleted, "
            "or the record at 5 was inserted there"
        )
    else:  # bigserial gaps are normal on PostgreSQL: counted, not failed
        assert result.skipped_positions == 1 and len(messages) == 3
    assert messages[-1].startswith("FAILED the duplicate index has 1 row(s) that no accepted")


def test_reordered_events_fail(store_url, sealed):
    move(store_url, 2, 100)
    move(store_url, 3, 2)
    move(store_url, 100, 3)
    assert first_failure(check(store_url)).startswith("FAILED seal 1 at position 6")


def test_inserted_event_fails(store_url, sealed):
    for position in range(12, 3, -1):  # make room at position 4
        move(store_url, position, position + 1)
    execute(
        store_url,
        "INSERT INTO {t} (originator_id, originator_version, topic, state, {pos}) "
        "SELECT originator_id, 2, topic, state, 4 FROM {t} WHERE {pos} = 3",
    )
    result = check(store_url)
    assert result.records == 13
    # the seals now sit at 7 and 11 but still claim 1-5 and 1-9
    assert first_failure(result).startswith("FAILED seal 1 at position 7 covering positions 1-5")


def forge_seal(store_url: str, stored_at: int, position: int) -> None:
    """Rewrite a stored seal so it agrees with the (tampered) records it covers."""
    state = orjson.loads(fetch_state(store_url, stored_at))
    state["head"] = head_at(store_url, position)
    execute(
        store_url, "UPDATE {t} SET state = {p} WHERE {pos} = {p}", (orjson.dumps(state), stored_at)
    )


def test_rewritten_history_with_rewritten_seals_is_caught_only_by_expect(store_url, sealed):
    state = fetch_state(store_url, 2).replace(b"engineering", b"medicine")
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 2", (state,))
    forge_seal(store_url, 6, 5)
    forge_seal(store_url, 10, 9)  # after the first: it covers the forged seal at 6
    assert check(store_url).ok, "a consistent rewrite cannot be caught from inside"
    n, head = sealed[0]
    message = first_failure(check(store_url, expects=[(n, head)]))
    assert message == (
        f"FAILED --expect {n}:{head[:12]}… covering positions 1-5: chain head differs; "
        "the stored seals agree with the records: the kept head is not this store's, "
        "or the records and the seals were both rewritten (an earlier head you kept "
        "narrows down where)"
    )
    # The forged seals must not place the change after themselves.
    last, last_head = sealed[1]
    message = first_failure(check(store_url, expects=[(last, last_head)]))
    assert "covering positions 1-9: chain head differs; the stored seals agree" in message
    assert "the last verified head" not in message


def test_deleted_last_event_is_caught_only_by_expect(store_url, sealed):
    end = head_at(store_url, 12)
    event_id = orjson.loads(fetch_state(store_url, 12))["event_id"]
    execute(store_url, "DELETE FROM {t} WHERE {pos} = 12")
    assert "duplicate index has 1 row(s)" in first_failure(check(store_url))
    execute(store_url, "DELETE FROM {i} WHERE event_id = {p}", (event_id,))  # its index row too
    assert check(store_url).ok
    message = first_failure(check(store_url, expects=[(12, end)]))
    assert message == (
        f"FAILED --expect 12:{end[:12]}… covering positions 1-12: "
        "the store ends at position 11: records after it were deleted"
    )


def test_deleted_seal_fails_the_next_seal(store_url, sealed):
    execute(store_url, "DELETE FROM {t} WHERE {pos} = 6")
    result = check(store_url)
    assert result.seals == 1
    assert any(
        f.message.startswith("FAILED seal 1 at position 10 covering positions 1-9")
        for f in result.failures
    )


def test_deleted_event_after_the_last_seal(store_url, sealed):
    execute(store_url, "DELETE FROM {t} WHERE {pos} = 11")
    result = check(store_url)
    if store_url.startswith("sqlite"):
        assert first_failure(result) == (
            "FAILED positions 11-11 are missing: 1 stored record(s) deleted, "
            "or the record at 12 was inserted there"
        )
    else:  # the gap is no error there, but the event's index row is left over
        assert result.skipped_positions == 1 and len(result.failures) == 1
    assert result.failures[-1].message.startswith("FAILED the duplicate index has 1 row(s)")


def test_seal_claiming_its_own_position_fails(store_url, sealed):
    forged = fetch_state(store_url, 6).replace(b'"position":5', b'"position":6')
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 6", (forged,))
    assert "it claims to cover its own position" in first_failure(check(store_url))


def test_unreadable_seal_fails(store_url, sealed):
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 6", (b"not json",))
    assert first_failure(check(store_url)).startswith("FAILED the seal at position 6 is unreadable")


def test_seal_topic_is_stable():
    from domain import history

    assert SEAL_TOPIC == "audit.seal:Seal.Sealed" == history.SEAL_TOPIC  # known to the readers


@pytest.mark.parametrize(
    ("value", "problem"),
    [("zz", "originator_id 'zz' is not 32 hex digits"), ("ab" * 17, "is not 32 hex digits")],
)
def test_malformed_row_stops_the_chain_with_its_position(sqlite_url, value, problem, request):
    ledger = open_ledger(sqlite_url)
    request.addfinalizer(ledger.close)
    build_sealed(ledger, Intake(ledger, load_policy()))
    execute(sqlite_url, "UPDATE {t} SET originator_id = {p} WHERE {pos} = 7", (value,))
    result = check(sqlite_url)
    assert result.failures[0].message.startswith("FAILED at position 7: ")
    assert problem in result.failures[0].message
    assert "seal 2 at position 10 covering positions 1-9: not checked" in result.failures[1].message


@pytest.mark.parametrize(
    ("column", "problem"),
    [("topic", "topic is not UTF-8 text"), ("originator_id", "originator_id '\\udcff'")],
)
def test_text_that_is_not_utf8_is_named_as_tampering(sqlite_url, column, problem, request):
    """Only an edit of the file puts such text there; sqlite3 cannot decode it,
    which must not read as a disk failure (exit 2) or stop the scan."""
    ledger = open_ledger(sqlite_url)
    request.addfinalizer(ledger.close)
    build_sealed(ledger, Intake(ledger, load_policy()))
    execute(sqlite_url, f"UPDATE {{t}} SET {column} = CAST(x'ff' AS TEXT) WHERE {{pos}} = 7")
    result = check(sqlite_url)
    assert result.failures[0].message.startswith("FAILED at position 7: ")
    assert problem in result.failures[0].message
    assert "seal 2 at position 10 covering positions 1-9: not checked" in result.failures[1].message


def test_index_text_that_is_not_utf8_is_a_wrong_index_row(sqlite_url, request):
    ledger = open_ledger(sqlite_url)
    request.addfinalizer(ledger.close)
    build_sealed(ledger, Intake(ledger, load_policy()))
    first = "(SELECT MIN(event_id) FROM {i})"
    execute(sqlite_url, f"UPDATE {{i}} SET source = CAST(x'ff' AS TEXT) WHERE event_id = {first}")
    messages = [failure.message for failure in check(sqlite_url).failures]
    assert len(messages) == 1 and "the duplicate index has a wrong row" in messages[0]


def test_postgres_gap_from_a_rolled_back_write_is_not_an_error(postgres_url):
    ledger = open_ledger(postgres_url)
    try:
        intake = Intake(ledger, load_policy())
        add_researchers(intake, 1, 2)
        base, schema = postgres_url.split("?schema=")
        with psycopg.connect(base) as connection:  # a writer that rolls back: id 3 is used up
            connection.execute(
                f'INSERT INTO "{schema}".ledger_events (originator_id, originator_version, topic, '
                "state) VALUES (gen_random_uuid(), 1, 't', 'x')"
            )
            connection.rollback()
        add_researchers(intake, 3, 1)
        record_seal(ledger)
    finally:
        ledger.close()
    result = check(postgres_url)
    assert result.ok, result.failures
    assert (result.records, result.skipped_positions, result.last_position) == (4, 1, 5)
