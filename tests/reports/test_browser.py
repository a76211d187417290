"""End to end: the report opened in headless Chromium over the DevTools protocol.

Skips when no chromium is installed, unless RND_LEDGER_REQUIRE_BROWSER=1 (CI),
which turns the skip into a failure. The screenshots stay in artifacts/ for
people to look at. Three reports: the hand-written fixture (every status and
finding), the small demo through the real projections, and the national demo
(marked slow; set RND_LEDGER_REPORT_STORE to an already ingested national
store to skip the ~1 min of building one).
"""

import os
from pathlib import Path

import pytest

from reports.render import render_report
from tests.reports.cdp import Browser, find_chromium
from tests.reports.fixtures import report_data

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
REQUIRE_ENV = "RND_LEDGER_REQUIRE_BROWSER"
STORE_ENV = "RND_LEDGER_REPORT_STORE"
WIDTH = 1280


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but chromium is not installed")
        pytest.skip("browser tests need chromium (apt-get install chromium fonts-noto-cjk)")
    opened = Browser(executable)
    yield opened
    opened.close()


def demo_data(scale: str, tmp_path_factory) -> dict:
    """projections.compute on `rnd-ledger demo --scale SCALE`, ingested into SQLite."""
    projections = pytest.importorskip("projections")
    if not hasattr(projections, "compute"):
        pytest.skip("projections.compute is not there yet")
    store = os.environ.get(STORE_ENV) if scale == "national" else None
    if not store:
        from rnd_ledger.cli import main

        folder = tmp_path_factory.mktemp(scale)
        events, store = folder / f"{scale}.jsonl.gz", f"sqlite:///{folder / f'{scale}.db'}"
        assert main(["demo", "--scale", scale, "--out", str(events)]) == 0
        assert main(["ingest", str(events), "--store", store]) in (0, 1)
    return projections.compute(store)


@pytest.fixture(
    scope="module",
    params=["fixture", "small", pytest.param("national", marks=pytest.mark.slow)],
)
def source(request, tmp_path_factory):
    if request.param == "fixture":
        return "fixture", report_data()
    return request.param, demo_data(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=["ko", "en"])
def opened(request, source, browser, tmp_path_factory):
    name, data = source
    lang = request.param
    path = tmp_path_factory.mktemp("html") / f"report-{name}-{lang}.html"
    path.write_text(render_report(data, lang), encoding="utf-8")
    page = browser.open_page(path, width=WIDTH)
    return name, lang, path, page


def test_page_loads_only_itself_without_errors(opened):
    _, _, path, page = opened
    assert page.requested_urls() == [path.resolve().as_uri()]
    assert page.problems() == []
    assert page.evaluate("document.scripts.length") == 0


def test_text_is_drawn_with_a_korean_capable_font(opened):
    _, lang, _, page = opened
    fonts = page.fonts_of("h1") + page.fonts_of("table.scorecard th")
    assert fonts, "no font was used"
    assert any(k in font for font in fonts for k in ("CJK", "KR", "Gothic", "Nanum")), fonts


def test_layout_fits_the_window_and_every_chart_is_drawn(opened):
    _, _, _, page = opened
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('svg.chart')).map(s => {"
        " const r = s.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    figures = page.evaluate("document.querySelectorAll('figure').length")
    assert len(sizes) == figures >= 19
    assert all(w > 300 and h > 150 for w, h in sizes), sizes


def test_status_badges_show_text_and_a_shape(opened):
    _, lang, _, page = opened
    badges = page.evaluate(
        "Array.from(document.querySelectorAll('table.scorecard .badge')).map(b => b.innerText)"
    )
    assert badges
    assert all(b.strip()[0] in "✔▲✖?" and len(b.strip()) > 2 for b in badges), badges


def test_screenshot_is_kept_as_an_artifact(opened):
    name, lang, _, page = opened
    shot = page.screenshot(ARTIFACTS / f"report-{name}-{lang}.png")
    assert shot.stat().st_size > 50_000  # a drawn page, not a blank one
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_printing_shows_the_tables_behind_a_click(opened):
    """On paper nothing can be opened: the parameters and data tables print."""
    _, _, _, page = opened
    hidden = "Array.from(document.querySelectorAll('details:not([open]) table'))"
    visible = f"{hidden}.map(t => t.checkVisibility())"
    assert not any(page.evaluate(visible))  # on screen: behind a click
    page.send("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        printed = page.evaluate(visible)
    finally:
        page.send("Emulation.setEmulatedMedia", {"media": ""})
    assert printed and all(printed)


def test_a_long_name_without_spaces_wraps_inside_its_table(browser, tmp_path):
    data = report_data()
    for row in data["institutes"]:
        row["name_en"] = row["name_ko"] = "Institute" + "X" * 300
    path = tmp_path / "long.html"
    path.write_text(render_report(data, "en"), encoding="utf-8")
    page = browser.open_page(path, width=WIDTH)
    overflowing = page.evaluate(
        "Array.from(document.querySelectorAll('.table-wrap'))"
        ".filter(w => w.scrollWidth > w.clientWidth + 1).length"
    )
    assert overflowing == 0
