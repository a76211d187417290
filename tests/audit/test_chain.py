"""The chain as docs/hash-chain.md defines it: the worked example and the fast path."""

import hashlib
import re
from pathlib import Path

import pytest

from audit.chain import GENESIS, MalformedRecord, Topics, extend, head_at, link
from audit.rows import open_rows
from audit.verify import verify
from tests.audit.helpers import execute, index_fact

DOC = Path(__file__).parents[2] / "docs" / "hash-chain.md"


def worked_example() -> list[dict[str, str]]:
    """The records of the doc's worked example, as the doc prints them."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## Worked example", 1)[1].split("```", 2)[1]
    records = []
    for chunk in block.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in chunk.splitlines())
        records.append(fields)
    return records


def independent_chain(records: list[dict[str, str]]) -> list[str]:
    """The definition re-implemented from the doc's words, sharing no code."""
    h, heads = b"\0" * 32, []
    for r in records:
        topic, state = r["topic"].encode("utf-8"), r["state"].encode("utf-8")
        message = b"".join(
            [
                h,
                int(r["position"]).to_bytes(8, "big"),
                bytes.fromhex(r["originator_id"]),
                int(r["originator_version"]).to_bytes(8, "big"),
                len(topic).to_bytes(8, "big"),
                len(state).to_bytes(8, "big"),
                topic,
                state,
            ]
        )
        h = hashlib.sha256(message).digest()
        heads.append(h.hex())
    return heads


def as_row(r: dict[str, str]) -> tuple:
    return (
        int(r["position"]),
        r["originator_id"],
        int(r["originator_version"]),
        r["topic"],
        r["state"].encode(),
    )


def test_worked_example_hashes_are_right():
    records = worked_example()
    assert len(records) == 2
    assert independent_chain(records) == [r["h"] for r in records]
    for r in records:
        position, oid, version, topic, state = as_row(r)
        fixed = b"".join(
            x.to_bytes(8, "big") if isinstance(x, int) else x
            for x in (position, bytes.fromhex(oid), version, len(topic.encode()), len(state))
        )
        assert fixed.hex() == r["fixed fields (hex)"]


def test_worked_example_through_the_code_and_a_real_store(store_url, ledger):
    records = worked_example()
    head = GENESIS
    for r in records:
        head = link(head, *as_row(r)[:1], bytes.fromhex(r["originator_id"]), *as_row(r)[2:])
        assert head.hex() == r["h"]
    assert extend(GENESIS, [as_row(r) for r in records], Topics(), hex_ids=True).hex() == r["h"]
    for r in records:
        execute(
            store_url,
            "INSERT INTO {t} (originator_id, originator_version, topic, state) "
            "VALUES ({p}, {p}, {p}, {p})",
            as_row(r)[1:],
        )
    index_fact(store_url, records[0]["originator_id"], as_row(records[0])[4])
    assert head_at(store_url, 1) == records[0]["h"]
    assert head_at(store_url, 2) == records[1]["h"]
    rows = open_rows(store_url)
    try:
        result = verify(rows, [(2, records[1]["h"])])
    finally:
        rows.close()
    assert result.ok and result.seals == 1, result.failures


def test_fast_path_equals_the_definition():
    rows = [
        (1, "00" * 16, 1, "a:B.C", b"{}"),
        (2, "ff" * 16, 7, "모듈:집계.사건", b"\x00\xff" * 300),
        (5, "0123456789abcdeffedcba9876543210", 2**40, "a:B.C", b""),
    ]
    expected = GENESIS
    for position, oid, version, topic, state in rows:
        expected = link(expected, position, bytes.fromhex(oid), version, topic, state)
    assert extend(GENESIS, rows, Topics(), hex_ids=True) == expected
    raw = [(p, bytes.fromhex(o), v, t, s) for p, o, v, t, s in rows]
    assert extend(GENESIS, raw, Topics(), hex_ids=False) == expected


def test_head_before_any_record_is_zeros(store_url, ledger):
    assert head_at(store_url, 0) == "0" * 64
    assert head_at(ledger, 10) == "0" * 64


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ((3, "xyz", 1, "t", b""), "originator_id 'xyz' is not 32 hex digits"),
        ((3, "AB" * 16, 1, "t", b""), f"originator_id '{'AB' * 16}' is not 32 hex digits in"),
        ((3, "ab" * 14 + " abab", 1, "t", b""), "originator_id 'abab"),  # decodes to 16 bytes
        ((3, "00" * 16, -1, "t", b""), "originator_version -1"),
        ((3, "00" * 16, 1, "t", "text"), "state is str, not bytes"),
        ((3, "00" * 16, 1, None, b""), "topic is NoneType, not text"),
    ],
)
def test_malformed_rows_are_named(row, problem):
    with pytest.raises(MalformedRecord, match=re.escape(f"position 3: {problem}")):
        extend(GENESIS, [(1, "00" * 16, 1, "t", b""), row], Topics(), hex_ids=True)
