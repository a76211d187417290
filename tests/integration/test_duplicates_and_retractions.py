"""Duplicates, the order of checks, and what a retraction undoes."""

from tests.builders import event, line, retraction
from tests.integration.helpers import history, reasons, send


def test_same_event_id_is_a_duplicate_whatever_its_content(ledger, intake):
    award = event("GrantAwarded", "G1")
    assert reasons(send(intake, award)) == ["accepted"]
    position = ledger.position()
    changed = {**award, "payload": {"nonsense": True}, "event_type": "Nope"}
    assert reasons(send(intake, award, changed)) == ["duplicate", "duplicate"]
    assert ledger.position() == position  # duplicates get no position


def test_duplicate_within_one_batch(ledger, intake):
    award = event("GrantAwarded", "G1")
    assert reasons(send(intake, award, award)) == ["accepted", "duplicate"]


def test_envelope_errors_come_before_the_duplicate_check(ledger, intake):
    award = event("GrantAwarded", "G1")
    send(intake, award)
    broken = {**award, "occurred_at": "yesterday"}
    assert reasons(send(intake, broken)) == ["schema_invalid"]


def test_an_only_rejected_event_id_is_evaluated_afresh(ledger, intake):
    bad = event("GrantAwarded", "G1", source="MOE")
    assert reasons(send(intake, bad)) == ["unauthorized_source"]
    assert reasons(send(intake, bad)) == ["unauthorized_source"]  # logged again
    fixed = {**bad, "source": "NRF"}
    assert reasons(send(intake, fixed)) == ["accepted"]
    assert reasons(send(intake, fixed)) == ["duplicate"]


def test_a_retracted_disbursement_frees_its_amount(ledger, intake):
    award = event("GrantAwarded", "G1", payload_update={"annual_amount_krw": 100})
    paid = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 100})
    more = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 100})
    assert reasons(send(intake, award, paid, more)) == ["accepted", "accepted", "over_disbursement"]
    again = {**more, "event_id": "T-again-1"}
    assert reasons(send(intake, retraction(paid), again)) == ["accepted", "accepted"]


def test_a_retracted_award_makes_the_grant_unknown_until_a_new_award(ledger, intake):
    award = event("GrantAwarded", "G1")
    send(intake, award)
    assert reasons(send(intake, retraction(award))) == ["accepted"]
    assert reasons(send(intake, event("GrantFundsDisbursed", "G1"))) == ["unknown_subject"]
    assert reasons(send(intake, event("GrantAwarded", "G1"))) == ["accepted"]
    assert reasons(send(intake, event("GrantFundsDisbursed", "G1"))) == ["accepted"]


def test_a_retraction_cannot_be_retracted_and_says_so(ledger, intake):
    award = event("GrantAwarded", "G1")
    first = retraction(award)
    send(intake, award, first)
    (outcome,) = send(intake, retraction(first))
    assert (outcome.reason, outcome.message) == (
        "unknown_subject",
        "payload.retracted_event_id: a retraction cannot be retracted",
    )


def test_a_new_award_after_a_retracted_one_starts_afresh(ledger, intake):
    """What was recorded under the retracted award (a disbursement, a
    termination) does not bind the new one, as the projections count it."""
    first = event("GrantAwarded", "G1", payload_update={"annual_amount_krw": 10})
    old_paid = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 8})
    ended = event("GrantTerminated", "G1", payload_update={"effective_on": "2026-06-30"})
    send(intake, first, old_paid, ended)
    again = event("GrantAwarded", "G1", payload_update={"annual_amount_krw": 10})
    assert reasons(send(intake, retraction(first), again)) == ["accepted", "accepted"]
    late = {"amount_krw": 5, "disbursed_on": "2026-09-01"}  # after the old termination
    paid = [
        event("GrantFundsDisbursed", "G1", payload_update=late),
        event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 6}),  # 5 + 6 > 10
        event("GrantTerminated", "G1"),
    ]
    assert reasons(send(intake, *paid)) == ["accepted", "over_disbursement", "accepted"]


def test_a_retracted_termination_reopens_the_grant(ledger, intake):
    terminate = event("GrantTerminated", "G1", payload_update={"effective_on": "2026-06-30"})
    send(intake, event("GrantAwarded", "G1"), terminate)
    late = event("StageEvaluationHeld", "G1", payload_update={"held_on": "2026-12-01"})
    assert reasons(send(intake, late)) == ["after_termination"]
    assert reasons(send(intake, retraction(terminate), {**late, "event_id": "T-late-2"})) == [
        "accepted",
        "accepted",
    ]


def test_retraction_state_survives_a_restart(store_url, ledger, intake):
    from consumers.intake import Intake
    from contract.policy import load_policy
    from rnd_ledger.bootstrap import open_ledger

    award = event("GrantAwarded", "G1", payload_update={"annual_amount_krw": 100})
    paid = event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 100})
    send(intake, award, paid, retraction(paid))
    fresh = Intake(open_ledger(store_url), load_policy())  # nothing cached
    assert reasons(
        send(fresh, event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 100}))
    ) == ["accepted"]
    assert reasons(
        send(fresh, event("GrantFundsDisbursed", "G1", payload_update={"amount_krw": 1}))
    ) == ["over_disbursement"]


def test_history_keeps_retracted_events(ledger, intake):
    census = event("FacultyCensusReported", "U1")
    send(intake, census, retraction(census))
    types = [line for line in history(ledger)]
    assert len(types) == 2


def test_required_source_applies_to_every_message(ledger):
    from consumers.intake import Intake, Message
    from contract.policy import load_policy

    intake = Intake(ledger, load_policy())
    good, other = event("GrantAwarded", "G1"), event("FacultyCensusReported", "U1")
    outcomes = intake.process(
        [
            Message(line(good), {"file": "f", "line": 1}, "NRF"),
            Message(line(other), {"file": "f", "line": 2}, "NRF"),
        ],
        [],
    )
    assert reasons(outcomes) == ["accepted", "unauthorized_source"]


def test_every_record_of_a_batch_carries_the_batchs_recording_time(ledger, intake):
    """A batch is one transaction: its rejections are stamped as its facts are,
    so `--as-of` (the longest prefix recorded by then) never cuts a batch."""
    from domain.history import accepted_facts, rejections

    bad = event("GrantAwarded", "G2", source="NOBODY")
    send(intake, event("GrantAwarded", "G1"), bad, event("GrantAwarded", "G3"))
    times = {state["timestamp"] for _, state in accepted_facts(ledger)}
    times |= {record["recorded_at"] for record in rejections(ledger)}
    assert len(times) == 1
