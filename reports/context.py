"""The whole template context, built in Python from `projections.compute(...)`.

Templates only loop and branch over what this returns; every number in it is
already text, formatted by `reports.filters`. Only the four keys of
indicators.md are required; `findings`, `distributions`, `institutes`,
`summary` and `as_of.chain_head` are shown when present.
"""

from __future__ import annotations

from typing import Any

from audit.seal import format_seal
from reports import filters, sections, wording
from reports.figures import Figures, View
from reports.indicators import (
    FINDING_IDS,
    INDICATOR_IDS,
    format_difference,
    format_value,
    kind_of,
)
from reports.messages import Catalogue, load

STATUS_ICONS = {"on_track": "✔", "at_risk": "▲", "off_track": "✖", "insufficient_data": "?"}
STATUSES = tuple(STATUS_ICONS)
SECTIONS = ("cover", "scorecard", "basic", "institutes", "findings", "methodology")
FIRST_EVENT_IDS = 5
# Findings whose count is not of the events listed: dq.census_missing counts
# institutions, and lists the awards of their researchers (projections/quality.py).
COUNTS_NO_EVENTS = frozenset({"dq.census_missing"})
COVERAGE_PREFIX = "coverage."


def build_context(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the templates show, in `lang` ("ko" or "en"); the prose states
    the data's parameters (those the figures used), not the shipped defaults."""
    m = load(filters.check_lang(lang)).stating(data.get("parameters"))
    view = View(data)
    figures = Figures(view, m)
    caveats = census_caveats(view, m)
    rules = status_rules(data.get("parameters"), m)  # the scorecard's and the methodology's
    return {
        "lang": lang,
        "ui": m.section("ui"),
        "toc": [{"id": key, "title": m.text(f"section.{key}")} for key in SECTIONS],
        "titles": {key: m.text(f"section.{key}") for key in SECTIONS},  # by section, not place
        "cover": cover(view, m),
        "scorecard": scorecard(view, figures, caveats, rules),
        "scorecard_notes": scorecard_notes(view, rules),
        "scorecard_caveats": list(caveats.values()),
        "basic": sections.basic_research(figures),
        "institutes": sections.institutes(figures),
        "findings": findings(view, figures),
        "methodology": methodology(view, m, rules),
    }


def years_covered(view: View) -> str:
    """The indicator rows' years; none in a ledger without a fact that names
    a year (the charts still draw an empty 2030)."""
    if not view.values:
        return filters.MISSING
    return f"{view.years[0]}–{view.years[-1]}"


def cover(view: View, m: Catalogue) -> dict[str, Any]:
    data, lang = view.data, m.lang
    as_of = data.get("as_of") or {}
    summary = data.get("summary")
    facts = [
        (m.text("ui.as_of_position"), filters.format_count(as_of.get("position"), lang)),
        (m.text("ui.as_of_time"), filters.format_datetime(as_of.get("recorded_at"), lang)),
        (m.text("ui.years_covered"), years_covered(view)),
    ]
    sources: list[str] = []
    if summary:
        sources = [str(s) for s in summary.get("sources") or []]
        for key in ("events", "retracted", "rejections"):
            if summary.get(key) is not None:
                facts.append((m.text(f"ui.{key}"), filters.format_count(summary[key], lang)))
        facts.append((m.text("ui.sources"), filters.format_count(len(sources), lang)))
    return {
        "title": m.text("ui.title"),
        "subtitle": m.text("ui.subtitle"),
        "synthetic": bool(summary and summary.get("synthetic")),
        "facts": [{"label": label, "value": value} for label, value in facts],
        "sources": ", ".join(sources),
        "chain_head": chain_head_text(as_of.get("chain_head"), as_of.get("position")),
        "parameters": parameter_rows(data.get("parameters") or {}, m),
        "targets": target_parameter_rows(data.get("parameters") or {}, m),
        "status_counts": status_counts(view, m),
    }


def chain_head_text(head: str | None, position: int | None) -> str | None:
    """The head the figures were computed from, as a seal reads: 'N:HEX'."""
    if not head:
        return None
    return format_seal(position, head) if position is not None else head


def parameter_rows(parameters: dict[str, Any], m: Catalogue) -> list[dict[str, str]]:
    """Every parameter but the targets, nested keys flattened ('a.b'), values as text."""
    rows = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in sorted(value.items()):
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            label = m.get(f"parameter.{prefix}", prefix)
            rows.append({"key": prefix, "label": label, "value": plain(value)})

    walk("", {k: v for k, v in parameters.items() if k != "targets"})
    return rows


def plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)  # years stay 2026
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    return str(value)


def target_parameter_rows(parameters: dict[str, Any], m: Catalogue) -> list[dict[str, str]]:
    """The targets of the parameters file: indicator, value, year and the source
    of the number, in the report's language where the file gives it (`source_ko`)."""
    targets = parameters.get("targets")
    if not isinstance(targets, dict):
        return []
    rows = []
    for indicator_id, spec in sorted(targets.items(), key=lambda item: order(item[0])):
        spec = spec if isinstance(spec, dict) else {"value": spec}
        year = spec.get("target_year")
        rows.append(
            {
                "id": indicator_id,
                "name": m.indicator(indicator_id)["name"],
                "value": format_value(indicator_id, spec.get("value"), m.lang),
                "year": year_text(year),
                "source": str(spec.get(f"source_{m.lang}") or spec.get("source", "")),
            }
        )
    return rows


def order(indicator_id: str) -> tuple[int, str]:
    known = INDICATOR_IDS.index(indicator_id) if indicator_id in INDICATOR_IDS else 999
    return known, indicator_id


def status_view(status: str | None, m: Catalogue, rule: str | None = None) -> dict[str, str]:
    """A status badge; `rule`: the target's own status rule, which its help states
    (the generic help speaks of the trend, which such a target is not judged by)."""
    key = status if status in STATUS_ICONS else "insufficient_data"
    return {
        "key": key,
        "icon": STATUS_ICONS[key],
        "label": m.text(f"status.{key}"),
        "help": rule or m.text(f"status_help.{key}"),
    }


def status_counts(view: View, m: Catalogue) -> list[dict[str, str]]:
    """Per status, how many targets have it and which (named in scorecard
    order): the overview says at once what is off track, not only how much."""
    named: dict[str, list[str]] = {key: [] for key in STATUSES}
    for indicator_id in sorted(view.targets, key=order):
        key = status_view(view.targets[indicator_id].get("status"), m)["key"]
        named[key].append(m.indicator(indicator_id)["name"])
    return [
        {
            **status_view(key, m),
            "count": filters.format_count(len(names), m.lang),
            "names": m.text("ui.name_separator").join(names),
        }
        for key, names in named.items()
    ]


def scorecard(
    view: View, figures: Figures, caveats: dict[int, str], own_rules: dict[str, str]
) -> list[dict[str, Any]]:
    """A row per target; `own_rules` (`status_rules`): their badges say that rule."""
    m, rows = figures.m, []
    first_years = figures.first_years
    for indicator_id in sorted(view.targets, key=order):
        t = view.targets[indicator_id]
        rows.append(
            {
                "id": indicator_id,
                "name": figures.name(indicator_id),
                "latest": figures.value_text(indicator_id, t.get("latest_value")),
                "latest_year": t.get("latest_year"),  # none: no "(—)" after the "—"
                "target": figures.value_text(indicator_id, t.get("target")),
                "target_year": target_year_text(indicator_id, t, first_years, m),
                "gap": gap_text(indicator_id, t.get("gap"), figures),
                "forecast": figures.value_text(indicator_id, t.get("forecast"))
                if figures.trend_applies(indicator_id)
                else filters.MISSING,  # its status follows its own rule, not the trend
                "status": status_view(t.get("status"), m, own_rules.get(indicator_id)),
                "noted": indicator_id in own_rules,  # its rule is printed below the table
                "caveat": t.get("latest_year") in caveats
                and indicator_id.startswith(COVERAGE_PREFIX),
            }
        )
    return rows


def scorecard_notes(view: View, rules: dict[str, str]) -> list[str]:
    """The own status rules of the scorecard's targets, shown under it: a
    badge's tooltip reaches no one on a phone or on paper, and "off track"
    beside a value at its target needs its reason in sight."""
    return [rule for indicator_id, rule in rules.items() if indicator_id in view.targets]


def census_caveats(view: View, m: Catalogue) -> dict[int, str]:
    """Per latest year of a coverage target: a sentence if institutions sent no
    census that year. Their researchers count in the numerator and not in the
    denominator (indicators.md's formula), so coverage is overstated, and a
    target may read as on track for it."""
    years = {t.get("latest_year") for i, t in view.targets.items() if i.startswith(COVERAGE_PREFIX)}
    missing = view.values.get("dq.census_missing", {})
    return {
        year: m.text(
            "caveat.census_missing",
            year=str(year),
            count=filters.format_count(missing[year], m.lang),
        )
        for year in sorted(y for y in years if y is not None)
        if missing.get(year)
    }


def target_year_text(
    indicator_id: str, target: dict[str, Any], first_years: dict[str, int], m: Catalogue
) -> str:
    """2030, or "from 2026" for a target every year from then must reach."""
    if indicator_id in first_years:
        return m.text("status_rule.since", from_year=str(first_years[indicator_id]))
    return year_text(target.get("target_year"))


def gap_text(indicator_id: str, gap: float | None, figures: Figures) -> str:
    """The gap to the target; a negative one (the latest value is past the
    target) reads as how far above it, not as a minus sign."""
    unit = figures.unit_word(indicator_id)
    if gap is None or gap >= 0:
        return format_difference(indicator_id, gap, figures.lang, unit)
    amount = format_difference(indicator_id, -gap, figures.lang, unit)
    return figures.m.text("gap.above", amount=amount)


def year_text(year: int | None) -> str:
    return filters.MISSING if year is None else str(year)


def findings(view: View, figures: Figures) -> list[dict[str, Any]]:
    """Per compliance/dq id: its definition and a row per year with cases (count, event ids)."""
    m, lang = figures.m, figures.lang
    given = view.data.get("findings")
    by_id: dict[str, list[dict[str, Any]]] = {}
    if given is not None:
        for row in given:
            by_id.setdefault(row["id"], []).append(row)
    else:  # only the spec keys: counts from the indicators, no event ids
        for indicator_id in FINDING_IDS:
            for year, value in sorted(view.values.get(indicator_id, {}).items()):
                if value:
                    by_id.setdefault(indicator_id, []).append(
                        {"id": indicator_id, "year": year, "count": value, "event_ids": []}
                    )
    ids = list(FINDING_IDS) + sorted(set(by_id) - set(FINDING_IDS))
    groups = []
    for finding_id in ids:
        rows = sorted(by_id.get(finding_id, []), key=lambda r: r["year"])
        unit = figures.unit_word(finding_id)
        groups.append(
            {
                "id": finding_id,
                "kind": finding_id.split(".")[0],
                "name": m.indicator(finding_id)["name"],
                "definition": m.indicator(finding_id)["definition"],
                "rows": [
                    {
                        "year": year_text(r.get("year")),
                        "count": filters.format_count(r.get("count"), lang, unit),
                        "event_ids": [str(e) for e in (r.get("event_ids") or [])][:FIRST_EVENT_IDS],
                        "more": more_ids(finding_id, r, m),
                    }
                    for r in rows
                ],
            }
        )
    return groups


def more_ids(finding_id: str, row: dict[str, Any], m: Catalogue) -> str:
    """What the listed event ids leave out, and where to find all of them."""
    shown = min(len(row.get("event_ids") or []), FIRST_EVENT_IDS)
    count = row.get("count")
    where = {"id": finding_id, "year": str(row.get("year"))}
    if finding_id in COUNTS_NO_EVENTS:  # the list is cut at FIRST_EVENT_IDS, whatever the count
        return m.text("findings.all_events", **where) if shown == FIRST_EVENT_IDS else ""
    if not shown or not isinstance(count, int) or count <= shown:
        return ""
    return m.text("findings.more", more=filters.format_count(count - shown, m.lang), **where)


def methodology(view: View, m: Catalogue, rules: dict[str, str]) -> dict[str, Any]:
    ids = list(INDICATOR_IDS) + sorted(set(view.values) - set(INDICATOR_IDS))
    principles = m.section("methodology")
    principles["status"] = " ".join([principles["status"], *rules.values()])
    return {
        "principles": list(principles.values()),
        "statuses": [status_view(key, m) for key in STATUSES],
        "definitions": [{"id": indicator_id, **m.indicator(indicator_id)} for indicator_id in ids],
    }


def status_rules(parameters: dict[str, Any] | None, m: Catalogue) -> dict[str, str]:
    """A sentence per target with its own status rule, in the order projections/targets.py
    tries them: a first year (every year from it must reach the target), else a zero target."""
    targets = wording.merged(parameters)["targets"]
    rules = {}
    for indicator_id, first_year in sorted(
        wording.own_rules(parameters).items(), key=lambda rule: order(rule[0])
    ):
        name = m.indicator(indicator_id)["name"]
        if first_year is not None:
            rules[indicator_id] = m.text(
                "status_rule.from_year",
                name=name,
                from_year=str(first_year),
                target=target_text(indicator_id, targets[indicator_id].get("value"), m),
            )
        else:
            rules[indicator_id] = m.text("status_rule.zero", name=name)
    return rules


def target_text(indicator_id: str, value: Any, m: Catalogue) -> str:
    """A target in running text: '100%' rather than the tables' '100.0%'."""
    kind = kind_of(indicator_id)
    if kind.kind == "ratio" and isinstance(value, int | float):
        return wording.percent(value)
    unit = m.get(f"unit.{kind.unit}", "") if kind.unit else ""
    return format_value(indicator_id, value, m.lang, unit)
