"""A government-funded research institute (출연연)."""

from typing import Any

from domain.base import LedgerAggregate, register
from domain.errors import AlreadyExists, InconsistentAmounts, UnknownRepresentativeResult


@register
class Institute(LedgerAggregate):
    kind = "institute"
    event_types = (
        "InstituteRegistered",
        "InstituteBudgetReported",
        "RepresentativeResultSubmitted",
        "InstituteEvaluated",
        "PerformanceBonusPaid",
        "SpecialHiringCompleted",
    )

    def reset(self) -> None:
        self.registered = False
        self.results: set[tuple[int, str]] = set()

    def check_InstituteRegistered(self, p: dict[str, Any]) -> None:
        if self.registered:
            raise AlreadyExists("subject_id: this institute is already registered")

    def check_InstituteBudgetReported(self, p: dict[str, Any]) -> None:
        if p["personnel_cost_from_contribution_krw"] > p["personnel_cost_krw"]:
            raise InconsistentAmounts(
                "payload.personnel_cost_from_contribution_krw: greater than personnel_cost_krw"
            )
        if (
            p["basic_program_krw"] + p["strategic_program_krw"]
            > p["institutional_contribution_krw"]
        ):
            raise InconsistentAmounts(
                "payload.basic_program_krw: basic + strategic greater than "
                "institutional_contribution_krw"
            )

    def check_RepresentativeResultSubmitted(self, p: dict[str, Any]) -> None:
        if (p["evaluation_year"], p["result_id"]) in self.results:
            raise AlreadyExists("payload.result_id: already submitted for this evaluation_year")

    def check_InstituteEvaluated(self, p: dict[str, Any]) -> None:
        year = p["evaluation_year"]
        for index, result_id in enumerate(p["representative_result_ids"]):
            if (year, result_id) not in self.results:
                raise UnknownRepresentativeResult(
                    f"payload.representative_result_ids[{index}]: not submitted by this "
                    "institute for this evaluation_year"
                )

    def on_InstituteRegistered(self, p: dict[str, Any]) -> None:
        self.registered = True

    def on_RepresentativeResultSubmitted(self, p: dict[str, Any]) -> None:
        self.results.add((p["evaluation_year"], p["result_id"]))
