"""Each partial rendered on its own from the context built for the fixture."""

import copy
import re

import pytest

from reports.context import build_context
from reports.indicators import INDICATOR_IDS
from reports.render import render_template
from tests.reports.fixtures import report_data, spec_only


@pytest.fixture(scope="module")
def data():
    return report_data()


def render(name, data, lang="en"):
    return render_template(name, build_context(data, lang))


def test_cover_shows_position_time_counts_seal_and_banner(data):
    html = render("cover.html.j2", data)
    assert 'class="banner"' in html and "DEMO DATA" in html
    assert "1,234,567" in html  # position
    assert "24 November 2026, 10:00 UTC" in html
    assert "1,203,456" in html  # events
    assert data["as_of"]["chain_head"] in html
    assert "early_career_years" in html and "2026-01-01" in html


def test_cover_in_korean(data):
    html = render("cover.html.j2", data, "ko")
    assert "데모 데이터" in html and "2026년 11월 24일 10:00 UTC" in html
    assert "이벤트 수" in html


def test_cover_without_synthetic_flag_or_seal_has_no_banner(data):
    real = copy.deepcopy(data)
    real["summary"]["synthetic"] = False
    del real["as_of"]["chain_head"]
    html = render("cover.html.j2", real)
    assert 'class="banner"' not in html
    assert "Not stated: these figures came without one" in html


def test_cover_lists_parameter_targets_with_sources():
    data = report_data()
    data["parameters"]["targets"] = {
        "coverage.full_time": {"value": 0.5, "target_year": 2030, "source": "seed item 7"}
    }
    html = render("cover.html.j2", data)
    assert "50.0%" in html and "seed item 7" in html
    assert "targets.coverage" not in html  # targets are a table, not flattened parameters


def test_scorecard_has_a_row_and_a_text_badge_per_target(data):
    html = render("scorecard.html.j2", data)
    rows = re.findall(r'<tr data-indicator="([^"]+)">', html)
    assert sorted(rows) == sorted(t["id"] for t in data["targets"])
    for label, icon in [("On track", "✔"), ("At risk", "▲"), ("Off track", "✖")]:
        assert f'<span class="icon" aria-hidden="true">{icon}</span>{label}' in html
    assert "Insufficient data" in html
    assert "7.5 pp" in html  # full-time coverage gap in percentage points
    assert "42.5% <small>(2029)</small>" in html


@pytest.mark.parametrize(
    ("lang", "first_year", "note"),
    [
        ("en", "from 2026", "† Integrated evaluation share: on track only if every year"),
        ("ko", "2026년부터", "† 통합 평가 비중: 2026년부터 자료가 있는 모든 해가"),
    ],
)
def test_scorecard_shows_a_targets_own_rule_in_sight(data, lang, first_year, note):
    """Not only in a badge's tooltip, which no phone or paper shows: "off
    track" beside a value at its target needs its reason."""
    html = render("scorecard.html.j2", data, lang)
    row = html.split('<tr data-indicator="institutes.integrated_evaluation_share">')[1]
    row = row.split("</tr>")[0]
    assert f"<small>({first_year})</small>" in row and '<span aria-hidden="true">†</span>' in row
    assert f'<p class="note">{note}' in html


def test_a_chart_is_described_in_words_for_screen_readers(data):
    """Its title alone told a screen reader nothing of the trend or the target."""
    html = render("basic_research.html.j2", data)
    assert (
        '<desc id="fig-coverage-desc">Coverage, all faculty: 17.2% in 2024, 24.3% in 2029. '
        "Target: 30.0% by 2030. Coverage, full-time faculty:"
    ) in html


def test_a_series_with_one_year_of_data_is_described_once(data):
    """'10.1% in 2026, 10.1% in 2026' said the one value twice."""
    one_year = copy.deepcopy(data)
    for row in one_year["indicators"]:
        if row["id"] == "coverage.all_faculty" and row["year"] != 2026:
            row["value"] = None
    html = render("basic_research.html.j2", one_year)
    described = html.split('<desc id="fig-coverage-desc">')[1].split("</desc>")[0]
    assert described.startswith("Coverage, all faculty: ")
    assert "in 2026, the one year with data." in described
    assert described.count("in 2026") == 1


def test_scorecard_in_korean_uses_percentage_points_and_units(data):
    html = render("scorecard.html.j2", data, "ko")
    assert "7.5%p" in html and "9,405명" in html and "순항" in html


def test_basic_research_draws_every_chart_with_a_table(data):
    html = render("basic_research.html.j2", data)
    assert html.count('<svg class="chart"') == 11
    assert html.count("<details>") == 11
    for title in ("Coverage of faculty by basic-research grants", "RUF performance-based"):
        assert title in html
    assert ">target 30%</text>" in html and ">target 70%</text>" in html
    assert "Coverage among registered researchers, by research field" in html
    assert "Engineering" in html


def test_basic_research_money_in_korean_units(data):
    html = render("basic_research.html.j2", data, "ko")
    assert "4,800억원" in html  # RUF 2030 in the table
    assert ">억원</text>" in html  # axis unit


def test_institutes_has_charts_distributions_and_one_table_per_institute(data):
    html = render("institutes.html.j2", data)
    assert "Institutional grants by programme" in html and "Grade S" in html
    assert html.count("<caption>Demo ") == 3
    assert "Demo Quantum Research Institute 01 (synthetic)" in html
    assert "institution operations" in html  # the 2026 non-integrated evaluation


def test_findings_list_counts_and_first_event_ids(data):
    html = render("findings.html.j2", data)
    assert "<code>DEMO-E-0001913</code>" in html
    assert html.count("<code>DEMO-E-00") == 9
    assert "Bonuses paid before their scheme existed" in html


def test_findings_fall_back_to_indicator_counts(data):
    html = render("findings.html.j2", spec_only(data))
    assert "Grants with an unregistered researcher" in html
    assert "DEMO-E-" not in html
    assert '<th scope="row">2026</th><td class="num">13</td><td></td>' in html


def test_methodology_defines_every_indicator(data):
    html = render("methodology.html.j2", data, "ko")
    for indicator_id in INDICATOR_IDS:
        assert f'id="def-{indicator_id}"' in html
    assert "최소제곱" in html  # the forecast, in plain Korean


def test_figure_and_table_partials():
    context = build_context(report_data(), "en")
    figure = context["basic"]["figures"][0]
    html = render_template("figure.html.j2", {**context, "figure": figure})
    assert html.count("<figure") == 1 and "<svg" in html and "<table>" in html
    assert '<th scope="row">2024</th>' in html


def test_missing_context_key_fails_loudly():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render_template("scorecard.html.j2", {"ui": {}, "titles": {}, "scorecard": []})


def test_coverage_overstated_by_missing_censuses_is_marked_on_the_scorecard(data):
    """Researchers at institutions without a census count in coverage's
    numerator only: retracting three censuses turned 29.6% (at risk) into
    39.0% (on track) with no word on the scorecard."""
    html = render("scorecard.html.j2", data)
    assert html.count('<span aria-hidden="true">‡</span>') == 3  # the three coverage targets
    assert (
        '<p class="note">‡ Coverage in 2029: 2 institution(s) sent no faculty census for that '
        "year; their researchers count in the numerator but not in the denominator, so the "
        "rates, and their status, are overstated (see the findings).</p>"
    ) in html
    complete = copy.deepcopy(data)
    for row in complete["indicators"]:
        if row["id"] == "dq.census_missing":
            row["value"] = 0
    assert "‡" not in render("scorecard.html.j2", complete)


def test_a_target_with_its_own_rule_shows_no_trend(data):
    """Its status follows its rule (every year from 2026; none at all), not a
    forecast: a share forecast at 106.7%, or 2.8 stage evaluations in 2030,
    beside it only misled. Its chart says the rule, not "by 2030"."""
    card = render("scorecard.html.j2", data)
    for indicator_id in (
        "institutes.integrated_evaluation_share",
        "evaluation.stage_after_abolition",
    ):
        row = card.split(f'<tr data-indicator="{indicator_id}">')[1].split("</tr>")[0]
        assert re.findall(r'<td class="num">([^<]*)</td>', row)[-1] == "—", row
    html = render("institutes.html.j2", data)
    described = html.split('<desc id="fig-integrated-desc">')[1].split("</desc>")[0]
    assert described.endswith("Target: 100.0% every year from 2026.")
    figure = html.split('<desc id="fig-integrated-desc">')[1].split("</figure>")[0]
    assert 'stroke-dasharray="1 3"' not in figure  # no dotted forecast line
    assert "trend forecast" not in figure  # nor its legend entry
