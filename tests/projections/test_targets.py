"""Status is decided on the figures as stated, not on floating-point noise."""

import pytest

from projections.parameters import Target, load_parameters
from projections.targets import evaluate


def rows(values: dict[int, float]) -> list[dict]:
    return [
        {"year": year, "value_f": value, "value_i": None, "ratio": True, "events": 1}
        for year, value in values.items()
    ]


@pytest.mark.parametrize(
    ("values", "target", "forecast", "status"),
    [
        # 0.044, 0.058, 0.072: the line reaches 0.1 in 2030 (float: 0.09999999999999999)
        ({2026: 44 / 1000, 2027: 58 / 1000, 2028: 72 / 1000}, 0.1, 0.1, "on_track"),
        # 0.45 against 0.5 misses by exactly 10% of the target: not "less than 10%"
        ({2029: 9 / 20, 2030: 9 / 20}, 0.5, 0.45, "off_track"),
        ({2029: 0.46, 2030: 0.46}, 0.5, 0.46, "at_risk"),
    ],
)
def test_status_at_the_thresholds(values, target, forecast, status) -> None:
    result = evaluate("x", Target(target, 2030), rows(values), load_parameters())
    assert (result["forecast"], result["status"]) == (forecast, status)


@pytest.mark.parametrize(
    ("indicator", "status"),
    [
        # What should not happen: a target of 0 means none at all.
        ("evaluation.stage_after_abolition", "off_track"),
        ("compliance.bonus_before_scheme", "off_track"),
        ("dq.census_missing", "off_track"),
        # Anything else: a target of 0 is met by any value (a user's parameters file).
        ("coverage.all_faculty", "on_track"),
    ],
)
def test_a_zero_target_means_none_only_for_what_should_not_happen(indicator, status) -> None:
    result = evaluate(indicator, Target(0, 2030), rows({2029: 0.3, 2030: 0.3}), load_parameters())
    assert result["status"] == status
