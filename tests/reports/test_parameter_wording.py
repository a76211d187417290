"""The report's prose states the parameters the figures used, not the shipped defaults.

A parameters file read by projections.parameters (the real format) goes into
the fixture's `parameters`; the methodology, status help, scorecard title,
chart titles and intros must then state its values in both languages.
"""

import re

import pytest

from projections.parameters import load_parameters
from reports import wording
from reports.context import build_context
from reports.messages import keys, load
from reports.render import render_report, render_template
from tests.reports.fixtures import report_data

OVERRIDES = """
[definitions]
early_career_years = 20
stage_evaluation_abolished_on = "2027-01-01"
integrated_evaluation_from = 2027
young_ladder_from = 2025

[schemes]
excellent_researcher = 2028
all_staff_integrated = 2029

[status]
forecast_window_years = 3
at_risk_tolerance = 0.2

[targets."institutes.personnel_cost_coverage"]
value = 0.9
target_year = 2032

[targets."institutes.integrated_evaluation_share"]
value = 0.95
from_year = 2028
"""

STATED = {
    "en": [
        "first appointed within the last 20 years (the parameter early_career_years)",
        "fitted by least squares to the values of the three years up to the last year with data",
        "at risk if it misses by less than 20% of the target",
        "the trend misses by 20% of the target or more",
        "fewer than two values in the last three years",
        "on track only if every year with data from 2028 reaches 95%",
        "Stage evaluations after abolition: a zero target",
        "growth-ladder grant starting from 2025 up to the year",
        "taken as their abolition (1 January 2027; the seed gives no date); the target is zero",
        "The target is 90% (PBS phased out)",
        "the target is 95% from 2028",
        "(scheme from 2028)",
        "(scheme planned from 2029)",
        "Institute evaluations for 2027 or later",
    ],
    "ko": [
        "최초 임용 후 20년(매개변수 early_career_years) 이내",
        "자료가 있는 마지막 해까지의 최근 3년 동안의 값에 최소제곱 직선",
        "목표의 20% 미만으로 부족하면 주의",
        "추세가 목표의 20% 이상 부족",
        "최근 3년 값이 두 개 미만",
        "2028년부터 자료가 있는 모든 해가 95%에 도달할 때만 순항",
        "폐지 이후 단계평가: 목표가 0이므로",
        "2025년부터 그해까지 젊은 연구자 성장사다리",
        "폐지일로 가정한 날(2027년 1월 1일; 원문에 날짜 없음) 이후",
        "목표는 90%(PBS 폐지)",
        "2028년부터 목표는 95%",
        "(2028년 신설)",
        "(2029년 신설 추진)",
        "2027년 이후 평가 중",
    ],
}
DEFAULTS_STATED = {
    "en": ["seven years", "last five years", "10%", "100%", "2026"],
    "ko": ["후 7년", "최근 5년", "10%", "100%", "2026"],
}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("parameters") / "parameters.toml"
    path.write_text(OVERRIDES, encoding="utf-8")
    data = report_data()
    data["parameters"] = load_parameters(str(path)).as_json()
    return data


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_methodology_states_the_parameters_used(data, lang):
    html = render_template("methodology.html.j2", build_context(data, lang))
    text = text_of(html)
    for phrase in STATED[lang]:
        assert phrase in text
    for default in DEFAULTS_STATED[lang]:
        assert default not in text  # 2026: none of the dates, years or schemes is the default


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_methodology_states_the_defaults_without_a_parameters_file(lang):
    html = render_template("methodology.html.j2", build_context(report_data(), lang))
    text = text_of(html)
    if lang == "en":
        assert "within the last seven years" in text and "less than 10% of the target" in text
        assert "(1 January 2026; the seed gives no date); the target is zero" in text
        assert "every year with data from 2026 reaches 100%" in text
    else:
        assert "최초 임용 후 7년(" in text and "목표의 10% 미만" in text
        assert "폐지일로 가정한 날(2026년 1월 1일; 원문에 날짜 없음)" in text


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "en",
            [
                "Scorecard of the 2030 and 2032 targets",
                "the linear trend of the last three years leads by the target year",
                "Young researchers supported since 2025 (cumulative)",
                "one integrated evaluation from 2027,",
            ],
        ),
        (
            "ko",
            [
                "2030·2032 목표 점검표",
                "최근 3년 선형 추세",
                "2025년 이후 지원한 청년 연구자(누적)",
                "2027년부터 통합 평가,",
            ],
        ),
    ],
)
def test_titles_and_intros_state_the_parameters_used(data, lang, phrases):
    text = text_of(render_report(data, lang))
    for phrase in phrases:
        assert phrase in text
    assert "Scorecard of the 2030 targets" not in text and "2030 목표 점검표" not in text
    assert "since 2026" not in text and "2026년 이후 지원한" not in text


def test_a_status_rule_follows_the_targets_not_the_indicator():
    data = report_data()
    data["parameters"]["targets"] = {
        "evaluation.stage_after_abolition": {"value": 2, "target_year": 2030},
        "compliance.bonus_before_scheme": {"value": 0, "target_year": 2030},
        # A zero target for what should happen is met by any value: no rule of its own.
        "ai_centers.designated": {"value": 0, "target_year": 2030},
    }
    principles = build_context(data, "en")["methodology"]["principles"]
    status = next(p for p in principles if p.startswith("Status:"))
    assert "Bonuses paid before their scheme existed: a zero target" in status
    assert status.count(": a zero target") == 1
    assert "Basic-research AI centres: a zero target" not in status
    assert "Stage evaluations after abolition:" not in status


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (wording.years, (7, "en"), "seven years"),
        (wording.years, (1, "en"), "one year"),
        (wording.years, (20, "en"), "20 years"),
        (wording.years, (7, "ko"), "7년"),
        (wording.number, (0, "en"), "zero"),
        (wording.number, (12, "en"), "12"),
        (wording.number, (3, "ko"), "3"),
        (wording.percent, (0.1,), "10%"),
        (wording.percent, (0.125,), "12.5%"),
        (wording.percent, (1.0,), "100%"),
        (wording.year_list, ([2030, 2030], "en"), "2030"),
        (wording.year_list, ([2035, 2030, 2028], "en"), "2028, 2030 and 2035"),
        (wording.year_list, ([2035, 2030], "ko"), "2030·2035"),
    ],
)
def test_words_for_numbers_years_and_shares(function, args, expected):
    assert function(*args) == expected


def test_a_partial_parameters_dict_keeps_the_other_defaults():
    values = wording.phrases({"early_career_years": 3, "targets": {}}, "en")
    assert values["early_career_years"] == "three years"
    assert values["forecast_window_years"] == "five years"
    assert values["target_years"] == "2030"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_placeholder_in_the_catalogue_has_a_value(lang):
    catalogue = load(lang)
    for key in keys(catalogue.tree):
        if key.startswith("indicator."):
            catalogue.indicator(key.split(".", 1)[1].rsplit(".", 1)[0])
        elif key.startswith("status_rule."):
            catalogue.text(key, name="x", from_year="2026", target="100%")
        elif key.startswith("findings."):
            assert "{" not in catalogue.text(key, more="3", id="x", year="2026")
        elif key.startswith("caveat."):
            assert "{" not in catalogue.text(key, year="2029", count="2")
        elif key.startswith("gap."):
            assert "{" not in catalogue.text(key, amount="1.9 pp")
        elif key.startswith("chart_text."):
            values = dict(name="x", first="1%", first_year="2024", last="2%", last_year="2030")
            assert "{" not in catalogue.text(key, **values, target="3%", year="2030")
        else:
            assert "{" not in catalogue.text(key)
