"""The published JSON Schema files are the ones the code generates, and they
agree with the validator on valid and invalid messages."""

import json

import jsonschema
import pytest

from contract.payloads import PAYLOAD_TYPES
from contract.schema import SCHEMA_DIR, all_schemas, render
from tests.builders import event


@pytest.mark.parametrize("name", ["envelope", *sorted(PAYLOAD_TYPES)])
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
