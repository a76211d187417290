"""The two chart sections of the report: basic research and institutes.

Each function returns the section's context: an ordered list of figures
(charts with their table equivalents) and any extra tables. A figure whose
indicators are absent from the data is left out rather than drawn empty.
"""

from __future__ import annotations

from typing import Any, get_args

from contract.types import Grade
from reports import filters
from reports.figures import Figures

GRADES: tuple[str, ...] = get_args(Grade)
COVERAGE_IDS = ("coverage.all_faculty", "coverage.full_time", "coverage.early_career")

# A figure: its key, the indicators it draws, the axis' unit, bars (not lines).
FigureSpec = tuple[str, tuple[str, ...], str, bool]

BASIC_FIGURES: list[FigureSpec] = [
    # (chart key, indicator ids, axis unit key, bars?)
    ("coverage", COVERAGE_IDS, "axis_percent", False),
    ("basic_share", ("budget.basic_research_share",), "axis_percent", False),
    ("young", ("young.researchers_supported",), "axis_people", True),
    ("longterm", ("longterm.basic_small_active", "longterm.deep_active"), "axis_grants", False),
    ("ruf_funding", ("ruf.block_funding_krw",), "", True),  # axis unit from the money scale
    ("ruf_universities", ("ruf.universities_funded",), "axis_universities", True),
    ("ai_centers", ("ai_centers.designated",), "axis_centres", True),
    ("ai_trained", ("ai_centers.researchers_trained",), "axis_people", True),
    ("stage", ("evaluation.stage_after_abolition",), "axis_evaluations", True),
    (
        "selection",
        ("evaluation.selection_rate", "evaluation.ai_assisted_share"),
        "axis_percent",
        False,
    ),
    ("selection_days", ("evaluation.selection_days_mean",), "axis_days", False),
]
INSTITUTE_FIGURES: list[FigureSpec] = [
    ("salary", ("institutes.personnel_cost_coverage",), "axis_percent", False),
    (
        "pbs",
        ("institutes.pbs_dependency", "institutes.basic_program_share"),
        "axis_percent",
        False,
    ),
    ("integrated", ("institutes.integrated_evaluation_share",), "axis_percent", False),
    ("results", ("institutes.representative_results",), "axis_results", True),
    (
        "bonuses",
        ("institutes.bonus_excellent_researcher", "institutes.bonus_all_staff"),
        "axis_institutes",
        True,
    ),
    ("special_hires", ("institutes.special_hires",), "axis_hires", True),
]


def indicator_figures(figures: Figures, specs: list[FigureSpec]) -> list[dict[str, Any]]:
    found = []
    for key, ids, axis, bars in specs:
        present = tuple(i for i in ids if figures.view.has(i))
        if present:
            found.append(figures.indicator_figure(key, present, axis, bars=bars))
    return found


def latest_breakdown(
    figures: Figures, ids: tuple[str, ...], by: str, label_section: str
) -> dict[str, Any] | None:
    """A table of breakdown values `by` one dimension, in the latest year with any
    value: of the national figures themselves where they have one (a registered
    researcher with no grant that year still makes a row of zeros)."""
    rows = [r for r in figures.view.breakdowns if r["id"] in ids and r["by"] == by]
    years = {r["year"] for r in rows if r["value"] is not None}
    if not years:
        return None
    national = {y for i in ids for y, v in figures.view.values.get(i, {}).items() if v is not None}
    year = max(years & national or years)
    table: dict[str, dict[str, float | None]] = {}
    for row in rows:
        if row["year"] == year:
            table.setdefault(str(row["key"]), {})[row["id"]] = row["value"]
    m = figures.m
    headers = [m.text(f"ui.{'field' if by == 'field' else 'program'}"), *map(figures.name, ids)]
    body = [
        [m.get(f"{label_section}.{key}", key), *(figures.value_text(i, values.get(i)) for i in ids)]
        for key, values in sorted(table.items())
    ]
    title_key = "ui.by_field" if by == "field" else "ui.by_program"
    return {"title": f"{m.text(title_key)} — {year}", "headers": headers, "rows": body}


def basic_research(figures: Figures) -> dict[str, Any]:
    tables = [
        latest_breakdown(figures, COVERAGE_IDS, "field", "field"),
        latest_breakdown(figures, ("evaluation.selection_rate",), "program", "program"),
    ]
    return {
        "figures": indicator_figures(figures, BASIC_FIGURES),
        "tables": [t for t in tables if t],
    }


def institutes(figures: Figures) -> dict[str, Any]:
    m = figures.m
    found = indicator_figures(figures, INSTITUTE_FIGURES[:2])
    split = figures.distribution_figure(
        "program_split",
        "institutes.program_split",
        ("basic", "strategic", "other"),
        [m.text("series.basic"), m.text("series.strategic"), m.text("series.other")],
        money=True,
    )
    grade_keys = sorted(  # every grade of the contract, also one nobody got
        set(GRADES)
        | {k for by_year in figures.view.distributions.get("institutes.grade", {}).values()
           for k in by_year},
        key=lambda g: (GRADES.index(g) if g in GRADES else 99, g),
    )  # fmt: skip
    grades = figures.distribution_figure(
        "grades",
        "institutes.grade",
        grade_keys,
        [f"{m.text('series.grade_prefix')} {g}" for g in grade_keys],
        money=False,
    )
    found += [f for f in (split,) if f]
    found += indicator_figures(figures, INSTITUTE_FIGURES[2:3])
    found += [f for f in (grades,) if f]
    found += indicator_figures(figures, INSTITUTE_FIGURES[3:])
    return {"figures": found, "tables": institute_tables(figures)}


INSTITUTE_COLUMNS = (
    ("personnel_cost_coverage", "institutes.personnel_cost_coverage"),
    ("pbs_dependency", "institutes.pbs_dependency"),
    ("basic_program_share", "institutes.basic_program_share"),
    ("grade", None),
    ("system", None),
    ("representative_results", "institutes.representative_results"),
    ("special_hires", "institutes.special_hires"),
)


def institute_tables(figures: Figures) -> list[dict[str, Any]]:
    """One table per institute: a row per year with its own figures."""
    m, lang = figures.m, figures.lang
    rows_by_institute: dict[str, list[dict[str, Any]]] = {}
    for row in figures.view.data.get("institutes") or []:
        rows_by_institute.setdefault(row["institute_id"], []).append(row)
    headers = [m.text("ui.year")]
    for field, indicator_id in INSTITUTE_COLUMNS:
        label = m.text(f"ui.{field}") if indicator_id is None else figures.name(indicator_id)
        headers.append(label)
    tables = []
    for institute_id, rows in sorted(rows_by_institute.items()):
        name = rows[0].get(f"name_{lang}") or rows[0].get("name_en") or institute_id
        body = []
        for row in sorted(rows, key=lambda r: r["year"]):
            cells = [str(row["year"])]
            for field, indicator_id in INSTITUTE_COLUMNS:
                value = row.get(field)
                if field == "system":
                    cells.append(m.get(f"system.{value}", value) if value else filters.MISSING)
                elif indicator_id is None:
                    cells.append(str(value) if value else filters.MISSING)
                else:
                    cells.append(figures.value_text(indicator_id, value))
            body.append(cells)
        tables.append({"id": institute_id, "name": name, "headers": headers, "rows": body})
    return tables
