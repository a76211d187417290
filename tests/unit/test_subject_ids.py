from uuid import uuid5

import pytest

from domain.base import ID_NAMESPACE, subject_uuid


@pytest.mark.parametrize(
    ("kind", "subject"), [("grant", "G1"), ("institute", "한국과학기술연구원"), ("x", "")]
)
def test_subject_uuid_is_the_standard_uuid5(kind, subject):
    fast = subject_uuid(kind, subject)
    expected = uuid5(ID_NAMESPACE, f"{kind}:{subject}")
    assert fast == expected
    assert (fast.hex, fast.version, str(fast)) == (expected.hex, 5, str(expected))
    assert hash(fast) == hash(expected)
