"""record_seal: N is the newest position, the seal is stored after it, heads agree."""

import orjson
import pytest
from eventsourcing.persistence import OperationalError

import audit.seal
from audit.chain import GENESIS, head_at
from audit.rows import open_rows
from audit.seal import ChainFollower, current_head, parse_seal, record_seal
from audit.verify import verify
from tests.audit.helpers import add_researchers, execute


def test_empty_store_seals_position_zero(ledger, store_url):
    assert record_seal(ledger) == (0, GENESIS.hex())
    assert ledger.position() == 1  # the seal itself


def test_a_position_sealed_twice_at_once_is_stored_once(ledger, intake, store_url, monkeypatch):
    """Two ingests of one file: the second, finding nothing new, seals the same
    position as the first. If both read the head before either stored its seal,
    the second's conflicts: one seal is stored, and the second says it stored none."""
    add_researchers(intake, 1, 3)
    first, second = ChainFollower(ledger), ChainFollower(ledger)
    monkeypatch.setattr(audit.seal, "standing_seal", lambda ledger, position: None)
    second.advance()  # read before the first stores its seal
    monkeypatch.setattr(second, "advance", lambda: (3, head_at(store_url, 3)))
    assert first.seal() == second.seal() == (3, head_at(store_url, 3))
    assert (first.stored, second.stored, second.raced) == (True, False, True)
    assert ledger.position() == 4
    rows = open_rows(store_url)
    try:
        assert verify(rows).ok
    finally:
        rows.close()


def test_seal_covers_the_newest_position_and_is_stored_after_it(ledger, intake, store_url):
    add_researchers(intake, 1, 4)
    position, head = record_seal(ledger)
    assert position == 4
    assert ledger.position() == 5
    assert head == head_at(store_url, 4)
    assert head != head_at(store_url, 5)


def test_incremental_seal_equals_a_full_recomputation(ledger, intake, store_url):
    for first in (1, 4, 9):
        add_researchers(intake, first, 3)
        position, head = record_seal(ledger)
        assert head == head_at(store_url, position)
    assert position == 11  # 9 facts + 2 earlier seals


def test_incremental_seal_recomputes_when_the_last_seal_is_unreadable(ledger, intake, store_url):
    add_researchers(intake, 1, 2)
    record_seal(ledger)
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 3", (b"{}",))
    add_researchers(intake, 3, 2)
    position, head = record_seal(ledger)
    assert (position, head) == (5, head_at(store_url, 5))


def test_incremental_seal_ignores_a_seal_claiming_its_own_position(ledger, intake, store_url):
    add_researchers(intake, 1, 2)
    record_seal(ledger)  # at 3, covering 1-2
    forged = orjson.dumps({"position": 3, "head": "00" * 32})
    execute(store_url, "UPDATE {t} SET state = {p} WHERE {pos} = 3", (forged,))
    assert record_seal(ledger) == (3, head_at(store_url, 3))


def test_writers_during_a_seal_are_not_covered(ledger, intake, store_url, monkeypatch):
    add_researchers(intake, 1, 3)

    def head_then_others_write(rows):
        sealed = current_head(rows)
        add_researchers(intake, 10, 2)  # another writer commits meanwhile
        return sealed

    monkeypatch.setattr(audit.seal, "current_head", head_then_others_write)
    assert record_seal(ledger)[0] == 3
    assert ledger.position() == 6  # 3 facts, 2 more, then the seal
    rows = open_rows(store_url)
    try:
        assert verify(rows).ok
    finally:
        rows.close()


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("12:" + "AB" * 32, (12, "ab" * 32)),
        (" 0:" + "0" * 64 + "\n", (0, "0" * 64)),
    ],
)
def test_parse_seal(text, parsed):
    assert parse_seal(text) == parsed


@pytest.mark.parametrize("text", ["12", "x:" + "0" * 64, "1:" + "0" * 63, "-1:" + "0" * 64, ""])
def test_parse_seal_refuses(text):
    with pytest.raises(ValueError, match="expected N:HEX"):
        parse_seal(text)


def test_a_chain_follower_seals_what_a_full_recomputation_seals(ledger, intake, store_url):
    chain = ChainFollower(ledger)
    add_researchers(intake, 1, 3)
    assert chain.advance() == (3, head_at(store_url, 3))
    record_seal(ledger)  # another writer's record (a seal, at 4) is covered too
    add_researchers(intake, 10, 2)
    chain.advance()
    add_researchers(intake, 20, 2)
    position, head = chain.seal()
    assert (position, head) == (8, head_at(store_url, 8))
    rows = open_rows(store_url)
    try:
        assert verify(rows).ok
    finally:
        rows.close()


def test_a_chain_follower_that_cannot_read_catches_up_at_the_seal(
    ledger, intake, store_url, monkeypatch
):
    chain = ChainFollower(ledger)
    add_researchers(intake, 1, 3)
    chain.keep_up()

    def store_gone(_):
        raise OperationalError("terminating connection due to administrator command")

    add_researchers(intake, 10, 2)
    with monkeypatch.context() as patched:
        patched.setattr(audit.seal, "open_rows", store_gone)
        chain.keep_up()  # a head start only: no error
        with pytest.raises(OperationalError):
            chain.seal()  # the seal itself must not pretend
    assert chain.position == 3
    assert chain.seal() == (5, head_at(store_url, 5))


def test_a_run_that_stored_nothing_leaves_the_standing_seal(ledger, intake, store_url):
    """A re-run of an ingest with nothing new adds no seal over the last one."""
    add_researchers(intake, 1, 3)
    first = ChainFollower(ledger).seal()
    assert first == (3, head_at(store_url, 3)) and ledger.position() == 4
    assert ChainFollower(ledger).seal() == first  # nothing stored since
    assert ledger.position() == 4
    add_researchers(intake, 10, 1)
    assert ChainFollower(ledger).seal() == (5, head_at(store_url, 5))
    assert ledger.position() == 6


def test_a_chain_follower_hashes_committed_batches_from_memory(ledger, intake, store_url):
    """`Ledger.on_commit` hands the follower each batch's rows and positions;
    chained without the store, they give the head a full recomputation gives."""
    chain = ChainFollower(ledger)
    ledger.on_commit = chain.remember
    add_researchers(intake, 1, 3)
    chain.advance()  # the first call reads the store
    add_researchers(intake, 10, 2)
    add_researchers(intake, 20, 2)
    if store_url.startswith("sqlite"):
        assert len(chain.committed) == 2
        chain.chain_remembered()
        assert not chain.committed
        assert (chain.position, chain.head.hex()) == (7, head_at(store_url, 7))
    else:  # PostgreSQL does not promise RETURNING's order: read from the store
        assert not chain.committed
    assert chain.advance() == (7, head_at(store_url, 7))


def test_a_gap_before_a_remembered_batch_is_read_from_the_store(ledger, intake, store_url):
    chain = ChainFollower(ledger)
    ledger.on_commit = chain.remember
    add_researchers(intake, 1, 3)
    chain.advance()
    record_seal(ledger)  # another writer's record, at 4: not remembered
    add_researchers(intake, 10, 2)
    chain.chain_remembered()
    assert chain.position == 3 and not chain.committed  # left to the store
    assert chain.advance() == (6, head_at(store_url, 6))
