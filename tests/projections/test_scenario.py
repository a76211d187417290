"""Every indicator of indicators.md on the hand-computed scenario (scenario.py),
on SQLite and PostgreSQL. Years 2025..2030; expected values worked out on paper.

Researcher states: R1 U1 full_time (first 2020-03-01: early career through 2026);
R2 U1 non_full_time, then U2 full_time from 2026-07-01; R3 U2 full_time (first
2023) departed 2027-01-01 (no state from 2027); R4 U2 full_time (two changes on
2026-03-01: the later one, U2 full_time, wins); R9 never registered.
Active grants: 2025 G1 G2 G7; 2026 G1 G2 G3 G4 G5 G9; 2027 G1 G3 G4 G5 G6;
2028 G1 G4 G5 G6; 2029-2030 G1 G4. Census (latest report wins): 2025 U1
(10,5,2); 2026 U1 (12,4,3) + U2 (8,2,4); 2027 U1 (12,4,3) once the
superseding (20,10,5) is retracted.
"""

import pytest

from tests.projections.conftest import series, target

YEARS = [2025, 2026, 2027, 2028, 2029, 2030]
ALL_IDS = {
    "coverage.all_faculty",
    "coverage.full_time",
    "coverage.early_career",
    "budget.basic_research_share",
    "young.researchers_supported",
    "longterm.basic_small_active",
    "longterm.deep_active",
    "evaluation.stage_after_abolition",
    "evaluation.selection_rate",
    "evaluation.selection_days_mean",
    "evaluation.ai_assisted_share",
    "ruf.block_funding_krw",
    "ruf.universities_funded",
    "ai_centers.designated",
    "ai_centers.researchers_trained",
    "institutes.personnel_cost_coverage",
    "institutes.pbs_dependency",
    "institutes.basic_program_share",
    "institutes.integrated_evaluation_share",
    "institutes.representative_results",
    "institutes.bonus_excellent_researcher",
    "institutes.bonus_all_staff",
    "institutes.special_hires",
    "compliance.non_integrated_evaluations",
    "compliance.bonus_before_scheme",
    "dq.grants_unknown_researcher",
    "dq.census_missing",
}


def approx_rows(rows):
    return [pytest.approx(r, abs=1e-12) if isinstance(r, tuple) else r for r in rows]


def test_every_indicator_has_a_row_for_every_year_in_order(result):
    ids = [r["id"] for r in result["indicators"]]
    assert set(ids) == ALL_IDS
    assert [(r["id"], r["year"]) for r in result["indicators"]] == [
        (i, y) for i in sorted(ALL_IDS) for y in YEARS
    ]


def test_coverage(result):
    assert series(result, "coverage.all_faculty") == approx_rows(
        [
            (3, 15, 0.2),
            (4, 26, 4 / 26),
            (3, 16, 0.1875),
            (3, None, None),
            (2, None, None),
            (2, None, None),
        ]
    )
    assert series(result, "coverage.full_time") == approx_rows(
        [
            (2, 10, 0.2),
            (4, 20, 0.2),
            (3, 12, 0.25),
            (3, None, None),
            (2, None, None),
            (2, None, None),
        ]
    )
    assert series(result, "coverage.early_career") == approx_rows(
        [(2, 2, 1.0), (2, 7, 2 / 7), (0, 3, 0.0), (0, None, None), (0, None, None), (0, None, None)]
    )


def test_budget_share_latest_report_wins_by_instant_then_position(result):
    assert series(result, "budget.basic_research_share") == approx_rows(
        [
            (9, 100, 0.09),
            (22, 200, 0.11),
            (30, 300, 0.1),
            (0, None, None),
            (0, None, None),
            (0, None, None),
        ]
    )


def test_grant_counts(result):
    assert series(result, "young.researchers_supported") == [0, 1, 2, 2, 2, 2]
    assert series(result, "longterm.basic_small_active") == [1, 1, 1, 1, 1, 1]
    assert series(result, "longterm.deep_active") == [0, 1, 1, 1, 1, 1]
    assert series(result, "evaluation.stage_after_abolition") == [0, 1, 0, 0, 0, 0]


def test_selection_evaluations(result):
    none = [(0, 0, None)] * 4
    assert series(result, "evaluation.selection_rate") == approx_rows(
        [(1, 1, 1.0), (1, 3, 1 / 3), *none]
    )
    assert series(result, "evaluation.selection_days_mean") == approx_rows(
        [(31, 1, 31.0), (161, 3, 161 / 3), *none]
    )
    assert series(result, "evaluation.ai_assisted_share") == approx_rows(
        [(0, 1, 0.0), (2, 3, 2 / 3), *none]
    )


def test_ruf_and_ai_centres(result):
    assert series(result, "ruf.block_funding_krw") == [0, 800, 500, 0, 0, 0]
    assert series(result, "ruf.universities_funded") == [0, 2, 1, 0, 0, 0]
    assert series(result, "ai_centers.designated") == [0, 1, 3, 3, 3, 3]
    assert series(result, "ai_centers.researchers_trained") == [0, 10, 30, 30, 30, 30]


def test_institutes(result):
    none = (0, None, None)
    assert series(result, "institutes.personnel_cost_coverage") == approx_rows(
        [none, (100, 160, 0.625), (48, 60, 0.8), none, none, none]
    )
    assert series(result, "institutes.pbs_dependency") == approx_rows(
        [none, (160, 460, 160 / 460), (40, 160, 0.25), none, none, none]
    )
    assert series(result, "institutes.basic_program_share") == approx_rows(
        [none, (90, 300, 0.3), (60, 120, 0.5), none, none, none]
    )
    assert series(result, "institutes.integrated_evaluation_share") == approx_rows(
        [(0, 1, 0.0), (1, 2, 0.5), (2, 2, 1.0), (0, 0, None), (0, 0, None), (0, 0, None)]
    )
    assert series(result, "institutes.representative_results") == [0, 2, 1, 0, 0, 0]
    assert series(result, "institutes.bonus_excellent_researcher") == [0, 2, 0, 0, 0, 0]
    assert series(result, "institutes.bonus_all_staff") == [0, 1, 1, 0, 0, 0]
    assert series(result, "institutes.special_hires") == [0, 5, 4, 0, 0, 0]


def test_compliance_and_data_quality(result):
    assert series(result, "compliance.non_integrated_evaluations") == [0, 1, 0, 0, 0, 0]
    assert series(result, "compliance.bonus_before_scheme") == [0, 1, 0, 0, 0, 0]
    assert series(result, "dq.grants_unknown_researcher") == [0, 1, 0, 0, 0, 0]
    assert series(result, "dq.census_missing") == [1, 0, 1, 2, 2, 2]
    findings = {(f["id"], f["year"]): f for f in result["findings"]}
    assert sorted(findings) == [
        ("compliance.bonus_before_scheme", 2026),
        ("compliance.non_integrated_evaluations", 2026),
        ("dq.census_missing", 2025),
        ("dq.census_missing", 2027),
        ("dq.census_missing", 2028),
        ("dq.census_missing", 2029),
        ("dq.census_missing", 2030),
        ("dq.grants_unknown_researcher", 2026),
    ]
    assert findings[("dq.census_missing", 2028)]["count"] == 2
    assert len(findings[("dq.census_missing", 2028)]["event_ids"]) == 4  # awards of G1 G4 G5 G6
    assert findings[("dq.grants_unknown_researcher", 2026)]["count"] == 1


@pytest.mark.parametrize(
    "indicator, expected",
    [
        ("coverage.all_faculty", (2027, 0.1875, 0.1125, 0.155448717949, "off_track")),
        ("coverage.full_time", (2027, 0.25, 0.25, 0.316666666667, "off_track")),
        ("coverage.early_career", (2027, 0.0, 0.7, -1.571428571429, "off_track")),
        ("budget.basic_research_share", (2027, 0.1, 0.0, 0.12, "on_track")),
        ("young.researchers_supported", (2027, 2, 9998, 5.0, "off_track")),
        ("evaluation.stage_after_abolition", (2026, 1, -1, 5.0, "off_track")),
        ("ai_centers.designated", (2027, 3, 37, 22 / 3, "off_track")),
        ("ai_centers.researchers_trained", (2027, 30, 1970, 220 / 3, "off_track")),
        ("institutes.personnel_cost_coverage", (2027, 0.8, 0.2, 1.325, "on_track")),
        ("institutes.integrated_evaluation_share", (2027, 1.0, 0.0, 2.5, "off_track")),
    ],
)
def test_targets(result, indicator, expected):
    found = target(result, indicator)
    latest_year, latest, gap, forecast, status = expected
    assert found["target_year"] == 2030
    assert found["latest_year"] == latest_year
    assert found["latest_value"] == pytest.approx(latest, abs=1e-12)
    assert found["gap"] == pytest.approx(gap, abs=1e-12)
    assert found["forecast"] == pytest.approx(forecast, abs=1e-9)
    assert found["status"] == status


def test_breakdowns(result):
    rows = {(b["id"], b["by"], b["key"], b["year"]): b for b in result["breakdowns"]}
    u1 = rows[("coverage.full_time", "institution", "U1", 2026)]
    assert (u1["numerator"], u1["denominator"]) == (1, 12)
    u2 = rows[("coverage.full_time", "institution", "U2", 2026)]
    assert (u2["numerator"], u2["denominator"], u2["value"]) == (3, 8, 0.375)
    assert rows[("coverage.all_faculty", "institution", "U2", 2028)]["value"] is None
    engineering = rows[("coverage.early_career", "field", "engineering", 2026)]
    assert (engineering["numerator"], engineering["denominator"]) == (2, 2)
    assert rows[("ruf.block_funding_krw", "institution", "U1", 2027)]["value"] == 500
    k1 = rows[("institutes.personnel_cost_coverage", "institute", "K1", 2026)]
    assert (k1["numerator"], k1["denominator"], k1["value"]) == (36, 60, 0.6)
    leader = rows[("evaluation.selection_rate", "program", "leader", 2026)]
    assert (leader["numerator"], leader["denominator"], leader["value"]) == (0, 1, 0.0)
    keys = [(b["id"], b["year"], b["by"], b["key"]) for b in result["breakdowns"]]
    assert keys == sorted(keys)


def test_extras_for_the_report(result):
    summary = result["summary"]
    assert summary == {
        "events": 77,
        "retracted": 5,
        "rejections": 1,
        "sources": ["K1", "K2", "MOE", "MSIT", "NRF", "NST"],
        "synthetic": False,
        "first_year": 2025,
        "last_year": 2030,
    }
    grades = {
        (d["year"], d["key"]): d["value"]
        for d in result["distributions"]
        if d["id"] == "institutes.grade"
    }
    assert grades == {
        (2025, "B"): 1,
        (2026, "A"): 1,
        (2026, "B"): 1,
        (2027, "A"): 1,
        (2027, "S"): 1,
    }
    split = {
        (d["year"], d["key"]): d["value"]
        for d in result["distributions"]
        if d["id"] == "institutes.program_split"
    }
    assert split[(2026, "basic")] == 90
    assert split[(2026, "strategic")] == 150
    assert split[(2026, "other")] == 60
    k1 = [r for r in result["institutes"] if r["institute_id"] == "K1" and r["year"] == 2026]
    assert k1 == [
        {
            "institute_id": "K1",
            "name_ko": "가연구원",
            "name_en": "K One",
            "year": 2026,
            "personnel_cost_coverage": 0.6,
            "pbs_dependency": 60 / 160,
            "basic_program_share": 0.4,
            "grade": "A",
            "system": "integrated",
            "representative_results": 2,
            "special_hires": 3,
        }
    ]


def test_as_of_names_the_last_record_rejections_included(result, filled):
    from rnd_ledger.bootstrap import open_ledger

    ledger = open_ledger(filled)
    try:
        assert result["as_of"]["position"] == ledger.position() == 78
    finally:
        ledger.close()
    assert result["as_of"]["recorded_at"].endswith("+00:00")
