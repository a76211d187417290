"""Contract rule 5, same-source ordering: an event that needs an earlier one
needs it from its own source. Under the shipped policy one agency emits both;
these tests use a policy that lets NRF and MSIT both run grants, researchers
and AI centres. Runs on SQLite and PostgreSQL."""

import pytest

from consumers.intake import Intake
from contract.policy import AuthorizationPolicy, load_policy
from domain.ledger import Ledger
from tests.builders import event, retraction
from tests.integration.helpers import history, reasons, send

SHARED = (
    "GrantAwarded",
    "GrantAmended",
    "GrantFundsDisbursed",
    "GrantTerminated",
    "StageEvaluationHeld",
    "ResearcherRegistered",
    "ResearcherPositionChanged",
    "ResearcherDeparted",
    "AICenterDesignated",
    "AIResearchersTrained",
)


@pytest.fixture
def shared(ledger: Ledger) -> Intake:
    emitters = dict(load_policy().emitters)
    emitters.update({event_type: frozenset({"NRF", "MSIT"}) for event_type in SHARED})
    return Intake(ledger, AuthorizationPolicy(emitters))


def award(subject: str, source: str, annual: int = 10) -> dict:
    return event(
        "GrantAwarded", subject, source=source, payload_update={"annual_amount_krw": annual}
    )


def paid(subject: str, source: str, amount: int) -> dict:
    return event(
        "GrantFundsDisbursed", subject, source=source, payload_update={"amount_krw": amount}
    )


def test_another_sources_award_does_not_open_the_grant(ledger, shared):
    assert reasons(send(shared, award("G1", "NRF"))) == ["accepted"]
    before = history(ledger)
    (refused,) = send(shared, paid("G1", "MSIT", 5))
    assert (refused.reason, refused.message) == (
        "unknown_subject",
        "subject_id: no GrantAwarded from this source for this subject",  # no value quoted
    )
    assert history(ledger) == before
    # MSIT's refused 5 is no part of NRF's sum: 6 of 10 is within the award.
    assert reasons(send(shared, paid("G1", "NRF", 6))) == ["accepted"]
    assert reasons(send(shared, paid("G1", "NRF", 5))) == ["over_disbursement"]


@pytest.mark.parametrize(
    "dependent",
    ["GrantAmended", "GrantTerminated", "StageEvaluationHeld"],
)
def test_every_event_that_needs_the_award_needs_its_source(ledger, shared, dependent):
    send(shared, award("G1", "NRF"))
    assert reasons(send(shared, event(dependent, "G1", source="MSIT"))) == ["unknown_subject"]
    assert reasons(send(shared, event(dependent, "G1", source="NRF"))) == ["accepted"]


def test_researchers_and_ai_centres_alike(ledger, shared):
    send(shared, event("ResearcherRegistered", "R1", source="NRF"))
    send(shared, event("AICenterDesignated", "AI1", source="MSIT"))
    refused = [
        event("ResearcherPositionChanged", "R1", source="MSIT"),
        event("ResearcherDeparted", "R1", source="MSIT"),
        event("AIResearchersTrained", "AI1", source="NRF"),
    ]
    assert reasons(send(shared, *refused)) == ["unknown_subject"] * 3
    accepted = [
        event("ResearcherPositionChanged", "R1", source="NRF"),
        event("AIResearchersTrained", "AI1", source="MSIT"),
    ]
    assert reasons(send(shared, *accepted)) == ["accepted"] * 2


def test_a_subject_id_names_one_subject_whoever_sends_it(ledger, shared):
    """A second award of one grant id is already_exists from any source: ids
    are the contract's, not each agency's (a decision; rule 5 is silent)."""
    send(shared, award("G1", "NRF"))
    assert reasons(send(shared, award("G1", "MSIT"))) == ["already_exists"]


def test_after_the_award_is_retracted_another_source_may_award_the_grant(ledger, shared):
    first = award("G1", "NRF")
    send(shared, first, paid("G1", "NRF", 8))
    assert reasons(send(shared, retraction(first), award("G1", "MSIT"))) == ["accepted"] * 2
    assert reasons(send(shared, paid("G1", "NRF", 1))) == ["unknown_subject"]
    # NRF's 8 under its retracted award is no part of MSIT's 10.
    assert reasons(send(shared, paid("G1", "MSIT", 10))) == ["accepted"]


def test_replaying_the_history_keeps_each_awards_source(store_url, shared):
    """The source is part of the state the stored events rebuild: a fresh
    ledger on the same store decides as the first one did."""
    send(shared, award("G1", "NRF"))
    again = Ledger(shared.ledger.env)
    try:
        fresh = Intake(again, shared.policy)
        assert reasons(send(fresh, paid("G1", "MSIT", 1))) == ["unknown_subject"]
        assert reasons(send(fresh, paid("G1", "NRF", 1))) == ["accepted"]
    finally:
        again.close()
