"""The report for the small synthetic demo, computed by the real projections."""

import pytest

from rnd_ledger.cli import main
from tests.reports.test_report import assert_self_contained

projections = pytest.importorskip("projections")
if not hasattr(projections, "compute"):
    pytest.skip("projections.compute is not there yet", allow_module_level=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`rnd-ledger demo --scale small` ingested into a fresh SQLite store."""
    folder = tmp_path_factory.mktemp("demo")
    events, store = folder / "f.jsonl", f"sqlite:///{folder / 'x.db'}"
    assert main(["demo", "--scale", "small", "--out", str(events)]) == 0
    assert main(["ingest", str(events), "--store", store]) in (0, 1)
    return folder, store, projections.compute(store)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_demo_report_shows_the_computed_figures(demo, lang):
    folder, store, data = demo
    out = folder / f"report-{lang}.html"
    assert main(["report", "--store", store, "--out", str(out), "--lang", lang]) == 0
    html = out.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in html
    assert_self_contained(html)
    assert 'class="banner"' in html  # the demo is synthetic
    targets = {t["id"]: t for t in data["targets"]}
    full_time = targets["coverage.full_time"]
    latest = f"{full_time['latest_value'] * 100:.1f}%"  # formatted independently here
    assert f"{latest} <small>({full_time['latest_year']})</small>" in html
    assert f"{data['as_of']['position']:,}" in html
    assert f"{data['summary']['events']:,}" in html
    institute = data["institutes"][0]
    assert institute[f"name_{lang}"] in html
    finding = data["findings"][0]
    assert f"<code>{finding['event_ids'][0]}</code>" in html
    share = targets["budget.basic_research_share"]
    assert f"{share['latest_value'] * 100:.1f}%" in html


def test_demo_report_as_of_an_earlier_position(demo, capsys):
    folder, store, data = demo
    out = folder / "early.html"
    assert main(["report", "--store", store, "--out", str(out), "--position", "100"]) == 0
    assert '<span class="value">100</span>' in out.read_text(encoding="utf-8")


def test_demo_report_with_a_missing_parameters_file_is_exit_2(demo, capsys):
    folder, store, _ = demo
    code = main(["report", "--store", store, "--out", str(folder / "x.html"),
                 "--parameters", str(folder / "missing.toml")])  # fmt: skip
    assert code == 2
    assert "missing.toml" in capsys.readouterr().err
