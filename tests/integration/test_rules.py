"""Every reason code of the contract: the offending message gets its code,
and nothing else in the ledger changes. Runs on SQLite and PostgreSQL."""

import pytest

from tests.builders import event, retraction
from tests.integration.helpers import history, reasons, rejection_count, send

AWARD = {"program": "basic_small", "start_on": "2026-03-01", "end_on": "2031-02-28"}


def rejected_alone(ledger, intake, message, expected: str) -> None:
    """Send `message`, expect `expected`, and check only a rejection was added."""
    before, rejected_before = history(ledger), rejection_count(ledger)
    position_before = ledger.position()
    assert reasons(send(intake, message)) == [expected]
    assert history(ledger) == before
    assert rejection_count(ledger) == rejected_before + 1
    assert ledger.position() == position_before + 1


def test_malformed_json(ledger, intake):
    rejected_alone(ledger, intake, b'{"event_id": "E1",', "malformed_json")


def test_schema_invalid(ledger, intake):
    message = event("GrantAwarded", payload_update={"annual_amount_krw": "lots"})
    rejected_alone(ledger, intake, message, "schema_invalid")


def test_unknown_event_type(ledger, intake):
    rejected_alone(
        ledger, intake, event("GrantAwarded", event_type="GrantGiven"), "unknown_event_type"
    )


def test_unauthorized_source(ledger, intake):
    rejected_alone(ledger, intake, event("GrantAwarded", source="MOE"), "unauthorized_source")


def test_pii_detected(ledger, intake):
    message = event(
        "InstituteRegistered", payload={"name_ko": "김민수 010-1234-5678", "name_en": "X"}
    )
    rejected_alone(ledger, intake, message, "pii_detected")


@pytest.mark.parametrize(
    ("event_type", "subject"),
    [
        ("GrantAmended", "G9"),
        ("GrantFundsDisbursed", "G9"),
        ("GrantTerminated", "G9"),
        ("StageEvaluationHeld", "G9"),
        ("ResearcherPositionChanged", "R9"),
        ("ResearcherDeparted", "R9"),
        ("AIResearchersTrained", "C9"),
    ],
)
def test_unknown_subject(ledger, intake, event_type, subject):
    rejected_alone(ledger, intake, event(event_type, subject), "unknown_subject")


def test_retraction_of_an_unknown_event_is_unknown_subject(ledger, intake):
    ghost = event("GrantAwarded", "G1")
    rejected_alone(ledger, intake, retraction(ghost), "unknown_subject")


def test_retraction_about_another_subject_is_unknown_subject(ledger, intake):
    award = event("GrantAwarded", "G1")
    assert reasons(send(intake, award)) == ["accepted"]
    wrong_subject = retraction(award, subject_id="G2")
    rejected_alone(ledger, intake, wrong_subject, "unknown_subject")


def test_retraction_by_another_source_is_unauthorized(ledger, intake):
    census = event("FacultyCensusReported", "U1")
    assert reasons(send(intake, census)) == ["accepted"]
    rejected_alone(ledger, intake, retraction(census, source="NRF"), "unauthorized_source")


def test_a_retraction_cannot_be_retracted(ledger, intake):
    census = event("FacultyCensusReported", "U1")
    first = retraction(census)
    assert reasons(send(intake, census, first)) == ["accepted", "accepted"]
    rejected_alone(ledger, intake, retraction(first), "unknown_subject")


@pytest.mark.parametrize(
    "first",
    [
        event("GrantAwarded", "G1"),
        event("ResearcherRegistered", "R1"),
        event("AICenterDesignated", "C1"),
        event("SelectionEvaluationCompleted", "A1"),
        event("InstituteRegistered", "KIST"),
    ],
    ids=lambda m: m["event_type"],
)
def test_already_exists(ledger, intake, first):
    assert reasons(send(intake, first)) == ["accepted"]
    again = event(first["event_type"], first["subject_id"])  # a new event_id
    rejected_alone(ledger, intake, again, "already_exists")


def test_second_termination_is_already_exists(ledger, intake):
    send(intake, event("GrantAwarded", "G1"), event("GrantTerminated", "G1"))
    rejected_alone(ledger, intake, event("GrantTerminated", "G1"), "already_exists")


def test_double_retraction_is_already_exists(ledger, intake):
    census = event("FacultyCensusReported", "U1")
    assert reasons(send(intake, census, retraction(census))) == ["accepted", "accepted"]
    rejected_alone(ledger, intake, retraction(census), "already_exists")


def test_invalid_period_on_award(ledger, intake):
    message = event("GrantAwarded", "G1", payload_update={"end_on": "2026-02-28"})
    rejected_alone(ledger, intake, message, "invalid_period")


def test_invalid_period_on_amendment(ledger, intake):
    send(intake, event("GrantAwarded", "G1"))
    amendment = event("GrantAmended", "G1", payload={"end_on": "2025-12-31", "reason": "x"})
    rejected_alone(ledger, intake, amendment, "invalid_period")


def test_invalid_period_on_selection(ledger, intake):
    message = event("SelectionEvaluationCompleted", payload_update={"decided_on": "2026-01-09"})
    rejected_alone(ledger, intake, message, "invalid_period")


def test_basic_small_longer_than_five_years(ledger, intake):
    message = event("GrantAwarded", "G1", payload_update={**AWARD, "end_on": "2031-03-01"})
    rejected_alone(ledger, intake, message, "program_rule_violation")


def test_long_term_deep_shorter_than_ten_years(ledger, intake):
    short = {"program": "long_term_deep", "start_on": "2026-03-01", "end_on": "2036-02-28"}
    rejected_alone(
        ledger, intake, event("GrantAwarded", "G1", payload_update=short), "program_rule_violation"
    )
    exact = {**short, "end_on": "2036-02-29"}
    assert reasons(send(intake, event("GrantAwarded", "G1", payload_update=exact))) == ["accepted"]


def test_amendment_beyond_the_program_rule(ledger, intake):
    send(intake, event("GrantAwarded", "G1", payload_update=AWARD))
    amendment = event("GrantAmended", "G1", payload={"end_on": "2032-02-28", "reason": "x"})
    rejected_alone(ledger, intake, amendment, "program_rule_violation")


def test_over_disbursement(ledger, intake):
    award = event("GrantAwarded", "G1", payload_update={"annual_amount_krw": 100})
    first = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 60})
    assert reasons(send(intake, award, first)) == ["accepted", "accepted"]
    second = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 41})
    rejected_alone(ledger, intake, second, "over_disbursement")
    exact = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 40})
    other_year = event(
        "GrantFundsDisbursed", "G1", payload_update={"amount_krw": 100, "fiscal_year": 2027}
    )
    assert reasons(send(intake, exact, other_year)) == ["accepted", "accepted"]


def test_amended_amount_raises_the_ceiling(ledger, intake):
    award = event("GrantAwarded", "G1", payload_update={"annual_amount_krw": 100})
    raise_ = event("GrantAmended", "G1", payload={"annual_amount_krw": 150, "reason": "x"})
    spend = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 150})
    assert reasons(send(intake, award, raise_, spend)) == ["accepted"] * 3


@pytest.mark.parametrize(
    "late",
    [
        event(
            "GrantFundsDisbursed",
            "G1",
            payload_update={"disbursed_on": "2027-07-01", "fiscal_year": 2027},
        ),
        event("StageEvaluationHeld", "G1", payload_update={"held_on": "2027-07-01"}),
        event("GrantAmended", "G1", payload={"annual_amount_krw": 5, "reason": "x"}),
    ],
    ids=lambda m: m["event_type"],
)
def test_after_termination(ledger, intake, late):
    terminate = event("GrantTerminated", "G1", payload_update={"effective_on": "2027-06-30"})
    assert reasons(send(intake, event("GrantAwarded", "G1"), terminate)) == ["accepted"] * 2
    rejected_alone(ledger, intake, late, "after_termination")


def test_events_on_the_termination_day_are_allowed(ledger, intake):
    terminate = event("GrantTerminated", "G1", payload_update={"effective_on": "2027-06-30"})
    same_day = event("StageEvaluationHeld", "G1", payload_update={"held_on": "2027-06-30"})
    assert (
        reasons(send(intake, event("GrantAwarded", "G1"), terminate, same_day)) == ["accepted"] * 3
    )


@pytest.mark.parametrize(
    "message",
    [
        event(
            "RnDBudgetEnacted",
            payload_update={"basic_research_krw": 10**15, "total_government_rnd_krw": 10**14},
        ),
        event(
            "InstituteBudgetReported",
            payload_update={"personnel_cost_from_contribution_krw": 61_000_000_000},
        ),
        event("InstituteBudgetReported", payload_update={"basic_program_krw": 60_000_000_000}),
        event("FacultyCensusReported", payload_update={"early_career_full_time": 101}),
    ],
    ids=["budget", "personnel", "programs", "census"],
)
def test_inconsistent_amounts(ledger, intake, message):
    rejected_alone(ledger, intake, message, "inconsistent_amounts")


def test_unknown_representative_result_then_resent_with_the_same_event_id(ledger, intake):
    evaluation = event("InstituteEvaluated", "KIST")
    rejected_alone(ledger, intake, evaluation, "unknown_representative_result")
    result = event("RepresentativeResultSubmitted", "KIST")
    assert reasons(send(intake, result, evaluation)) == ["accepted", "accepted"]


def test_a_result_of_another_year_does_not_count(ledger, intake):
    result = event(
        "RepresentativeResultSubmitted", "KIST", payload_update={"evaluation_year": 2025}
    )
    send(intake, result)
    rejected_alone(
        ledger, intake, event("InstituteEvaluated", "KIST"), "unknown_representative_result"
    )


def test_institute_events_need_no_registration(ledger, intake):
    kinds = ["InstituteBudgetReported", "PerformanceBonusPaid", "SpecialHiringCompleted"]
    assert reasons(send(intake, *[event(k, "KRISS") for k in kinds])) == ["accepted"] * 3
