"""Building blocks of the report's context: the indexed data and chart figures.

A `View` indexes the `projections.compute` result once (values by id and
year, targets by id, breakdowns, distributions). `Figures` turns a few
indicator ids into a figure dict for the templates: the chart's SVG, its
legend, and a table equivalent with every value formatted by the filters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from reports import charts, filters, wording
from reports.indicators import format_value, kind_of
from reports.messages import Catalogue


class View:
    """Read-only lookups over the data dict; extra keys may be missing."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.values: dict[str, dict[int, float | None]] = defaultdict(dict)
        for row in data.get("indicators", []):
            self.values[row["id"]][int(row["year"])] = row["value"]
        years = {y for by_year in self.values.values() for y in by_year}
        self.years = sorted(years) or [2030]
        self.targets = {t["id"]: t for t in data.get("targets", [])}
        self.breakdowns = data.get("breakdowns", [])
        self.distributions: dict[str, dict[int, dict[str, float]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for row in data.get("distributions") or []:
            self.distributions[row["id"]][int(row["year"])][str(row["key"])] = row["value"]

    def series(self, indicator_id: str) -> list[float | None]:
        by_year = self.values.get(indicator_id, {})
        return [by_year.get(year) for year in self.years]

    def has(self, indicator_id: str) -> bool:
        """Whether the indicator has a value in some year (a chart of nothing
        but missing values would draw bare axes)."""
        return any(v is not None for v in self.values.get(indicator_id, {}).values())


def display_scale(indicator_id: str, view: View, lang: str) -> tuple[float, str, str]:
    """(multiplier, tick suffix, axis-unit override) to draw an indicator's values."""
    kind = kind_of(indicator_id).kind
    if kind == "ratio":
        return 100.0, "%", ""
    if kind == "krw":
        highest = max([v or 0 for v in view.series(indicator_id)] + [0])
        divisor, unit = filters.money_scale(highest, lang)
        return 1 / divisor, "", unit
    return 1.0, "", ""


def scaled(values: Sequence[float | None], factor: float) -> list[float | None]:
    return [None if v is None else v * factor for v in values]


class Figures:
    """Makes figure dicts for one language."""

    def __init__(self, view: View, catalogue: Catalogue) -> None:
        self.view = view
        self.m = catalogue
        self.lang = catalogue.lang
        # Targets judged by their own rule: a first year (or None, a zero target).
        self.own_rules = wording.own_rules(view.data.get("parameters"))
        self.first_years = {i: y for i, y in self.own_rules.items() if y is not None}

    def trend_applies(self, indicator_id: str) -> bool:
        """Whether the target's status follows the forecast: not where it has a
        rule of its own (every year from a first year; none at all), so no
        trend line or forecast is shown there (a share forecast past 100%)."""
        return indicator_id not in self.own_rules

    def name(self, indicator_id: str) -> str:
        return self.m.indicator(indicator_id)["name"]

    def unit_word(self, indicator_id: str) -> str:
        unit = kind_of(indicator_id).unit
        return self.m.get(f"unit.{unit}", "") if unit else ""

    def value_text(self, indicator_id: str, value: float | None) -> str:
        return format_value(indicator_id, value, self.lang, self.unit_word(indicator_id))

    def target_of(self, indicator_id: str, factor: float) -> list[charts.Target]:
        target = self.view.targets.get(indicator_id)
        if target is None or target.get("target") is None:
            return []
        return [charts.Target(self.m.text("ui.target_line"), target["target"] * factor)]

    def forecast_of(self, indicator_id: str, factor: float) -> tuple[int, float, int, float] | None:
        """(from year, from value, to year, forecast) of the dashed forecast line."""
        target = self.view.targets.get(indicator_id)
        if not target or target.get("forecast") is None or target.get("latest_value") is None:
            return None
        if not self.trend_applies(indicator_id):
            return None
        start, end = target.get("latest_year"), target.get("target_year")
        if start is None or end is None or start >= end or end not in self.view.years:
            return None
        if start not in self.view.years:
            return None
        return (start, target["latest_value"] * factor, end, target["forecast"] * factor)

    def indicator_figure(
        self,
        key: str,
        ids: Sequence[str],
        axis_key: str,
        *,
        bars: bool = False,
    ) -> dict[str, Any]:
        """A chart of one or more indicators of the same kind, with its data table."""
        factor, suffix, unit_override = display_scale(ids[0], self.view, self.lang)
        series, targets = [], []
        for indicator_id in ids:
            forecast = None if bars else self.forecast_of(indicator_id, factor)
            values = scaled(self.view.series(indicator_id), factor)
            series.append(charts.Series(self.name(indicator_id), values, forecast))
            targets += self.target_of(indicator_id, factor)
        y_label = unit_override or self.m.text(f"unit.{axis_key}")
        title = self.m.text(f"chart.{key}")
        common = dict(
            x_label=self.m.text("unit.axis_year"),
            y_label=y_label,
            suffix=suffix,
            description=self.describe(ids),
            whole=kind_of(ids[0]).kind == "count",
        )
        if bars:
            chart = charts.bar_chart(
                f"fig-{key}", title, self.view.years, series, targets=targets, **common
            )
        else:
            chart = charts.line_chart(
                f"fig-{key}",
                title,
                self.view.years,
                series,
                targets=targets,
                forecast_label=self.m.text("ui.forecast_line"),
                **common,
            )
        headers = [self.m.text("ui.year"), *(self.name(i) for i in ids)]
        rows = [
            [str(year), *(self.value_text(i, self.view.values[i].get(year)) for i in ids)]
            for year in self.view.years
        ]
        target_rows = [
            [f"{self.m.text('ui.target')} ({self.view.targets[i]['target_year']})"]
            + [self.value_text(i, self.view.targets[i]["target"]) if j == i else "" for j in ids]
            for i in ids
            if i in self.view.targets
        ]
        return figure(chart, headers, rows + target_rows, self.m)

    def describe(self, ids: Sequence[str]) -> str:
        """The chart in words, for a screen reader: each line from its first
        year with data to its last, and its target."""
        parts = []
        for indicator_id in ids:
            values = self.view.values.get(indicator_id, {})
            years = [year for year in self.view.years if values.get(year) is not None]
            if years:
                first, last = years[0], years[-1]
                parts.append(
                    self.m.text(
                        "chart_text.series" if first != last else "chart_text.one_year",
                        name=self.name(indicator_id),
                        first_year=str(first),
                        first=self.value_text(indicator_id, values[first]),
                        last_year=str(last),
                        last=self.value_text(indicator_id, values[last]),
                    )
                )
            target = self.view.targets.get(indicator_id)
            if target and target.get("target") is not None:
                first_year = self.first_years.get(indicator_id)
                parts.append(
                    self.m.text(
                        "chart_text.target" if first_year is None else "chart_text.target_from",
                        target=self.value_text(indicator_id, target["target"]),
                        year=str(target.get("target_year") if first_year is None else first_year),
                    )
                )
        return " ".join(parts)

    def distribution_figure(
        self,
        key: str,
        distribution_id: str,
        keys: Sequence[str],
        labels: Sequence[str],
        money: bool,
    ) -> dict[str, Any] | None:
        """A stacked bar chart of one of the `distributions` (grades, programme split)."""
        by_year = self.view.distributions.get(distribution_id)
        if not by_year:
            return None
        # In a year with data, a key nobody reported counts 0; a year without is missing.
        raw = [
            [by_year[year].get(k, 0) if year in by_year else None for year in self.view.years]
            for k in keys
        ]
        if money:
            highest = max(sum(v or 0 for v in column) for column in zip(*raw, strict=True))
            divisor, y_label = filters.money_scale(highest, self.lang)

            def text(v: float | None) -> str:
                return filters.format_money(v, self.lang)
        else:
            divisor, y_label = 1, self.m.text("unit.axis_institutes")

            def text(v: float | None) -> str:
                return filters.format_count(v, self.lang, self.m.text("unit.institutes"))

        series = [
            charts.Series(label, scaled(values, 1 / divisor))
            for label, values in zip(labels, raw, strict=True)
        ]
        chart = charts.bar_chart(
            f"fig-{key}",
            self.m.text(f"chart.{key}"),
            self.view.years,
            series,
            stacked=True,
            x_label=self.m.text("unit.axis_year"),
            y_label=y_label,
            whole=not money,
        )
        headers = [self.m.text("ui.year"), *labels]
        rows = [
            [str(year), *(text(values[n]) for values in raw)]
            for n, year in enumerate(self.view.years)
        ]
        return figure(chart, headers, rows, self.m)


def figure(
    chart: charts.Chart, headers: list[str], rows: list[list[str]], m: Catalogue
) -> dict[str, Any]:
    return {
        "key": chart.key,
        "title": chart.title,
        "svg": chart.svg,
        "legend": [{"swatch": swatch, "label": label} for swatch, label in chart.legend],
        "table": {"summary": m.text("ui.data_table"), "headers": headers, "rows": rows},
    }
