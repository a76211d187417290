"""The context builders: seals, parameters, statuses, findings, missing extras."""

import pytest

from reports import context
from reports.messages import load
from tests.reports.fixtures import report_data, spec_only


@pytest.mark.parametrize(
    ("head", "position", "expected"),
    [(None, 3, None), ("", 3, None), ("a050bf", 11634, "11634:a050bf"), ("ab12", None, "ab12")],
)
def test_chain_head_text(head, position, expected):
    assert context.chain_head_text(head, position) == expected


def test_parameter_rows_flatten_nested_values_and_leave_targets_out():
    parameters = {
        "early_career_years": 7,
        "bonus_scheme_first_year": {"excellent_researcher": 2026, "all_staff_integrated": 2027},
        "at_risk_tolerance": 0.1,
        "targets": {"coverage.full_time": {"value": 0.5}},
    }
    rows = context.parameter_rows(parameters, load("ko"))
    assert [r["key"] for r in rows] == [
        "at_risk_tolerance",
        "bonus_scheme_first_year.all_staff_integrated",
        "bonus_scheme_first_year.excellent_researcher",
        "early_career_years",
    ]
    assert rows[0]["value"] == "0.1" and rows[1]["value"] == "2027"
    assert rows[3]["label"] == "신진 기준 기간(년)"


def test_target_parameter_rows_follow_indicator_order_and_keep_sources():
    parameters = {
        "targets": {
            "institutes.personnel_cost_coverage": {"value": 1.0, "target_year": 2030},
            "coverage.all_faculty": {"value": 0.3, "target_year": 2030, "source": "seed"},
        }
    }
    rows = context.target_parameter_rows(parameters, load("en"))
    assert [r["id"] for r in rows] == ["coverage.all_faculty", "institutes.personnel_cost_coverage"]
    assert rows[0]["value"] == "30.0%" and rows[0]["source"] == "seed"
    assert rows[1]["value"] == "100.0%" and rows[1]["source"] == ""


def test_target_parameter_rows_give_the_source_in_the_reports_language():
    parameters = {"targets": {"coverage.all_faculty": {"value": 0.3, "source": "seed item 7"}}}
    parameters["targets"]["coverage.all_faculty"]["source_ko"] = "원문 7항"
    assert context.target_parameter_rows(parameters, load("ko"))[0]["source"] == "원문 7항"
    assert context.target_parameter_rows(parameters, load("en"))[0]["source"] == "seed item 7"


@pytest.mark.parametrize(
    ("status", "key", "icon"),
    [
        ("on_track", "on_track", "✔"),
        ("at_risk", "at_risk", "▲"),
        ("off_track", "off_track", "✖"),
        ("insufficient_data", "insufficient_data", "?"),
        ("something_new", "insufficient_data", "?"),
        (None, "insufficient_data", "?"),
    ],
)
def test_status_view(status, key, icon):
    view = context.status_view(status, load("en"))
    assert (view["key"], view["icon"]) == (key, icon)


def test_status_counts_cover_every_status():
    built = context.build_context(report_data(), "en")
    counts = {s["key"]: s["count"] for s in built["cover"]["status_counts"]}
    assert counts == {"on_track": "4", "at_risk": "3", "off_track": "2", "insufficient_data": "1"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_overview_names_the_targets_of_each_status(lang):
    """A minister reads at once what is off track, not only how many."""
    data = report_data()
    built = context.build_context(data, lang)
    catalogue = load(lang)
    for status in built["cover"]["status_counts"]:
        ids = [
            t["id"]
            for t in data["targets"]
            if (t.get("status") or "insufficient_data") == status["key"]
        ]
        names = [catalogue.indicator(i)["name"] for i in ids]
        assert sorted(
            filter(None, status["names"].split(catalogue.text("ui.name_separator")))
        ) == sorted(names)


def test_scorecard_is_in_indicator_order():
    built = context.build_context(report_data(), "en")
    ids = [row["id"] for row in built["scorecard"]]
    assert ids[:3] == ["coverage.all_faculty", "coverage.full_time", "coverage.early_career"]
    assert ids[-1] == "institutes.integrated_evaluation_share"


def test_findings_keep_at_most_five_event_ids():
    data = report_data()
    data["findings"][0]["event_ids"] = [f"E{n}" for n in range(9)]
    built = context.build_context(data, "en")
    rows = [r for g in built["findings"] for r in g["rows"] if r["event_ids"][:1] == ["E0"]]
    assert rows and rows[0]["event_ids"] == ["E0", "E1", "E2", "E3", "E4"]


def test_an_empty_ledger_covers_no_years():
    data = report_data()
    data["indicators"] = []
    built = context.build_context(data, "en")
    covered = {fact["label"]: fact["value"] for fact in built["cover"]["facts"]}
    assert covered["Years covered"] == "—"
    assert context.build_context(report_data(), "en")["cover"]["facts"][2]["value"] != "—"


def test_cover_without_summary_shows_no_counts():
    built = context.build_context(spec_only(report_data()), "en")
    labels = [fact["label"] for fact in built["cover"]["facts"]]
    assert labels == ["Ledger position", "Latest event recorded", "Years covered"]
    assert built["cover"]["synthetic"] is False and built["cover"]["chain_head"] is None
    assert built["institutes"]["tables"] == []


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_parameter_has_a_label_of_its_own(lang):
    from projections.parameters import load_parameters

    rows = context.parameter_rows(load_parameters().as_json(), load(lang))
    assert [r["key"] for r in rows if r["label"] == r["key"]] == []


SHARE = "institutes.integrated_evaluation_share"


def test_a_badge_of_a_target_with_its_own_rule_states_that_rule():
    data = report_data()
    data["parameters"]["targets"] = {
        SHARE: {"value": 1.0, "target_year": 2030, "from_year": 2026},
        "evaluation.stage_after_abolition": {"value": 0, "target_year": 2030},
        "coverage.full_time": {"value": 0.5, "target_year": 2030},
    }
    helps = {r["id"]: r["status"]["help"] for r in context.build_context(data, "en")["scorecard"]}
    assert "every year with data from 2026 reaches 100%" in helps[SHARE]
    assert "on track only when the latest value is 0" in helps["evaluation.stage_after_abolition"]
    assert "the trend" in helps["coverage.full_time"]


def test_the_field_table_is_of_the_latest_year_of_the_national_figures():
    """Registered researchers without a grant make rows of zeros in years the
    national figure has no value for: the table is not of such a year."""
    data = report_data()
    data["indicators"] = [r for r in data["indicators"] if r["year"] <= 2026]
    data["breakdowns"] += [
        {"id": "coverage.all_faculty", "by": "field", "key": "physics", "year": 2030, "value": 0}
    ]
    (table, *_) = context.build_context(data, "en")["basic"]["tables"]
    assert table["title"].startswith("Coverage among registered researchers, by research field")
    assert " — 2026" in table["title"]
    assert "denominator is the field's registered researchers" in table["title"]


def test_grade_counts_of_zero_are_zero_and_every_grade_has_its_column():
    data = report_data()
    data["distributions"] = [
        {"id": "institutes.grade", "year": 2026, "key": "A", "value": 3},
        {"id": "institutes.grade", "year": 2026, "key": "B", "value": 2},
    ]
    figures = context.build_context(data, "en")["institutes"]["figures"]
    (table,) = [f["table"] for f in figures if f["key"] == "fig-grades"]
    assert table["headers"][1:] == ["Grade S", "Grade A", "Grade B", "Grade C", "Grade D"]
    by_year = {row[0]: row[1:] for row in table["rows"]}
    assert by_year["2026"] == ["0", "3", "2", "0", "0"]
    assert set(by_year["2025"]) == {"—"}  # no grades reported that year


@pytest.mark.parametrize(
    ("lang", "exceeded", "to_go"),
    [("en", "1.9 pp above the target", "5.0 pp"), ("ko", "목표보다 1.9%p 높음", "5.0%p")],
)
def test_a_target_passed_reads_as_how_far_above_it(lang, exceeded, to_go):
    data = report_data()
    for target in data["targets"]:
        if target["id"] == "coverage.all_faculty":
            target["gap"] = -0.019
        if target["id"] == "coverage.full_time":
            target["gap"] = 0.05
    gaps = {r["id"]: r["gap"] for r in context.build_context(data, lang)["scorecard"]}
    assert gaps["coverage.all_faculty"] == exceeded
    assert gaps["coverage.full_time"] == to_go


def finding_row(finding_id: str, year: int, count: int, event_ids: list[str]) -> dict:
    """The report's row for one finding given alone in the data."""
    data = report_data()
    data["findings"] = [{"id": finding_id, "year": year, "count": count, "event_ids": event_ids}]
    groups = context.build_context(data, "en")["findings"]
    (row,) = next(g for g in groups if g["id"] == finding_id)["rows"]
    return row


def test_a_finding_with_more_events_than_listed_says_how_many_more():
    row = finding_row("compliance.bonus_before_scheme", 2026, 7, [f"E{n}" for n in range(7)])
    assert len(row["event_ids"]) == 5
    assert row["more"].startswith("… and 2 more (rnd-ledger lineage ")
    assert row["more"].endswith("compliance.bonus_before_scheme --year 2026 lists them all)")


def test_a_target_without_data_shows_one_dash_not_two():
    from reports.render import render_report

    data = report_data()
    for target in data["targets"]:
        if target["id"] == "coverage.all_faculty":
            target.update(latest_year=None, latest_value=None)
    html = render_report(data, "en")
    assert "— <small>(—)</small>" not in html


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_sections_without_data_say_so_and_draw_no_empty_charts(lang):
    from reports.messages import load as load_messages
    from reports.render import render_report

    data = report_data()
    for row in data["indicators"]:
        if row["id"].startswith("coverage."):
            row["value"] = None
    built = context.build_context(data, lang)
    ids = [f["key"] for f in built["basic"]["figures"]]
    assert not any("coverage" in key for key in ids)
    empty = {
        **report_data(),
        "indicators": [],
        "targets": [],
        "breakdowns": [],
        "distributions": [],
    }
    empty.pop("institutes", None)
    html = render_report(empty, lang)
    assert html.count(load_messages(lang).text("ui.no_data")) == 2


def test_a_census_finding_with_a_full_list_points_to_all_its_events():
    """dq.census_missing counts institutions, not the awards it lists: one
    institution with five awards listed may have more (the count says nothing)."""
    row = finding_row("dq.census_missing", 2030, 1, [f"A{n}" for n in range(5)])
    assert (
        row["more"] == "… (rnd-ledger lineage dq.census_missing --year 2030 lists all its events)"
    )
    assert finding_row("dq.census_missing", 2030, 1, ["A1", "A2"])["more"] == ""
