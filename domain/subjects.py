"""The smaller subjects: researchers, institutions, selection applications,
budget years and AI centres. Each enforces only its own rules.
"""

from typing import Any

from domain.base import LedgerAggregate, register
from domain.errors import AlreadyExists, InconsistentAmounts, InvalidPeriod, UnknownSubject


@register
class Researcher(LedgerAggregate):
    kind = "researcher"
    event_types = ("ResearcherRegistered", "ResearcherPositionChanged", "ResearcherDeparted")
    requires = {
        "ResearcherPositionChanged": "ResearcherRegistered",
        "ResearcherDeparted": "ResearcherRegistered",
    }

    def reset(self) -> None:
        self.registered = False

    def check_ResearcherRegistered(self, p: dict[str, Any]) -> None:
        if self.registered:
            raise AlreadyExists("subject_id: this researcher is already registered")

    def check_ResearcherPositionChanged(self, p: dict[str, Any]) -> None:
        self.require_registration()

    def check_ResearcherDeparted(self, p: dict[str, Any]) -> None:
        self.require_registration()

    def require_registration(self) -> None:
        if not self.registered:
            raise UnknownSubject("subject_id: no ResearcherRegistered for this researcher")

    def on_ResearcherRegistered(self, p: dict[str, Any]) -> None:
        self.registered = True


@register
class Institution(LedgerAggregate):
    """A university: its faculty census and RUF block funding."""

    kind = "institution"
    event_types = ("FacultyCensusReported", "BlockFundingAllocated", "BlockFundingSpent")

    def check_FacultyCensusReported(self, p: dict[str, Any]) -> None:
        if p["early_career_full_time"] > p["full_time"]:
            raise InconsistentAmounts("payload.early_career_full_time: greater than full_time")


@register
class SelectionApplication(LedgerAggregate):
    kind = "application"
    event_types = ("SelectionEvaluationCompleted",)

    def reset(self) -> None:
        self.decided = False

    def check_SelectionEvaluationCompleted(self, p: dict[str, Any]) -> None:
        if self.decided:
            raise AlreadyExists("subject_id: this application was already decided")
        if p["decided_on"] < p["submitted_on"]:
            raise InvalidPeriod("payload.decided_on: before submitted_on")

    def on_SelectionEvaluationCompleted(self, p: dict[str, Any]) -> None:
        self.decided = True


@register
class BudgetYear(LedgerAggregate):
    """A fiscal year's national R&D budget; a later enactment supersedes."""

    kind = "budget"
    event_types = ("RnDBudgetEnacted",)

    def check_RnDBudgetEnacted(self, p: dict[str, Any]) -> None:
        if p["basic_research_krw"] > p["total_government_rnd_krw"]:
            raise InconsistentAmounts(
                "payload.basic_research_krw: greater than total_government_rnd_krw"
            )


@register
class AICenter(LedgerAggregate):
    kind = "ai_center"
    event_types = ("AICenterDesignated", "AIResearchersTrained")
    requires = {"AIResearchersTrained": "AICenterDesignated"}

    def reset(self) -> None:
        self.designated = False

    def check_AICenterDesignated(self, p: dict[str, Any]) -> None:
        if self.designated:
            raise AlreadyExists("subject_id: this centre was already designated")

    def check_AIResearchersTrained(self, p: dict[str, Any]) -> None:
        if not self.designated:
            raise UnknownSubject("subject_id: no AICenterDesignated for this centre")

    def on_AICenterDesignated(self, p: dict[str, Any]) -> None:
        self.designated = True
