"""The contract as JSON Schema (draft 2020-12): one file per event type plus
the envelope, generated from the same msgspec types that validate messages,
so the published schema and the validator cannot drift apart.
"""

import json
from pathlib import Path
from typing import Any

import msgspec

from contract.payloads import PAYLOAD_TYPES, SCHEMA_VERSION
from contract.validation import MAX_MESSAGE_BYTES, YEAR, Envelope

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).with_name("schemas")
BASE_ID = "https://rnd-ledger.example/contract/v1/"
# What JSON Schema cannot say, or says only to validators that check formats.
RULES = (
    f"Beyond the schema, rnd-ledger also refuses (schema_invalid): a message over "
    f"{MAX_MESSAGE_BYTES:,} bytes of UTF-8; an integer written with a fraction or an "
    "exponent (100.0, 1e2: JSON Schema counts them as integers); an impossible date or "
    "date-time (format: date / date-time, checked only by validators told to check formats), "
    "and an occurred_at whose UTC instant falls outside the years 1-9999; a string that ends "
    "in a line feed where a pattern applies (some regex engines let $ match before it); "
    "payload given twice (its name escaped too); an RnDBudgetEnacted whose subject_id is not "
    "FY followed by its payload's fiscal_year. Amounts go up to 10^16 - 1, past 2^53: a "
    "validator that reads numbers as doubles (JavaScript's JSON.parse) sees 10^16 and "
    "refuses it. Refused as malformed_json: a lone UTF-16 surrogate escape "
    "(\\ud800), which is no Unicode text. A name given twice must be valid in every copy; "
    "the last one counts."
)


# Our patterns end in `(?!\n)$` for Python, whose `$` also matches before a
# final newline; in ECMA-262 (JSON Schema's dialect) `$` alone means the end,
# and validators built on RE2 or Go cannot compile a lookahead.
PYTHON_END = "(?!\\n)$"
NOT_YEAR_0 = f"^{YEAR}-"  # a date's year is 0001-9999; no lookahead, for RE2 and Go


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve msgspec's `$defs` references so each file stands alone, and
    write the patterns as portable JSON Schema regexes."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(dict(defs[ref.removeprefix("#/$defs/")]))
            resolved = {
                key: value.replace(PYTHON_END, "$")
                if key == "pattern" and isinstance(value, str)
                else resolve(value)
                for key, value in node.items()
            }
            if resolved.get("format") == "date":  # ajv-formats takes year 0000; we cannot
                resolved["pattern"] = NOT_YEAR_0
            return resolved
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


def envelope_schema() -> dict[str, Any]:
    schema = _inline(msgspec.json.schema(Envelope))
    schema["properties"]["payload"] = {"type": "object"}
    occurred_at = schema["properties"]["occurred_at"]
    occurred_at.update(description="RFC 3339 timestamp with offset", format="date-time")
    schema["additionalProperties"] = False
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + "envelope.json",
        "title": "Envelope",
        "description": RULES,
        **schema,
    }


def event_schema(event_type: str) -> dict[str, Any]:
    payload = _inline(msgspec.json.schema(PAYLOAD_TYPES[event_type]))
    payload["additionalProperties"] = False
    if event_type == "GrantAmended":
        # Each branch names what it requires among its properties, so that
        # validators in strict mode (Ajv's strictRequired) compile it.
        payload["anyOf"] = [
            {"properties": {name: True}, "required": [name]}
            for name in ("end_on", "annual_amount_krw")
        ]
    envelope = envelope_schema()
    for key in ("$schema", "$id", "title"):
        envelope.pop(key)
    if event_type == "RnDBudgetEnacted":  # that the year is the payload's, the schema cannot say
        envelope["properties"]["subject_id"] = {"type": "string", "pattern": f"^FY{YEAR}$"}
    envelope["properties"]["event_type"] = {"const": event_type}
    envelope["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    envelope["properties"]["payload"] = payload
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + f"{event_type}.json",
        "title": event_type,
        **envelope,
    }


def message_schema() -> dict[str, Any]:
    """Any contract message: exactly one event type's schema matches."""
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + "message.json",
        "title": "Any contract message",
        "description": RULES,
        "oneOf": [{"$ref": f"{name}.json"} for name in sorted(PAYLOAD_TYPES)],
    }


def bundled_schema() -> dict[str, Any]:
    """`message` with every schema it refers to inside it (`rnd-ledger schema`
    without an event type): one file a validator can use on its own."""
    schemas = all_schemas()
    return {**schemas.pop("message"), "$defs": schemas}


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every published schema by name: the envelope, one per event type, and
    `message` (any of them), which refers to the others by their ids."""
    schemas = {"envelope": envelope_schema()}
    schemas.update({name: event_schema(name) for name in sorted(PAYLOAD_TYPES)})
    schemas["message"] = message_schema()
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = directory / f"{name}.json"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas():
        print(written_path)
