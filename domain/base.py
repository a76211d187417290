"""The base aggregate: any contract event may be a subject's first, and a
retraction removes one fact's effect by folding the others again.
"""

from typing import Any, ClassVar, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import AlreadyExists, RuleViolation, UnknownSubject
from domain.facts import Fact

ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://rnd-ledger/subjects")


class LedgerAggregate(Aggregate):
    """A subject of the contract (a grant, a researcher, an institute, ...)."""

    kind: ClassVar[str]
    event_types: ClassVar[tuple[str, ...]]

    class Event(Aggregate.Event):
        """A contract fact recorded about this aggregate's subject."""

        event_id: str
        event_type: str
        source: str
        subject_id: str
        occurred_at: str
        occurred_at_utc: str
        payload: dict[str, Any]
        origin: dict[str, Any]
        sha256: str

        def mutate(self, aggregate: Any) -> Any:
            if aggregate is None:  # the subject's first fact opens the aggregate
                aggregate = type(self).aggregate_class().blank(self.originator_id)
            return super().mutate(aggregate)

        @classmethod
        def aggregate_class(cls) -> type["LedgerAggregate"]:
            return AGGREGATE_OF_EVENT_CLASS[cls]

        def apply(self, aggregate: "LedgerAggregate") -> None:
            aggregate.facts.append(self)
            if self.event_type == "EventRetracted":
                aggregate.retracted.add(self.payload["retracted_event_id"])
                aggregate.refold()
            else:
                aggregate.evolve(self.event_type, self.payload)

    @classmethod
    def create_id(cls, subject_id: str) -> UUID:
        return uuid5(ID_NAMESPACE, f"{cls.kind}:{subject_id}")

    @classmethod
    def blank(cls, aggregate_id: UUID) -> Self:
        aggregate = object.__new__(cls)
        aggregate.__base_init__(aggregate_id, 0, None)
        aggregate.facts = []
        aggregate.retracted = set()
        aggregate.reset()
        return aggregate

    facts: list["LedgerAggregate.Event"]
    retracted: set[str]

    def reset(self) -> None:
        """Set the state a subject has before any fact."""

    def evolve(self, event_type: str, payload: dict[str, Any]) -> None:
        """Change state for one fact; called only for facts that passed `check`."""
        getattr(self, f"on_{event_type}", _ignore)(payload)

    def refold(self) -> None:
        """Rebuild the state from the facts that are not retracted."""
        self.reset()
        for fact in self.facts:
            if fact.event_type != "EventRetracted" and fact.event_id not in self.retracted:
                self.evolve(fact.event_type, fact.payload)

    # Commands -------------------------------------------------------------
    def record(self, fact: Fact) -> None:
        """Check the fact against this aggregate's rules, then record it."""
        getattr(self, f"check_{fact.event_type}", _ignore)(fact.payload)
        self.trigger_event(EVENT_CLASSES[fact.event_type], **fact.as_event_kwargs())

    def retract(self, fact: Fact) -> None:
        target_id = fact.payload["retracted_event_id"]
        if target_id in self.retracted:
            raise AlreadyExists("payload.retracted_event_id: already retracted")
        retracted_class = getattr(type(self), "EventRetracted")
        self.trigger_event(retracted_class, **fact.as_event_kwargs())

    def fact_by_id(self, event_id: str) -> "LedgerAggregate.Event | None":
        for fact in self.facts:
            if fact.event_id == event_id:
                return fact
        return None


def _ignore(_: Any) -> None:
    return None


EVENT_CLASSES: dict[str, type[LedgerAggregate.Event]] = {}
AGGREGATE_FOR_EVENT_TYPE: dict[str, type[LedgerAggregate]] = {}
AGGREGATE_OF_EVENT_CLASS: dict[type, type[LedgerAggregate]] = {}


def register(aggregate_class: type[LedgerAggregate]) -> type[LedgerAggregate]:
    """Give the aggregate one event class per contract event type it keeps.

    The classes are named after the contract's event types, so a stored
    event's topic reads e.g. `domain.grant:Grant.GrantAwarded`.
    """
    for event_type in (*aggregate_class.event_types, "EventRetracted"):
        namespace = {
            "__module__": aggregate_class.__module__,
            "__qualname__": f"{aggregate_class.__qualname__}.{event_type}",
        }
        event_class = type(event_type, (aggregate_class.Event,), namespace)
        setattr(aggregate_class, event_type, event_class)
        AGGREGATE_OF_EVENT_CLASS[event_class] = aggregate_class
    for event_type in aggregate_class.event_types:
        EVENT_CLASSES[event_type] = getattr(aggregate_class, event_type)
        AGGREGATE_FOR_EVENT_TYPE[event_type] = aggregate_class
    return aggregate_class


__all__ = ["LedgerAggregate", "RuleViolation", "UnknownSubject", "register"]
