"""The whole report: both languages, key figures formatted, self-contained, escaped."""

import re

import pytest

from reports.render import render_report
from tests.reports.fixtures import report_data, spec_only

MAX_BYTES = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def data():
    return report_data()


@pytest.fixture(scope="module", params=["ko", "en"])
def page(request, data):
    return request.param, render_report(data, request.param)


def assert_self_contained(html: str) -> None:
    """No script, no external reference of any kind, nothing that could load."""
    assert "<script" not in html.lower()
    assert not re.search(r"https?:|ftp:|//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE)
    assert "url(" not in html.replace("url(#fig-", "")  # only in-document SVG patterns
    assert "@import" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"\b(src|srcset|action|formaction)=", html)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith("#") for h in hrefs)


def test_report_is_self_contained(page):
    _, html = page
    assert_self_contained(html)
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and '"Noto Sans CJK KR"' in html


def test_report_language_and_key_figures(page):
    lang, html = page
    assert f'<html lang="{lang}">' in html
    assert "42.5% <small>(2029)</small>" in html  # full-time coverage, latest
    assert "1,234,567" in html  # ledger position
    if lang == "ko":
        assert "국가 R&amp;D 정책 지표 보고서" in html
        assert "4,800억원" in html and "7.5%p" in html and "9,405명" in html
        assert "2026년 11월 24일 10:00 UTC" in html
    else:
        assert "National R&amp;D policy indicators" in html
        assert "KRW 480 bn" in html and "7.5 pp" in html and "9,405" in html
        assert "24 November 2026, 10:00 UTC" in html


def test_every_chart_has_title_axis_labels_and_a_table(page):
    _, html = page
    figures = re.findall(r"<figure id=\"[^\"]+\">(.*?)</figure>", html, re.DOTALL)
    assert len(figures) >= 19
    for body in figures:
        assert "<figcaption>" in body and "<title id=" in body
        assert body.count('font-weight="bold"') == 2  # the x and y axis labels
        assert "<details>" in body and "<table>" in body


def test_report_renders_from_the_four_spec_keys_alone(data):
    html = render_report(spec_only(data), "en")
    assert_self_contained(html)
    assert 'class="banner"' not in html
    assert "Scorecard of the 2030 targets" in html
    assert "Not stated: these figures came without one" in html


def test_text_from_the_data_is_escaped():
    data = report_data()
    data["institutes"][0]["name_en"] = '<script>alert("x")</script>'
    data["findings"][0]["event_ids"] = ["<b>e1</b>"]
    html = render_report(data, "en")
    assert "<script>" not in html and "<b>e1</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;e1&lt;/b&gt;" in html


def test_national_sized_report_stays_under_two_megabytes():
    html = render_report(report_data(institutes=23, universities=190), "ko")
    assert len(html.encode("utf-8")) <= MAX_BYTES
    assert html.count("<caption>데모 ") == 23  # one table per institute
    assert "DEMO-U190" not in html  # universities are aggregated, not listed


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_an_empty_ledger_still_renders(lang):
    empty = {
        "as_of": {"position": 0, "recorded_at": None},
        "parameters": {},
        "indicators": [],
        "targets": [],
        "breakdowns": [],
    }
    html = render_report(empty, lang)
    assert_self_contained(html)
    assert "<figure" not in html  # nothing to draw
    assert 'id="methodology"' in html
