"""The shipped parameters: the defaults of indicators.md, each with its source."""

import re
import tomllib
from datetime import date

import pytest

from projections.parameters import ParameterError, default_text, load_parameters

DEFAULT_TARGETS = {
    "coverage.all_faculty": (0.30, 2030),
    "coverage.full_time": (0.50, 2030),
    "coverage.early_career": (0.70, 2030),
    "budget.basic_research_share": (0.10, 2030),
    "young.researchers_supported": (10_000, 2030),
    "evaluation.stage_after_abolition": (0, 2030),
    "ai_centers.designated": (40, 2030),
    "ai_centers.researchers_trained": (2_000, 2030),
    "institutes.personnel_cost_coverage": (1.00, 2030),
    "institutes.integrated_evaluation_share": (1.00, 2030),
}


def test_defaults_are_those_of_the_spec():
    params = load_parameters()
    assert params.early_career_years == 7
    assert params.stage_evaluation_abolished_on == date(2026, 1, 1)
    assert params.integrated_evaluation_from == 2026
    assert params.schemes == {"excellent_researcher": 2026, "all_staff_integrated": 2027}
    assert {k: (t.value, t.target_year) for k, t in params.targets.items()} == DEFAULT_TARGETS
    assert params.targets["institutes.integrated_evaluation_share"].from_year == 2026


def test_every_target_names_its_source():
    raw = tomllib.loads(default_text())
    for key, target in raw["targets"].items():
        assert len(target["source"]) > 20, key


def test_every_target_names_its_source_in_korean_too():
    params = load_parameters()
    for key, target in params.targets.items():
        assert re.search("[가-힣]", target.source_ko) and "seed" not in target.source_ko, key
        assert params.as_json()["targets"][key]["source_ko"] == target.source_ko


def test_a_file_giving_its_own_source_drops_the_shipped_translation(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        '[targets."coverage.full_time"]\nvalue = 0.6\nsource = "our plan"\n'
        '[targets."coverage.early_career"]\nvalue = 0.8\n'
    )
    targets = load_parameters(str(path)).as_json()["targets"]
    assert targets["coverage.full_time"]["source"] == "our plan"
    assert "source_ko" not in targets["coverage.full_time"]
    early = targets["coverage.early_career"]  # no source given: the file, and the default's
    assert early["source"].startswith(f"{path} (the shipped default, 0.7 by 2030, is from: seed")
    assert early["source_ko"].startswith(f"{path} (기본값 0.7, 2030년의 출처: ")
    assert "신진 70%" in early["source_ko"]


def test_a_changed_first_year_or_a_korean_source_alone_does_not_keep_the_shipped_source(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        '[targets."institutes.integrated_evaluation_share"]\nfrom_year = 2028\n'
        '[targets."coverage.full_time"]\nvalue = 0.6\nsource_ko = "우리 계획"\n'
    )
    targets = load_parameters(str(path)).as_json()["targets"]
    integrated = targets["institutes.integrated_evaluation_share"]
    assert integrated["source"].startswith(f"{path} (the shipped default")
    assert targets["coverage.full_time"]["source"].startswith(f"{path} (the shipped default")
    assert targets["coverage.full_time"]["source_ko"] == "우리 계획"


def test_a_target_given_again_unchanged_keeps_the_shipped_source(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[targets."coverage.early_career"]\nvalue = 0.70\ntarget_year = 2030\n')
    target = load_parameters(str(path)).as_json()["targets"]["coverage.early_career"]
    assert target["source"].startswith("seed") and "신진 70%" in target["source_ko"]


def test_a_partial_file_keeps_the_other_defaults(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[schemes]\nall_staff_integrated = 2028\n")
    params = load_parameters(str(path))
    assert params.schemes == {"excellent_researcher": 2026, "all_staff_integrated": 2028}
    assert params.as_json()["file"] == str(path)
    assert params.as_json()["bonus_scheme_first_year"]["all_staff_integrated"] == 2028


@pytest.mark.parametrize(
    "text",
    ["[status]\nforecast_window_years = 1\n", "not toml [", '[targets."x"]\nvalue = "high"\n'],
)
def test_bad_files_are_refused(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ParameterError):
        load_parameters(str(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[definitions]\nearly_carer_years = 3\n", "unknown key definitions.early_carer_years"),
        ("[definition]\nearly_career_years = 3\n", "unknown key definition"),
        ('[targets."coverage.al_faculty"]\nvalue = 0.3\n', "unknown key targets.coverage.al"),
        ("[definitions]\nearly_career_years = -5\n", "early_career_years must be 1 or more"),
        ("[status]\nat_risk_tolerance = 2\n", "at_risk_tolerance must be a share"),
        ("early_career_years = 5\n", "early_career_years (it belongs under [definitions])"),
        ("targets = 5\n", "targets must be a table"),
        ('[targets]\n"coverage.full_time" = 0.5\n', "targets.coverage.full_time must be a table"),
    ],
)
def test_a_typo_or_impossible_value_is_named_not_ignored(tmp_path, text, message):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ParameterError, match=re.escape(message)):
        load_parameters(str(path))


def test_new_schemes_may_be_added(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[schemes]\nregional_bonus = 2029\n")
    assert load_parameters(str(path)).schemes["regional_bonus"] == 2029
