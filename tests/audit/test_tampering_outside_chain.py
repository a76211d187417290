"""Tampering the hash chain alone does not show, which the ledger still acts on:
an originator_id spelt another way. It left verify at "OK" before it was checked."""

import pytest

from consumers.intake import Intake
from contract.policy import load_policy
from rnd_ledger.bootstrap import open_ledger
from tests.audit.helpers import build_sealed, execute, fetch_state
from tests.audit.test_tampering import check, first_failure
from tests.builders import event
from tests.integration.helpers import reasons, send


@pytest.mark.parametrize(
    "respelt",
    ["upper(originator_id)", "substr(originator_id, 1, 16) || ' ' || substr(originator_id, 17)"],
)
def test_originator_id_spelt_another_way_fails(sqlite_url, respelt, request):
    """Same 16 bytes, so the same hash, but the ledger looks ids up as
    lowercase text: it would no longer find the subject's events (SQLite only:
    PostgreSQL stores a uuid, which has one form)."""
    ledger = open_ledger(sqlite_url)
    request.addfinalizer(ledger.close)
    build_sealed(ledger, Intake(ledger, load_policy()))
    assert b'"R6"' in fetch_state(sqlite_url, 7)
    execute(sqlite_url, f"UPDATE {{t}} SET originator_id = {respelt} WHERE {{pos}} = 7")
    result = check(sqlite_url)
    assert first_failure(result).startswith("FAILED at position 7: originator_id '")
    assert "is not 32 hex digits in lowercase" in first_failure(result)
    assert "seal 2 at position 10 covering positions 1-9: not checked" in result.failures[1].message
    # why it matters: a ledger that has not cached R6 finds no registration for it
    fresh = open_ledger(sqlite_url)
    request.addfinalizer(fresh.close)
    registered_again = send(Intake(fresh, load_policy()), event("ResearcherRegistered", "R6"))
    assert reasons(registered_again) == ["accepted"]
