"""What msgspec's typed decoding does not say about the JSON text itself.

msgspec decodes and validates in one pass, so in a line that is broken further
on, a field that fails validation is reported first; the contract's order
says a line that is not JSON is `malformed_json` whatever else is wrong with
it (`well_formed`, asked only when validation failed).

JSON leaves a name repeated within one object undefined (RFC 8259: names
SHOULD be unique); decoders keep the last copy. msgspec validates every copy
of a typed field as it goes, but the PII guard reads the decoded values, so
it looks at every string of the text when the cheap scan of the whole line
finds something (`every_string`), and a second `payload` (whose first copy
nobody would read) is refused (`names_payload_twice`).
"""

import json
from typing import Any

import msgspec


def well_formed(raw: bytes) -> bool:
    """Whether `raw` is JSON text (UTF-8, no NaN or Infinity)."""
    try:
        json.loads(raw, parse_constant=_refuse)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return False
    return True


class _Outline(msgspec.Struct):
    """Any JSON object, its members skipped over (checked, never built)."""


_OUTLINE = msgspec.json.Decoder(_Outline)


def not_a_json_object(raw: bytes) -> str | None:
    """Why `raw` is not one JSON object (the text of its `malformed_json`),
    or None. For a message too large to decode: its members are only skipped
    over, never built (a 12 MB object of a million members: 0 against 128 MB
    as a dict of raw values), so a line of many megabytes costs no more memory
    than its bytes (and the UTF-8 check, which skipping leaves out)."""
    if raw.lstrip()[:1] != b"{":
        return "message: not a JSON object"
    try:
        _OUTLINE.decode(raw)
        raw.decode("utf-8")
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return "message: not valid JSON"
    except UnicodeDecodeError:
        return "message: not valid UTF-8"
    return None


def is_json_object(raw: bytes) -> bool:
    """Whether `raw` is one JSON object as PostgreSQL's json functions read it:
    numbers of any size (orjson refuses 1e400), no NaN or Infinity."""
    try:
        return isinstance(json.loads(raw, parse_constant=_refuse), dict)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return False


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def names_payload_twice(raw: bytes) -> bool:
    """Whether the outermost object of `raw` (well-formed) has two `payload`s.
    Cheap first: the text "payload" in quotes occurs once in almost every line,
    unless a name is written with escapes ("p\\u0061yload" is "payload" too;
    a letter's escape starts \\u00, which Korean text's escapes never do)."""
    if raw.count(b'"payload"') < 2 and (raw.find(b"\\") < 0 or raw.find(b"\\u00") < 0):
        return False  # one byte sought first (memchr): most lines have no backslash
    outer = json.loads(raw, object_pairs_hook=lambda items: items)
    return sum(1 for name, _ in outer if name == "payload") > 1


def every_string(raw: bytes) -> list[str]:
    """Every string value in `raw` (well-formed), every copy of a repeated name
    included, escapes decoded."""
    found: list[str] = []
    _strings(json.loads(raw, object_pairs_hook=lambda items: items), found)
    return found


def _strings(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, list):  # an array, or an object's (name, value) pairs
        for item in value:
            _strings(item[1] if isinstance(item, tuple) else item, found)
