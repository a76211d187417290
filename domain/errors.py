"""The small family of domain errors; each carries the contract's reason code."""


class RuleViolation(Exception):
    """An aggregate refused a fact. Raised before any state changes."""

    reason = "rule_violation"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownSubject(RuleViolation):
    reason = "unknown_subject"


class AlreadyExists(RuleViolation):
    reason = "already_exists"


class InvalidPeriod(RuleViolation):
    reason = "invalid_period"


class ProgramRuleViolation(RuleViolation):
    reason = "program_rule_violation"


class OverDisbursement(RuleViolation):
    reason = "over_disbursement"


class AfterTermination(RuleViolation):
    reason = "after_termination"


class InconsistentAmounts(RuleViolation):
    reason = "inconsistent_amounts"


class UnknownRepresentativeResult(RuleViolation):
    reason = "unknown_representative_result"


class UnauthorizedSource(RuleViolation):
    reason = "unauthorized_source"
