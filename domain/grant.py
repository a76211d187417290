"""A basic-research grant (기초연구 과제) and its rules."""

from datetime import date
from typing import Any

from domain.base import LedgerAggregate, register
from domain.errors import (
    AfterTermination,
    AlreadyExists,
    InvalidPeriod,
    OverDisbursement,
    ProgramRuleViolation,
    UnknownSubject,
)
from domain.periods import lasts_at_least, lasts_at_most


@register
class Grant(LedgerAggregate):
    kind = "grant"
    event_types = (
        "GrantAwarded",
        "GrantAmended",
        "GrantFundsDisbursed",
        "GrantTerminated",
        "StageEvaluationHeld",
    )
    requires = {
        "GrantAmended": "GrantAwarded",
        "GrantFundsDisbursed": "GrantAwarded",
        "GrantTerminated": "GrantAwarded",
        "StageEvaluationHeld": "GrantAwarded",
    }

    def reset(self) -> None:
        self.award: dict[str, Any] | None = None
        self.end_on: str | None = None
        self.annual_amount_krw = 0
        self.disbursed: dict[int, int] = {}
        self.terminated_on: str | None = None

    # Rules, checked in the order of the contract's reason-code table ---------
    def check_GrantAwarded(self, p: dict[str, Any]) -> None:
        if self.award is not None:
            raise AlreadyExists("subject_id: this grant was already awarded")
        self.check_period(p["program"], p["start_on"], p["end_on"], "payload.end_on")

    def check_GrantAmended(self, p: dict[str, Any]) -> None:
        award = self.require_award()
        if "end_on" in p:
            self.check_period(award["program"], award["start_on"], p["end_on"], "payload.end_on")
        if self.terminated_on is not None:
            raise AfterTermination("subject_id: the grant was terminated; it cannot be amended")

    def check_GrantFundsDisbursed(self, p: dict[str, Any]) -> None:
        self.require_award()
        already = self.disbursed.get(p["fiscal_year"], 0)
        if already + p["amount_krw"] > self.annual_amount_krw:
            raise OverDisbursement(
                "payload.amount_krw: disbursements for this fiscal year would exceed "
                "the grant's annual_amount_krw"
            )
        self.check_not_after_termination(p["disbursed_on"], "payload.disbursed_on")

    def check_GrantTerminated(self, p: dict[str, Any]) -> None:
        self.require_award()
        if self.terminated_on is not None:
            raise AlreadyExists("subject_id: the grant was already terminated")

    def check_StageEvaluationHeld(self, p: dict[str, Any]) -> None:
        self.require_award()
        self.check_not_after_termination(p["held_on"], "payload.held_on")

    def require_award(self) -> dict[str, Any]:
        if self.award is None:
            raise UnknownSubject("subject_id: no GrantAwarded for this grant")
        return self.award

    @staticmethod
    def check_period(program: str, start_on: str, end_on: str, field: str) -> None:
        start, end = date.fromisoformat(start_on), date.fromisoformat(end_on)
        if end < start:
            raise InvalidPeriod(f"{field}: ends before the grant's start_on")
        if program == "basic_small" and not lasts_at_most(start, end, 5):
            raise ProgramRuleViolation(f"{field}: basic_small grants last at most 5 years")
        if program == "long_term_deep" and not lasts_at_least(start, end, 10):
            raise ProgramRuleViolation(f"{field}: long_term_deep grants last at least 10 years")

    def check_not_after_termination(self, day: str, field: str) -> None:
        if self.terminated_on is not None and day > self.terminated_on:
            raise AfterTermination(f"{field}: after the grant's termination")

    # State changes ------------------------------------------------------------
    def on_GrantAwarded(self, p: dict[str, Any]) -> None:
        # A new award after a retracted one starts afresh: the facts recorded
        # under the retracted award (its amendments, disbursements and
        # termination, perhaps from another source) do not bind this one, as
        # the projections count them (projections/README.md).
        self.reset()
        self.award = p
        self.end_on = p["end_on"]
        self.annual_amount_krw = p["annual_amount_krw"]

    def on_GrantAmended(self, p: dict[str, Any]) -> None:
        self.end_on = p.get("end_on", self.end_on)
        self.annual_amount_krw = p.get("annual_amount_krw", self.annual_amount_krw)

    def on_GrantFundsDisbursed(self, p: dict[str, Any]) -> None:
        year = p["fiscal_year"]
        self.disbursed[year] = self.disbursed.get(year, 0) + p["amount_krw"]

    def on_GrantTerminated(self, p: dict[str, Any]) -> None:
        self.terminated_on = p["effective_on"]
