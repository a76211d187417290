from uuid import uuid5

import pytest

from domain.base import ID_NAMESPACE, subject_hex, subject_uuid


@pytest.mark.parametrize(
    ("kind", "subject"), [("grant", "G1"), ("institute", "한국과학기술연구원"), ("x", "")]
)
def test_subject_uuid_is_the_standard_uuid5(kind, subject):
    fast = subject_uuid(kind, subject)
    expected = uuid5(ID_NAMESPACE, f"{kind}:{subject}")
    assert fast == expected
    assert (fast.hex, fast.version, str(fast)) == (expected.hex, 5, str(expected))
    assert hash(fast) == hash(expected)
    assert subject_hex(kind, subject) == expected.hex


def test_uuid_from_hex_is_the_standard_uuid():
    from uuid import UUID

    from domain.base import uuid_from_hex

    expected = uuid5(ID_NAMESPACE, "grant:G1")
    fast = uuid_from_hex(expected.hex)
    assert fast == expected == UUID(expected.hex)
    assert (fast.hex, str(fast), hash(fast)) == (expected.hex, str(expected), hash(expected))


def test_an_aggregate_named_by_the_worker_is_the_one_the_ledger_names(tmp_path):
    from domain.ledger import Ledger, subject_key
    from store.url import environment_for

    ledger = Ledger(environment_for(f"sqlite:///{tmp_path / 'ledger.db'}"))
    try:
        named, worked_out = subject_key("GrantAwarded", "G-9"), subject_key("GrantAwarded", "G-8")
        ledger.load_many([(named, subject_uuid("grant", "G-9").hex), (worked_out, "")])
        for key, subject in ((named, "G-9"), (worked_out, "G-8")):
            aggregate = ledger.cache[key]
            assert aggregate.id == subject_uuid("grant", subject)
            assert aggregate.hex_id == aggregate.id.hex
    finally:
        ledger.close()
