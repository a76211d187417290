"""Hypothesis strategies for hostile contract messages, and the checks every
batch must pass whatever it contains.

A message starts as a valid contract message (tests/builders.py) about a
subject from a small pool, with an event_id from a small pool (so duplicates,
re-sends and aggregate rules are hit), and is then bent by zero or more
structural mutations (fields replaced by wrong types, huge numbers, bad
dates, PII in any string, unknown fields, deep nesting) and at most one
byte-level one (invalid UTF-8, NUL bytes, BOM, duplicate keys, truncation,
garbage, blank lines).
"""

import copy
import json
import re
from typing import Any

from hypothesis import strategies as st

from consumers.intake import Intake, Message, Outcome, Summary
from contract.pii import PII_PATTERN
from tests.builders import DEFAULT_SOURCES, SUBJECTS, VALID_PAYLOADS

# The contract's reason-code table (event-contract.md).
REASON_CODES = frozenset(
    {
        "malformed_json",
        "schema_invalid",
        "unknown_event_type",
        "unauthorized_source",
        "pii_detected",
        "unknown_subject",
        "already_exists",
        "invalid_period",
        "program_rule_violation",
        "over_disbursement",
        "after_termination",
        "inconsistent_amounts",
        "unknown_representative_result",
    }
)
EVENT_TYPES = sorted(VALID_PAYLOADS)
# SHA-256 digests and UUIDs in stored records are hex; a run of decimal digits
# inside one can look like a resident number. They carry no message text.
HEX_TOKEN = re.compile(rb"[0-9a-f]{32,64}")


def pii_values() -> st.SearchStrategy[str]:
    """Strings that match the contract's PII patterns."""
    email = st.tuples(
        st.text("abcdefghijklmnopqrstuvwxyz0123456789._%+-", min_size=1, max_size=12),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10),
        st.sampled_from(["com", "co.kr", "ac.kr", "go.kr", "org"]),
    ).map(lambda t: f"{t[0]}@{t[1]}.{t[2]}")
    resident = st.tuples(
        st.integers(0, 999_999),
        st.sampled_from(["", "-"]),
        st.integers(1, 4),
        st.integers(0, 999_999),
    ).map(lambda t: f"{t[0]:06d}{t[1]}{t[2]}{t[3]:06d}")
    phone = st.tuples(
        st.sampled_from(["010", "011", "016", "017", "018", "019"]),
        st.sampled_from(["", "-"]),
        st.integers(0, 9999),
        st.sampled_from(["", "-"]),
        st.integers(0, 9999),
        st.booleans(),
    ).map(lambda t: f"{t[0]}{t[1]}{t[2]:0{4 if t[5] else 3}d}{t[3]}{t[4]:04d}")
    return st.one_of(email, resident, phone).filter(lambda s: PII_PATTERN.search(s) is not None)


def around(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`inner` with text before and after that keeps the match (no adjacent digit)."""
    return st.tuples(
        st.sampled_from(["", "연구자 ", "contact ", "id:", "(", "a b "]),
        inner,
        st.sampled_from(["", " 님", ")", " end", ";"]),
    ).map("".join)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**15, max_value=10**60),
    st.integers(max_value=-1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "2026-02-30", "2026-13-01", "not-a-date", "\u0000", "\ufeff", "\u202e"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
BAD_DATES = st.sampled_from(
    ["2026-02-30", "2026-02-29", "2027-13-01", "2026-2-3", "20260301", "2026-04-31",
     "0000-01-01", "9999-12-31", "2028-02-29", "", "2026-03-01T00:00:00Z", "２０２６-03-01"]
)  # fmt: skip
BAD_TIMESTAMPS = st.sampled_from(
    ["2026-03-02T09:00:00+0900", "2026-03-02T09:00:00", "2026-03-02 09:00:00+09:00",
     "2026-03-02T24:00:00Z", "2026-03-02T09:00:00.1234567891Z", "0001-01-01T00:00:00+01:00",
     "9999-12-31T23:59:59-01:00", "2026-02-30T09:00:00+09:00", "2026-03-02T09:00:00+24:00",
     "2026-03-02t09:00:00z", "2026-03-02T09:00:60Z", "2026-03-02T09:00:00.5-00:00"]
)  # fmt: skip
HUGE_NUMBERS = st.sampled_from(
    [b"1e999", b"-1e999", b"1" + b"0" * 400, b"-" + b"9" * 100, b"10000000000000000",
     b"9999999999999999", b"1.0", b"-0", b"2026.0", b"1E2", b"0.1e-400"]
)  # fmt: skip
SUBJECT_POOL = {
    "G1", "G2", "R1", "R2", "U1", "U2", "KIST", "KRISS", "C1", "A1", "FY2026", "FY2027"
}  # fmt: skip


@st.composite
def base_message(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(st.sampled_from(EVENT_TYPES))
    subject = draw(st.sampled_from([SUBJECTS.get(event_type, "S1"), *sorted(SUBJECT_POOL)]))
    source = DEFAULT_SOURCES.get(event_type, subject)
    if event_type == "EventRetracted":
        source = draw(st.sampled_from(["NRF", "NST", "MSIT", subject]))
    payload = copy.deepcopy(VALID_PAYLOADS[event_type])  # mutations must not leak
    if event_type == "EventRetracted":
        payload["retracted_event_id"] = draw(event_ids())
    return {
        "event_id": draw(event_ids()),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": "2026-03-02T09:00:00+09:00",
        "source": source,
        "subject_id": subject,
        "payload": payload,
    }


def event_ids() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(1, 60).map(lambda n: f"F-{n}"),
        st.integers(1, 40).map(lambda n: f"S-{n:04d}"),  # the seeded history's ids
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True),
    )


def string_paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths (tuples of keys/indices) to every string in a JSON value."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in string_paths(v, (*path, i))]
    return []


def put(document: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        document = document[key]
    document[path[-1]] = value


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A message dict after zero to three structural mutations."""
    message = draw(base_message())
    payload = message["payload"]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2, 3]))):
        kind = draw(
            st.sampled_from(
                ["pii_clean", "pii_clean", "wrong_type", "delete", "unknown_field", "bad_date",
                 "bad_timestamp", "pii_in_string", "pii_nested", "event_type", "schema_version",
                 "source", "deep_payload", "long_string"]
            )
        )  # fmt: skip
        if kind == "wrong_type":
            target = draw(st.sampled_from([message, payload]))
            if target:
                target[draw(st.sampled_from(sorted(target)))] = draw(JSON_VALUES)
        elif kind == "delete":
            target = draw(st.sampled_from([message, payload]))
            if target:
                del target[draw(st.sampled_from(sorted(target)))]
        elif kind == "unknown_field":
            target = draw(st.sampled_from([message, payload]))
            target[draw(st.text(min_size=1, max_size=10))] = draw(JSON_VALUES)
        elif kind == "bad_date":
            dates = [k for k in payload if k.endswith("_on")]
            if dates:
                payload[draw(st.sampled_from(dates))] = draw(BAD_DATES)
        elif kind == "bad_timestamp":
            message["occurred_at"] = draw(BAD_TIMESTAMPS)
        elif kind == "pii_clean":  # PII where the schema allows it: only the guard stops it
            free_text = [k for k in ("name_ko", "name_en", "title", "reason") if k in payload]
            if free_text and draw(st.booleans()):
                payload[draw(st.sampled_from(free_text))] = draw(around(pii_values()))
            else:  # resident and phone numbers fit the id pattern
                number = draw(pii_values().filter(lambda v: "@" not in v))
                ids = ["event_id", "subject_id", "source"]
                ids += [k for k in payload if k.endswith("_id") and isinstance(payload[k], str)]
                field = draw(st.sampled_from(ids))
                (message if field in message else payload)[field] = number
        elif kind == "pii_in_string":
            paths = string_paths(message)
            if paths:
                put(message, draw(st.sampled_from(paths)), draw(around(pii_values())))
        elif kind == "pii_nested":
            hidden = draw(around(pii_values()))
            nest = draw(
                st.sampled_from(
                    [[hidden], {"note": hidden}, [1, [2, [hidden]]], {"a": [{"b": hidden}]}]
                )
            )
            where = draw(st.sampled_from(["payload_field", "unknown", "list", "key"]))
            if where == "payload_field" and payload:
                payload[draw(st.sampled_from(sorted(payload)))] = nest
            elif where == "list":
                payload["representative_result_ids"] = ["RR-1", hidden]
            elif where == "key":
                payload[hidden] = 1
            else:
                message[draw(st.sampled_from(["extra", "comment", "_meta"]))] = nest
        elif kind == "event_type":
            message["event_type"] = draw(
                st.sampled_from([*EVENT_TYPES, "grantawarded", "GrantAwarded ", "", "Foo"])
            )
        elif kind == "schema_version":
            message["schema_version"] = draw(st.sampled_from([0, 2, -1, "1", 1.5, None, True]))
        elif kind == "source":
            message["source"] = draw(
                st.sampled_from(["NRF", "MSIT", "MOE", "NST", "U1", "KIST", "nrf", "X", ""])
            )
        elif kind == "deep_payload":
            depth = draw(st.sampled_from([30, 500, 2_000, 10_000]))
            message["payload"] = "DEEP"
            message["__depth__"] = depth
        elif kind == "long_string":
            paths = string_paths(message)
            if paths:
                size = draw(st.sampled_from([129, 201, 301, 5_000, 70_000]))
                put(message, draw(st.sampled_from(paths)), "가" * size)
    return message


def encode(message: dict[str, Any]) -> bytes:
    """JSON bytes (big ints kept; lone surrogates become invalid UTF-8)."""
    depth = message.pop("__depth__", None)
    text = json.dumps(message, ensure_ascii=False)
    raw = text.encode("utf-8", "surrogatepass")
    if isinstance(depth, int) and not isinstance(depth, bool):  # a mutation may replace it
        raw = raw.replace(b'"DEEP"', b"[" * depth + b"]" * depth, 1)
    return raw


@st.composite
def raw_messages(draw: st.DrawFn) -> bytes:
    """One raw message: a mutated contract message, maybe bent at the byte level."""
    raw = encode(draw(mutated()))
    kind = draw(
        st.sampled_from(
            ["none"] * 14 + ["invalid_utf8", "nul", "nul_escape", "bom", "duplicate_key",
             "duplicate_pii_key", "truncate", "garbage", "blank", "deep", "number", "wrapped",
             "crlf"]
        )
    )  # fmt: skip
    if kind == "invalid_utf8":
        at = draw(st.integers(0, len(raw)))
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]))
        raw = raw[:at] + bad + raw[at:]
    elif kind == "nul":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\x00" + raw[at:]
    elif kind == "nul_escape":
        raw = raw.replace(b'",', b'\\u0000",', 1)
    elif kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif kind == "duplicate_key":
        key = draw(st.sampled_from(["event_id", "event_type", "source", "subject_id", "payload"]))
        value = draw(st.sampled_from(['"F-1"', '"NRF"', "{}", "1", "null"]))
        raw = raw[:-1] + f',"{key}":{value}}}'.encode() if raw.endswith(b"}") else raw
    elif kind == "duplicate_pii_key":  # the first copy carries PII, the last is clean
        pii = draw(pii_values())
        raw = b'{"subject_id":"' + pii.encode() + b'",' + raw[1:] if raw[:1] == b"{" else raw
    elif kind == "truncate":
        raw = raw[: draw(st.integers(0, max(len(raw) - 1, 0)))]
    elif kind == "garbage":
        raw = draw(st.binary(max_size=200))
    elif kind == "blank":
        raw = draw(st.sampled_from([b"", b" ", b"\t", b"\r", b"  \t "]))
    elif kind == "deep":
        depth = draw(st.sampled_from([100, 1_000, 10_000]))
        raw = b"[" * depth + raw + b"]" * depth
    elif kind == "number":
        raw = draw(HUGE_NUMBERS)
    elif kind == "wrapped":
        raw = b"[" + raw + b"]"
    elif kind == "crlf":
        raw = raw + b"\r"
    return raw


def scrubbed(state: bytes) -> bytes:
    return HEX_TOKEN.sub(b"#", state)


def pii_in(data: bytes) -> list[str]:
    """Every PII-pattern match in `data` outside hex digests and ids."""
    text = scrubbed(data).decode("utf-8", "replace")
    return [m.group(0) for m in PII_PATTERN.finditer(text)]


def strings_of(value: Any) -> list[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_of(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


def pii_in_state(state: bytes) -> list[str]:
    """PII-pattern matches in the string values of a stored state (the contract's
    patterns apply to strings; the SHA-256 of the raw bytes is hex, not text)."""
    document = json.loads(state)
    document.pop("sha256", None)
    return [m for text in strings_of(document) for m in PII_PATTERN.findall(text)]


def new_records(intake: Intake, after: int) -> list[tuple[int, str, bytes]]:
    """(position, topic, state) of every record stored after position `after`."""
    page = intake.ledger.recorder.select_notifications(after + 1, 1_000_000)
    return [(n.id, n.topic, bytes(n.state)) for n in page]


def check_batch(intake: Intake, raws: list[bytes]) -> list[Outcome]:
    """Send one batch and assert the properties; returns the outcomes."""
    before = intake.ledger.position()
    messages = [Message(raw, {"file": "fuzz.jsonl", "line": n}) for n, raw in enumerate(raws, 1)]
    outcomes = intake.process(messages, [])  # any exception fails the test

    assert len(outcomes) == len(raws)
    summary = Summary()
    summary.add(outcomes)
    assert summary.total == len(raws)
    assert summary.accepted + summary.duplicate + sum(summary.rejected.values()) == len(raws)
    for outcome in outcomes:
        assert outcome.status in {"accepted", "duplicate", "rejected"}
        if outcome.status == "rejected":
            assert outcome.reason in REASON_CODES, outcome.reason
            assert not pii_in((outcome.message or "").encode())
            assert (outcome.message or "").isprintable(), "no control characters for terminals"

    records = new_records(intake, before)
    stored = [o for o in outcomes if o.status != "duplicate"]
    assert len(records) == len(stored), "one stored record per accepted or rejected message"
    for (_, topic, state), outcome, raw in zip(
        records,
        stored,
        [r for r, o in zip(raws, outcomes, strict=True) if o.status != "duplicate"],
        strict=True,
    ):
        rejected = topic.endswith("Rejection.MessageRejected")
        assert rejected == (outcome.status == "rejected")
        assert not pii_in_state(state), (topic, pii_in_state(state))
        if rejected:
            assert json.loads(state)["reason"] == outcome.reason
            if len(raw.strip()) >= 24:
                assert raw not in state, "a rejection record holds the raw message"
    return outcomes
