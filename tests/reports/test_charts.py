"""The SVG charts: scales, null gaps, targets, escaping, accessibility hooks."""

import re

import pytest
from markupsafe import Markup

from reports import charts

YEARS = [2024, 2025, 2026, 2027]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, (1.0, 0.2)),
        (73.5, (80, 20)),
        (10_500, (12_500, 2_500)),
        (1.0, (1.0, 0.2)),
        (0.42, (0.5, 0.1)),
        (4, (4, 1)),
    ],
)
def test_nice_ceiling(value, expected):
    top, step = charts.nice_ceiling(value)
    assert (pytest.approx(top), pytest.approx(step)) == expected
    assert top >= value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, (1, 1)), (1, (1, 1)), (2, (2, 1)), (12, (12, 3)), (40, (40, 10))],
)
def test_a_count_axis_has_whole_steps(value, expected):
    """One stage evaluation drew ticks 0.25, 0.50, 0.75 and a target 'target 0.00'."""
    top, step = charts.nice_ceiling(value, whole=True)
    assert (pytest.approx(top), pytest.approx(step)) == expected
    assert charts.tick_digits(step) == 0


@pytest.mark.parametrize(("step", "digits"), [(20, 0), (2.5, 1), (0.2, 1), (0.25, 2)])
def test_tick_digits(step, digits):
    assert charts.tick_digits(step) == digits


def test_runs_break_at_nulls_and_drop_lone_points():
    points = [(2024, 1.0), (2025, None), (2026, 2.0), (2027, 3.0), (2028, None), (2029, 4.0)]
    assert charts.runs(points) == [[(2026, 2.0), (2027, 3.0)]]


def line(**extra):
    return charts.line_chart(
        "fig-test",
        "Coverage <all>",
        YEARS,
        [
            charts.Series("A & B", [10.0, None, 30.0, 40.0], forecast=(2026, 30.0, 2027, 45.0)),
            charts.Series("C", [5.0, 6.0, 7.0, 8.0]),
        ],
        x_label="Year",
        y_label="Share (%)",
        targets=[charts.Target("target", 50.0)],
        forecast_label="trend forecast",
        suffix="%",
        **extra,
    )


def test_line_chart_has_title_axis_labels_and_target():
    chart = line()
    assert isinstance(chart.svg, Markup)
    svg = str(chart.svg)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert '<title id="fig-test-title">Coverage &lt;all&gt;</title>' in svg
    assert 'aria-labelledby="fig-test-title fig-test-desc"' in svg
    assert ">Year</text>" in svg and ">Share (%)</text>" in svg
    assert ">target 50%</text>" in svg
    assert "xmlns" not in svg and "http" not in svg


def test_line_chart_escapes_labels_and_breaks_lines_at_nulls():
    chart = line()
    assert [label for _, label in chart.legend] == ["A & B", "C", "target", "trend forecast"]
    svg = str(chart.svg)
    assert "A & B" not in svg  # labels only in the legend, escaped by the template
    assert svg.count("<polyline") == 2  # series A's lone 2024 point makes no line
    assert svg.count('stroke-dasharray="1 3"') == 1  # one forecast


def test_series_differ_by_more_than_colour():
    legend = line().legend
    first, second = str(legend[0][0]), str(legend[1][0])
    assert "stroke-dasharray" not in first and "stroke-dasharray" in second
    assert "<circle" in first and "<rect" in second


def test_bar_chart_stacks_and_uses_patterns():
    chart = charts.bar_chart(
        "fig-bars",
        "Grades",
        YEARS,
        [charts.Series("S", [1, 2, None, 0]), charts.Series("A", [3, 3, 3, 3])],
        x_label="Year",
        y_label="Institutes",
        stacked=True,
    )
    svg = str(chart.svg)
    assert svg.count("<rect x=") == 2 + 4  # nulls and zeros draw nothing
    assert 'id="fig-bars-p0"' in svg and 'fill="url(#fig-bars-p1)"' in svg
    heights = [
        float(h)
        for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', svg)
    ]
    assert max(heights) < charts.HEIGHT - charts.TOP - charts.BOTTOM + 1


def test_bar_chart_target_line_is_drawn_above_bars():
    chart = charts.bar_chart(
        "fig-young",
        "Young",
        YEARS,
        [charts.Series("young", [0, 0, 1880, 3771])],
        x_label="Year",
        y_label="People",
        targets=[charts.Target("target", 10_000)],
    )
    svg = str(chart.svg)
    assert ">target 10,000</text>" in svg
    assert svg.index('class="target"') > svg.index('class="series"')


@pytest.mark.parametrize("draw", [charts.line_chart, charts.bar_chart])
def test_a_chart_with_no_values_still_draws_its_axes(draw):
    chart = draw(
        "fig-empty",
        "Nothing yet",
        YEARS,
        [charts.Series("none", [None] * 4)],
        x_label="Year",
        y_label="People",
    )
    svg = str(chart.svg)
    assert ">Year</text>" in svg and "<polyline" not in svg and "<rect x=" not in svg
