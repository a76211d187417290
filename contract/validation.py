"""Checks (1), (2), (4), (5) and (6) of the contract's order of checks.

Duplicate detection (3) needs the ledger and authorization (7) the policy, so
the intake pipeline runs those between the steps here.
"""

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

import msgspec

from contract.json_text import every_string, names_payload_twice, not_a_json_object, well_formed
from contract.payloads import PAYLOAD_TYPES, SCHEMA_VERSION, GrantAmended, RnDBudgetEnacted
from contract.pii import contains_pii, iter_strings, may_hold_pii, redact
from contract.types import ID_PATTERN, Id

# Raised by msgspec for input it cannot read at all: invalid UTF-8 in a string,
# or nesting deeper than the interpreter's recursion limit.
UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
# RFC 3339 date-time with an offset, field ranges included (hours 00-23,
# minutes and offset minutes 00-59), so a JSON Schema validator refuses what
# we refuse; no leap second (:60): a UTC instant cannot be computed for it;
# no year 0000, which RFC 3339 allows and ajv-formats takes, and Python has not
# (written without a lookahead, which RE2 and Go validators cannot compile).
YEAR = "([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
RFC3339 = (
    r"^" + YEAR + "-"
    r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])(?!\n)$"
)
# What each pattern asks for, in words for the sender (the regex is no help there).
FORMATS = {
    ID_PATTERN: "1-128 of A-Z a-z 0-9 . _ : -, starting with a letter or digit",
    RFC3339: "an RFC 3339 date-time with an offset, e.g. 2026-03-02T09:00:00+09:00",
}
FRACTION = re.compile(r"\.(\d+)")  # of seconds; RFC3339 allows one "." only there
MAX_MESSAGE_BYTES = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"


class ContractViolation(Exception):
    """A message breaks the contract; `reason` is the contract's reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Envelope(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    event_id: Id
    event_type: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    schema_version: int
    occurred_at: Annotated[str, msgspec.Meta(pattern=RFC3339)]
    source: Id
    subject_id: Id
    payload: msgspec.Raw


_envelope_decoder = msgspec.json.Decoder(Envelope)
_payload_decoders = {name: msgspec.json.Decoder(cls) for name, cls in PAYLOAD_TYPES.items()}
_AT_PATH = re.compile(r"^(?P<text>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def describe(error: msgspec.ValidationError, prefix: str) -> str:
    """Turn msgspec's error into a message that names the field, never its value."""
    match = _AT_PATH.match(str(error))
    assert match is not None
    text, path = match["text"], match["path"] or ""
    if text.startswith("Invalid enum value"):
        text = "is not one of the allowed values"
    elif "matching regex" in text:
        expected, _, regex = text.partition(" matching regex ")
        text = f"{expected} in the allowed format"
        # msgspec writes the regex with its backslashes doubled
        if (shape := FORMATS.get(regex.strip("'").replace("\\\\", "\\"))) is not None:
            text = f"expected {shape}"
    elif text.startswith("Invalid RFC3339"):
        text = "is not a valid " + text.removeprefix("Invalid RFC3339 encoded ")
    field = (prefix + path).lstrip(".") or "message"
    # Escaped first: an escape spelt out (\\u200b) may join what looks like personal data.
    return redact(printable(f"{field}: {text}"))[:300]


def printable(text: str) -> str:
    """Control characters (e.g. a terminal escape in an unknown field's name) as
    \\uXXXX, so a rejection message printed by `rnd-ledger rejections` or
    `publish` cannot drive the operator's terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def parse_envelope(raw: bytes) -> Envelope:
    """Checks (1) malformed_json and (2) the envelope's schema. A UTF-8 byte
    order mark before the JSON (Windows tools write one at the start of a
    file) is ignored, as RFC 8259 allows; the SHA-256 stays that of the bytes
    received."""
    raw = raw.removeprefix(UTF8_BOM)
    if len(raw) > MAX_MESSAGE_BYTES:  # a decision: never decoded, only checked for (1)
        if problem := not_a_json_object(raw):
            raise ContractViolation("malformed_json", problem)
        raise ContractViolation(
            "schema_invalid", f"message: {len(raw)} bytes, over the {MAX_MESSAGE_BYTES}-byte limit"
        )
    if not raw.lstrip()[:1] == b"{":
        raise ContractViolation("malformed_json", "message: not a JSON object")
    try:
        envelope = _envelope_decoder.decode(raw)
    except msgspec.ValidationError as error:
        if not well_formed(raw):  # a field failed before the decoder reached the break
            raise ContractViolation("malformed_json", "message: not valid JSON") from None
        raise ContractViolation("schema_invalid", describe(error, "")) from None
    except UNREADABLE:
        raise ContractViolation("malformed_json", "message: not valid JSON") from None
    try:
        raw.decode("utf-8")  # the payload is skipped above, not yet checked
    except UnicodeDecodeError:
        raise ContractViolation("malformed_json", "message: not valid UTF-8") from None
    if names_payload_twice(raw):
        raise ContractViolation("schema_invalid", "payload: given twice; a message has one")
    if (
        raw.find(b"\\") >= 0  # one byte first: 0.05 against 0.33 µs per message
        and raw.find(b"\\u0000") >= 0
        and any("\x00" in text for text in every_string(raw))
    ):
        # PostgreSQL's text and JSON functions cannot hold it: verify could no
        # longer read the fact, for good (history is never edited).
        raise ContractViolation(
            "schema_invalid", "message: a string holds U+0000 (NUL), which the stores cannot keep"
        )
    if memoryview(envelope.payload)[:1] != b"{":  # the envelope's schema: an object
        raise ContractViolation("schema_invalid", "payload: expected an object")
    try:
        in_utc(envelope.occurred_at)  # years 1 and 9999 can overflow in UTC
    except (ValueError, OverflowError):
        raise ContractViolation("schema_invalid", "occurred_at: is not a valid date-time") from None
    return envelope


def parse_payload(envelope: Envelope) -> dict[str, Any]:
    """Checks (4) unknown_event_type and (5) the payload's schema."""
    decoder = _payload_decoders.get(envelope.event_type)
    if decoder is None or envelope.schema_version != SCHEMA_VERSION:
        raise ContractViolation(
            "unknown_event_type",
            "event_type: not in the contract"
            if decoder is None
            else "schema_version: not in the contract",
        )
    try:
        payload = decoder.decode(envelope.payload)
    except msgspec.ValidationError as error:
        raise ContractViolation("schema_invalid", describe(error, "payload")) from None
    except UNREADABLE:  # pragma: no cover - the envelope decoded it already
        raise ContractViolation("malformed_json", "payload: not valid JSON") from None
    if (
        isinstance(payload, GrantAmended)
        and payload.end_on is payload.annual_amount_krw is msgspec.UNSET
    ):
        raise ContractViolation("schema_invalid", "payload: needs end_on or annual_amount_krw")
    if isinstance(payload, RnDBudgetEnacted) and envelope.subject_id != f"FY{payload.fiscal_year}":
        # The contract names the subject FY<year>; another would be a second
        # budget year of the same fiscal year, or a year under a wrong name.
        raise ContractViolation(
            "schema_invalid", "subject_id: must be FY followed by payload.fiscal_year (e.g. FY2026)"
        )
    return msgspec.to_builtins(payload)


def check_pii(envelope: Envelope, payload: dict[str, Any], raw: bytes) -> None:
    """Check (6): no string value may look like personal data, in any copy of
    a name given twice either. The common clean message is settled by one scan
    of its whole text (`raw`, which holds every value as written; an escape
    such as \u0040 could hide one, so a line with one is looked at closely)."""
    if not may_hold_pii(raw):
        return
    fields = [
        ("event_id", envelope.event_id),
        ("event_type", envelope.event_type),
        ("occurred_at", envelope.occurred_at),
        ("source", envelope.source),
        ("subject_id", envelope.subject_id),
        *iter_strings(payload, "payload"),
    ]
    path = next((path for path, value in fields if contains_pii(value)), None)
    if path is None and any(contains_pii(value) for value in every_string(raw)):
        path = "message"  # in a copy of a name given twice, which decoding drops
    if path is not None:
        raise ContractViolation(
            "pii_detected", f"{path}: looks like personal data (value withheld)"
        )


@lru_cache(maxsize=1)  # parse_envelope, then utc_instant, ask for the same one
def in_utc(occurred_at: str) -> datetime:
    occurred = datetime.fromisoformat(occurred_at.upper())
    if occurred.tzinfo is None:  # the envelope's pattern requires an offset
        raise ValueError("no offset")
    return occurred.astimezone(UTC)


def utc_instant(occurred_at: str) -> str:
    """occurred_at as a UTC string that sorts in time order (for latest-report-wins).

    Every fraction digit given is kept, up to RFC 3339's nine: Python's
    datetime keeps six, and two reports 100 ns apart would tie. Offsets are
    whole minutes, so the fraction is the same in UTC."""
    seconds = in_utc(occurred_at).isoformat()[:19]  # YYYY-MM-DDTHH:MM:SS, in UTC
    if "." not in occurred_at:  # the common case, without the regex
        return seconds + ".000000000Z"
    fraction = FRACTION.search(occurred_at)
    return f"{seconds}.{fraction[1] if fraction else '':0<9}Z"


def readable_envelope(raw: bytes) -> dict[str, str]:
    """Best-effort event_id, event_type, source and subject_id of a rejected message.

    Only short, printable strings that do not look like personal data are kept.
    A message over the size limit is read only that far (its envelope comes
    first in practice): decoding a 98 MB line whole took 2 GB.
    """
    raw = raw.removeprefix(UTF8_BOM)
    if len(raw) > MAX_MESSAGE_BYTES:
        return readable_head(raw[:MAX_MESSAGE_BYTES])
    try:
        document = msgspec.json.decode(raw)
    except UNREADABLE:
        return {}
    if not isinstance(document, dict):
        return {}
    return readable_fields(document)


def readable_fields(document: dict[str, Any]) -> dict[str, str]:
    kept = {}
    for key in ("event_id", "event_type", "source", "subject_id"):
        value = document.get(key)
        if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable():
            if not contains_pii(value):
                kept[key] = value
    return kept


# A top-level-looking "name": "plain string" pair, for a message too big to decode.
HEAD_FIELD = re.compile(rb'"(event_id|event_type|source|subject_id)"\s*:\s*"([^"\\]{1,128})"')


def readable_head(head: bytes) -> dict[str, str]:
    """The envelope's ids found in the first bytes of an oversized message
    (the first copy of each; escapes are not read, as for a best effort)."""
    found: dict[str, Any] = {}
    for match in HEAD_FIELD.finditer(head):
        name, value = match[1].decode(), match[2].decode("utf-8", "replace")
        found.setdefault(name, value)
    return readable_fields(found)
