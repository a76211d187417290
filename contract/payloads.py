"""One payload type per event type of the contract, version 1.

Each class name is the contract's `event_type`. Unknown fields are refused
(`forbid_unknown_fields`), as the contract requires.
"""

import msgspec

from contract.types import (
    BonusScheme,
    Count,
    Day,
    EvaluationSystem,
    Field,
    Grade,
    Id,
    Mission,
    MoneyKrw,
    Name,
    Outcome,
    Position,
    PositiveCount,
    Program,
    Reason,
    Score,
    SpendingCategory,
    StageResult,
    TerminationReason,
    Title,
    Year,
)


class Payload(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Base of every payload type."""


# Researchers and faculty census
class ResearcherRegistered(Payload):
    institution_id: Id
    position: Position
    first_appointed_on: Day
    field: Field


class ResearcherPositionChanged(Payload):
    institution_id: Id
    position: Position
    effective_on: Day


class ResearcherDeparted(Payload):
    effective_on: Day


class FacultyCensusReported(Payload):
    year: Year
    full_time: Count
    non_full_time: Count
    early_career_full_time: Count


# Basic-research grants
class GrantAwarded(Payload):
    researcher_id: Id
    institution_id: Id
    program: Program
    field: Field
    start_on: Day
    end_on: Day
    annual_amount_krw: MoneyKrw


class GrantAmended(Payload):
    reason: Reason
    end_on: Day | msgspec.UnsetType = msgspec.UNSET
    annual_amount_krw: MoneyKrw | msgspec.UnsetType = msgspec.UNSET


class GrantFundsDisbursed(Payload):
    fiscal_year: Year
    amount_krw: MoneyKrw
    disbursed_on: Day


class GrantTerminated(Payload):
    effective_on: Day
    reason: TerminationReason


class SelectionEvaluationCompleted(Payload):
    program: Program
    submitted_on: Day
    decided_on: Day
    reviewer_count: PositiveCount
    ai_assisted: bool
    outcome: Outcome


class StageEvaluationHeld(Payload):
    held_on: Day
    result: StageResult


# National budget
class RnDBudgetEnacted(Payload):
    fiscal_year: Year
    total_government_rnd_krw: MoneyKrw
    basic_research_krw: MoneyKrw


# Universities: RUF block funding and AI centres
class BlockFundingAllocated(Payload):
    fiscal_year: Year
    amount_krw: MoneyKrw
    performance_score: Score


class BlockFundingSpent(Payload):
    fiscal_year: Year
    category: SpendingCategory
    amount_krw: MoneyKrw


class AICenterDesignated(Payload):
    institution_id: Id
    field: Field
    designated_on: Day


class AIResearchersTrained(Payload):
    year: Year
    count: PositiveCount


# Government-funded research institutes
class InstituteRegistered(Payload):
    name_ko: Name
    name_en: Name


class InstituteBudgetReported(Payload):
    fiscal_year: Year
    institutional_contribution_krw: MoneyKrw
    basic_program_krw: MoneyKrw
    strategic_program_krw: MoneyKrw
    project_revenue_krw: MoneyKrw
    personnel_cost_krw: MoneyKrw
    personnel_cost_from_contribution_krw: MoneyKrw


class RepresentativeResultSubmitted(Payload):
    evaluation_year: Year
    result_id: Id
    mission: Mission
    title: Title


class InstituteEvaluated(Payload):
    evaluation_year: Year
    system: EvaluationSystem
    grade: Grade
    representative_result_ids: list[Id]


class PerformanceBonusPaid(Payload):
    fiscal_year: Year
    scheme: BonusScheme
    recipients: PositiveCount
    amount_krw: MoneyKrw


class SpecialHiringCompleted(Payload):
    year: Year
    hires: PositiveCount


# Corrections
class EventRetracted(Payload):
    retracted_event_id: Id
    reason: Reason


PAYLOAD_TYPES: dict[str, type[Payload]] = {cls.__name__: cls for cls in Payload.__subclasses__()}
SCHEMA_VERSION = 1
