"""Fixtures: a store holding the hand-computed scenario, and its computed result."""

from collections.abc import Callable
from typing import Any

import pytest

from consumers.intake import Intake
from contract.policy import load_policy
from rnd_ledger.bootstrap import open_ledger
from tests.integration.helpers import send
from tests.projections import scenario


def fill(url: str, batches: list[list[dict[str, Any]]]) -> list[int]:
    """Send each batch (one recording time each); returns the position after each."""
    ledger = open_ledger(url)
    try:
        intake = Intake(ledger, load_policy())
        positions = []
        for batch in batches:
            outcomes = send(intake, *batch)
            assert all(o.status in ("accepted", "rejected") for o in outcomes)
            positions.append(ledger.position())
        return positions
    finally:
        ledger.close()


@pytest.fixture
def scenario_batches() -> list[list[dict[str, Any]]]:
    return scenario.batches()


@pytest.fixture
def filled(store_url, scenario_batches) -> str:
    fill(store_url, scenario_batches)
    return store_url


@pytest.fixture
def compute_in(tmp_path) -> Callable[..., dict[str, Any]]:
    """projections.compute with a checkpoint directory of the test's own."""
    from projections import compute

    def run(url: str, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("checkpoint_dir", tmp_path / "checkpoint")
        return compute(url, **kwargs)

    return run


@pytest.fixture
def result(filled, compute_in) -> dict[str, Any]:
    return compute_in(filled)


def series(result: dict[str, Any], indicator: str) -> list[Any]:
    """(value) or (numerator, denominator, value) per year, in year order."""
    rows = [r for r in result["indicators"] if r["id"] == indicator]
    assert rows, f"no rows for {indicator}"
    return [
        (r["numerator"], r["denominator"], r["value"]) if "numerator" in r else r["value"]
        for r in rows
    ]


def target(result: dict[str, Any], indicator: str) -> dict[str, Any]:
    (found,) = [t for t in result["targets"] if t["id"] == indicator]
    return found
