"""The published JSON Schema files are the ones the code generates, and they
agree with the validator on valid and invalid messages."""

import json

import jsonschema
import pytest

from contract.payloads import PAYLOAD_TYPES
from contract.schema import SCHEMA_DIR, all_schemas, render
from tests.builders import event


@pytest.mark.parametrize("name", ["envelope", "message", *sorted(PAYLOAD_TYPES)])
def test_committed_schema_matches_the_code(name):
    assert (SCHEMA_DIR / f"{name}.json").read_text() == render(all_schemas()[name])


@pytest.mark.parametrize("event_type", sorted(PAYLOAD_TYPES))
def test_valid_examples_pass_the_published_schema(event_type):
    schema = json.loads((SCHEMA_DIR / f"{event_type}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(event(event_type), schema, cls=jsonschema.Draft202012Validator)


def test_invalid_examples_fail_the_published_schema():
    schema = json.loads((SCHEMA_DIR / "GrantAwarded.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid(event("GrantAwarded", payload_update={"program": "x"}))
    assert not validator.is_valid(event("GrantAwarded", payload_update={"extra": 1}))
    assert not validator.is_valid(event("GrantAwarded", event_id="bad id"))


def test_the_schema_of_any_message_takes_exactly_one_event_type(capsys):
    from rnd_ledger.cli import main

    assert main(["schema"]) == 0
    bundled = json.loads(capsys.readouterr().out)
    validator = jsonschema.Draft202012Validator(
        bundled, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for event_type in PAYLOAD_TYPES:
        assert validator.is_valid(event(event_type)), event_type
    assert not validator.is_valid(event("GrantAwarded", event_type="Nope"))
    assert not validator.is_valid({**event("GrantAwarded"), "payload": None})
    assert not validator.is_valid({})  # it printed only "$defs" once: everything passed
    occurred_at = bundled["$defs"]["envelope"]["properties"]["occurred_at"]
    assert occurred_at["format"] == "date-time"  # 30 February, for validators that check


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"occurred_at": "2026-03-02T25:00:00+09:00"}, "hour 25"),
        ({"occurred_at": "2026-03-02T09:00:00+09:99"}, "offset minute 99"),
        ({"payload": None}, "a payload that is no object"),
    ],
)
def test_schema_and_validator_refuse_alike(changes, reason):
    """Found by differential testing against python-jsonschema (whose `$` also
    matches before a final newline, as msgspec's did)."""
    from contract.screen import screen
    from tests.builders import line

    message = {**event("ResearcherDeparted", "R1"), **changes}
    schema = json.loads((SCHEMA_DIR / "ResearcherDeparted.json").read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert not validator.is_valid(message), reason
    screened = screen(line(message))
    assert "schema_invalid" in (screened.envelope_reason, screened.payload_reason), reason


@pytest.mark.parametrize(
    "changes",
    [{"occurred_at": "0000-01-01T00:00:00Z"}, {"payload": {"effective_on": "0000-01-01"}}],
)
def test_year_0000_is_refused_by_the_schema_alone(changes):
    """RFC 3339 allows year 0000 and ajv-formats takes it; the validator cannot
    (Python has no year 0), so the schema's patterns say so, for validators
    that check no formats too. Found by differential testing against ajv."""
    from contract.screen import screen
    from tests.builders import line

    message = {**event("ResearcherDeparted", "R1"), **changes}
    schema = json.loads((SCHEMA_DIR / "ResearcherDeparted.json").read_text())
    assert not jsonschema.Draft202012Validator(schema).is_valid(message)
    screened = screen(line(message))
    assert "schema_invalid" in (screened.envelope_reason, screened.payload_reason)


def test_no_published_pattern_needs_a_lookahead():
    """RE2 and Go validators cannot compile one: the whole schema stays portable."""
    for path in SCHEMA_DIR.glob("*.json"):
        assert "(?" not in path.read_text(), path.name


def test_an_id_with_a_final_newline_is_refused_and_the_schema_stays_portable():
    """Python's `$` matched before a final newline ("R1\\n" was a new subject);
    the published pattern keeps ECMA-262's plain `$` (no lookahead: RE2 and Go
    validators cannot compile one), which already means the very end there."""
    import re

    from contract.screen import screen
    from tests.builders import line

    screened = screen(line({**event("ResearcherDeparted", "R1"), "subject_id": "R1\n"}))
    assert screened.envelope_reason == "schema_invalid"
    schema = json.loads((SCHEMA_DIR / "ResearcherDeparted.json").read_text())
    pattern = schema["properties"]["subject_id"]["pattern"]
    assert "(?" not in pattern and pattern.endswith("$")
    assert re.search(pattern.removesuffix("$") + r"\Z", "R1\n") is None  # as ECMA reads it


def test_every_required_name_is_among_its_schema_objects_properties():
    """Ajv in strict mode (strictRequired) refuses to compile a `required`
    whose names its own object's `properties` does not list: GrantAmended's
    anyOf did so. Checked by hand with Ajv 8; this holds the rule."""

    def walk(node):  # noqa: ANN001, ANN202
        if isinstance(node, dict):
            if "required" in node:
                assert set(node["required"]) <= set(node.get("properties", {})), node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in SCHEMA_DIR.glob("*.json"):
        walk(json.loads(path.read_text()))
