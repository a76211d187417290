"""A small input every command-line test can start from."""

import pytest

from tests.builders import event, jsonl


@pytest.fixture
def sample_file(tmp_path):
    messages = [event("ResearcherRegistered", "R1"), event("GrantAwarded", "G1")]
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(messages) + b"not json\n" + jsonl(messages[:1]))
    return path
