"""The contract's checks (1), (2), (4), (5), (6) and their messages."""

import orjson
import pytest

from contract.payloads import PAYLOAD_TYPES
from contract.screen import screen
from contract.validation import (
    ContractViolation,
    check_pii,
    parse_envelope,
    parse_payload,
    readable_envelope,
    utc_instant,
)
from tests.builders import VALID_PAYLOADS, event, line


def verdict(message: dict | bytes) -> str:
    raw = message if isinstance(message, bytes) else line(message)
    try:
        envelope = parse_envelope(raw)
        payload = parse_payload(envelope)
        check_pii(envelope, payload, raw)
    except ContractViolation as violation:
        return violation.reason
    return "ok"


@pytest.mark.parametrize("event_type", sorted(PAYLOAD_TYPES))
def test_every_event_type_has_a_valid_example(event_type):
    assert verdict(event(event_type)) == "ok"


def test_the_builders_cover_every_type_of_the_contract():
    assert set(VALID_PAYLOADS) == set(PAYLOAD_TYPES)
    assert len(PAYLOAD_TYPES) == 22


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'"text"', b"42", b"{broken", b"\xff\xfe{}", b""],
)
def test_anything_but_a_json_object_is_malformed(raw):
    assert verdict(raw) == "malformed_json"


@pytest.mark.parametrize(
    "change",
    [
        {"event_id": ""},
        {"event_id": "-starts-with-dash"},
        {"event_id": "has space"},
        {"event_id": "x" * 129},
        {"schema_version": "1"},
        {"occurred_at": "2026-03-02T09:00:00"},  # no offset
        {"occurred_at": "2026-03-02T09:00:00+0900"},  # offset without a colon
        {"occurred_at": "2026-02-30T09:00:00+09:00"},  # no such day
        {"occurred_at": "2026-03-02"},
        {"source": 7},
        {"subject_id": None},
        {"payload": []},
        {"extra": 1},
    ],
)
def test_envelope_errors_are_schema_invalid(change):
    assert verdict(event("GrantAwarded", **change)) == "schema_invalid"


def test_missing_envelope_field_is_schema_invalid():
    message = event("GrantAwarded")
    del message["source"]
    assert verdict(message) == "schema_invalid"


def test_128_character_ids_are_allowed():
    assert verdict(event("GrantAwarded", event_id="A" * 128)) == "ok"


@pytest.mark.parametrize("change", [{"event_type": "GrantInvented"}, {"schema_version": 2}])
def test_unknown_type_or_version(change):
    assert verdict(event("GrantAwarded", **change)) == "unknown_event_type"


@pytest.mark.parametrize(
    "update",
    [
        {"annual_amount_krw": -1},
        {"annual_amount_krw": 10**16},
        {"annual_amount_krw": 1.5},
        {"annual_amount_krw": True},
        {"program": "giant"},
        {"start_on": "2026-02-30"},
        {"start_on": "20260301"},
        {"unknown": 1},
    ],
)
def test_payload_errors_are_schema_invalid(update):
    assert verdict(event("GrantAwarded", payload_update=update)) == "schema_invalid"


def test_year_bounds():
    assert (
        verdict(event("FacultyCensusReported", payload_update={"year": 1999})) == "schema_invalid"
    )
    assert (
        verdict(event("FacultyCensusReported", payload_update={"year": 2101})) == "schema_invalid"
    )
    assert verdict(event("FacultyCensusReported", payload_update={"year": 2100})) == "ok"


def test_grant_amended_needs_one_of_its_optional_fields():
    assert verdict(event("GrantAmended", payload={"reason": "nothing"})) == "schema_invalid"
    amount_only = {"reason": "x", "annual_amount_krw": 5}
    assert verdict(event("GrantAmended", payload=amount_only)) == "ok"


def test_length_limits_count_code_points():
    title = "가" * 300
    ok = event("RepresentativeResultSubmitted", payload_update={"title": title})
    too_long = event("RepresentativeResultSubmitted", payload_update={"title": title + "가"})
    assert verdict(ok) == "ok"
    assert verdict(too_long) == "schema_invalid"


@pytest.mark.parametrize(
    "value",
    [
        "contact me at kim.minsu@example.ac.kr",
        "900101-1234567",
        "9001011234567",
        "010-1234-5678",
        "01012345678",
        "011-123-4567",
    ],
)
def test_personal_data_in_free_text_is_refused(value):
    message = event("GrantAmended", payload={"reason": value, "end_on": "2030-02-28"})
    assert verdict(message) == "pii_detected"


def test_personal_data_in_ids_is_refused():
    assert verdict(event("ResearcherRegistered", "R-010-1234-5678")) == "pii_detected"
    bad_list = {"representative_result_ids": ["RR-1", "900101-1234567"]}
    assert verdict(event("InstituteEvaluated", payload_update=bad_list)) == "pii_detected"


@pytest.mark.parametrize(
    "value", ["G-2026-00012345678901234", "R90010112345678", "X10101234567890"]
)
def test_long_numeric_ids_are_not_phone_or_resident_numbers(value):
    assert verdict(event("ResearcherRegistered", value)) == "ok"


def test_messages_name_the_field_but_never_quote_the_value():
    with pytest.raises(ContractViolation) as caught:
        parse_payload(
            parse_envelope(line(event("GrantAwarded", payload_update={"program": "SECRET"})))
        )
    assert "payload.program" in caught.value.message
    assert "SECRET" not in caught.value.message
    with pytest.raises(ContractViolation) as caught:
        check_pii_of(event("GrantAmended", payload={"reason": "a@b.kr", "end_on": "2030-01-01"}))
    assert "payload.reason" in caught.value.message
    assert "a@b.kr" not in caught.value.message


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("event_id", "E 1", "event_id: expected 1-128 of A-Z a-z 0-9 . _ : -, starting with"),
        ("occurred_at", "2026-03-02T09:00:00", "occurred_at: expected an RFC 3339 date-time"),
        ("subject_id", "-R1", "subject_id: expected 1-128 of A-Z a-z 0-9"),
    ],
)
def test_a_value_in_the_wrong_format_is_told_the_format_wanted(field, value, said):
    """The sender learns what to send, not that a regex did not match."""
    with pytest.raises(ContractViolation) as caught:
        parse_envelope(line(event("ResearcherDeparted", **{field: value})))
    assert caught.value.message.startswith(said)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("FY2026", "ok"), ("FY2025", "schema_invalid"), ("X", "schema_invalid")],
)
def test_a_budget_is_about_the_fiscal_year_its_subject_names(subject, expected):
    """event-contract.md: RnDBudgetEnacted [FY<year>]. Another subject was
    accepted and counted as that year's budget, under a name of its own."""
    assert verdict(event("RnDBudgetEnacted", subject)) == expected  # fiscal_year 2026


def test_payload_given_twice_is_refused_with_its_name_escaped_too():
    escaped = line(event("ResearcherDeparted")).replace(
        b'"payload":', b'"p\\u0061yload":{"effective_on":"2026-01-01"},"payload":'
    )
    assert b"p\\u0061yload" in escaped and verdict(escaped) == "schema_invalid"


@pytest.mark.parametrize(
    ("hires", "expected"), [(10**9, "ok"), (10**9 + 1, "schema_invalid"), (2**63, "schema_invalid")]
)
def test_counts_are_at_most_a_billion(hires, expected):
    """A count of 2^63 was accepted, then every indicator of the ledger stopped
    (Polars reads counts as 64-bit integers): one message broke them all."""
    message = event("SpecialHiringCompleted", payload_update={"hires": hires})
    assert verdict(message) == expected


def test_a_string_holding_nul_is_refused_and_a_written_backslash_u_is_not():
    """PostgreSQL cannot hold U+0000 in text: verify could not read the fact."""
    nul = event("RepresentativeResultSubmitted", payload_update={"title": "x\u0000"})
    assert b"\\u0000" in line(nul) and verdict(nul) == "schema_invalid"
    written = event("RepresentativeResultSubmitted", payload_update={"title": "C:\\u0000"})
    assert verdict(written) == "ok"


def test_an_oversized_message_is_not_decoded_whole_to_name_it(monkeypatch):
    """Decoding a 98 MB line whole, only to name it in its rejection, took 2 GB."""
    import msgspec

    from contract import validation

    def bounded(data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        assert len(data) <= validation.MAX_MESSAGE_BYTES, "decoded whole"
        return msgspec.json.decode(data, *args, **kwargs)

    monkeypatch.setattr(validation.msgspec.json, "decode", bounded)
    head = b'{"event_id":"E1","event_type":"GrantAwarded","source":"NRF","subject_id":"G1",'
    huge = head + b'"x":[' + b"1," * 400_000 + b"1]}"
    assert readable_envelope(huge) == {
        "event_id": "E1",
        "event_type": "GrantAwarded",
        "source": "NRF",
        "subject_id": "G1",
    }


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b"1]}", "schema_invalid"),  # one object, only too large
        (b"1", "malformed_json"),  # cut off
        (b"1]} trailing", "malformed_json"),
        (b'"\xff"]}', "malformed_json"),  # not UTF-8
    ],
)
def test_an_oversized_line_that_is_not_json_is_malformed_first(tail, expected):
    """The contract's order: (1) malformed_json before (2) the envelope, the
    size limit included; a line that is not JSON names no event either."""
    head = b'{"event_id":"E1","event_type":"GrantAwarded","source":"NRF","subject_id":"G1",'
    huge = head + b'"x":[' + b"1," * 40_000 + tail
    assert verdict(huge) == expected
    assert bool(screen(huge).readable) == (expected == "schema_invalid")
    assert verdict(b"x" * 70_000) == "malformed_json"


def test_an_unknown_field_named_like_an_email_with_a_hidden_character_is_redacted():
    """Escaped after redacting, "john.doe\u200b@example.com" came out readable."""
    message = event("GrantAwarded", payload_update={"john.doe\u200b@example.com": 1})
    with pytest.raises(ContractViolation) as caught:
        parse_payload(parse_envelope(line(message)))
    assert "example.com" not in caught.value.message


def test_an_unknown_field_named_like_an_email_is_redacted():
    message = event("GrantAwarded", payload_update={"kim@example.com": 1})
    with pytest.raises(ContractViolation) as caught:
        parse_payload(parse_envelope(line(message)))
    assert "kim@example.com" not in caught.value.message


def check_pii_of(message: dict) -> None:
    raw = line(message)
    envelope = parse_envelope(raw)
    check_pii(envelope, parse_payload(envelope), raw)


def test_readable_envelope_keeps_ids_but_not_personal_data():
    raw = orjson.dumps({"event_id": "E1", "source": "010-1234-5678", "payload": 3})
    assert readable_envelope(raw) == {"event_id": "E1"}
    assert readable_envelope(b"garbage") == {}


def test_occurred_at_is_compared_as_an_instant():
    assert utc_instant("2026-03-02T09:00:00+09:00") == "2026-03-02T00:00:00.000000000Z"
    assert utc_instant("2026-03-02T00:00:00Z") == utc_instant("2026-03-02T09:00:00+09:00")
    assert utc_instant("2026-03-01T23:00:00.5-01:00") == "2026-03-02T00:00:00.500000000Z"
    assert utc_instant("2026-01-01t08:59:59.123456789+09:00") == "2025-12-31T23:59:59.123456789Z"
    # Python's datetime keeps six digits: these two must not tie.
    later, earlier = "2026-01-01T00:00:00.0000002Z", "2026-01-01T00:00:00.0000001Z"
    assert utc_instant(later) > utc_instant(earlier)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"event_id":"-x", broken',  # the field fails before the break is reached
        b'{"event_id":"a@b.co", broken',
        b'{"event_id":"A1","x":"\xff"}',  # invalid UTF-8 behind an unknown field
        b'{"event_id":"A1","x":NaN}',
    ],
)
def test_a_line_that_is_not_json_is_malformed_whatever_else_fails_first(raw):
    assert verdict(raw) == "malformed_json"


def with_repeated(name: str, first: str, message: dict) -> bytes:
    """`message` with `"name": first` written before its own copy of the name."""
    raw = line(message)
    return raw.replace(b"{", b'{"' + name.encode() + b'":' + first.encode() + b",", 1)


@pytest.mark.parametrize(
    ("name", "first", "reason"),
    [
        ("subject_id", '"01012345678"', "pii_detected"),  # a copy decoding drops
        ("subject_id", '"kim\\u0040example.com"', "schema_invalid"),  # an id has no "@"
        ("subject_id", '"-bad"', "schema_invalid"),  # every copy is validated
        ("payload", '{"x":1}', "schema_invalid"),  # a first payload nobody would read
        ("payload", "5", "schema_invalid"),
        ("subject_id", '"G0"', "ok"),  # valid copies: the last one is kept
    ],
)
def test_every_copy_of_a_repeated_name_is_checked(name, first, reason):
    assert verdict(with_repeated(name, first, event("GrantAwarded", "G1"))) == reason


@pytest.mark.parametrize("first", [b'"kim@example.com"', b'"kim\\u0040example.com"'])
def test_personal_data_in_a_repeated_payload_field_is_refused(first):
    message = event("GrantAmended", "G1", payload_update={"reason": "x"})
    raw = line(message).replace(b'"reason":"x"', b'"reason":' + first + b',"reason":"x"')
    assert verdict(raw) == "pii_detected"
