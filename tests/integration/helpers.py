"""Helpers to send messages through the intake and look at what changed."""

from typing import Any

import orjson

from consumers.intake import Intake, Outcome
from domain.history import accepted_facts, rejections
from domain.ledger import Ledger
from tests.builders import line
from tests.conftest import as_messages


def send(intake: Intake, *messages: dict[str, Any] | bytes) -> list[Outcome]:
    raws = [m if isinstance(m, bytes) else line(m) for m in messages]
    return intake.process(as_messages(raws), [])


def reasons(outcomes: list[Outcome]) -> list[str]:
    return [o.reason if o.status == "rejected" else o.status for o in outcomes]


def history(ledger: Ledger) -> list[bytes]:
    """The accepted facts, without recording times: what must not change."""
    facts = []
    for position, state in accepted_facts(ledger):
        state.pop("timestamp")
        facts.append(orjson.dumps([position, state]))
    return facts


def rejection_count(ledger: Ledger) -> int:
    return sum(1 for _ in rejections(ledger))
