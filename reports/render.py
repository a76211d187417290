"""The Jinja2 environment and the one call that renders a report.

Autoescape is on for every template and undefined names raise
(`StrictUndefined`), so a context key missing from `reports.context` fails a
test instead of printing an empty string. Templates live in the project's
top-level `templates/` directory, found relative to this file so it works from
a checkout and from an editable install alike.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from reports.context import build_context

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
BASE = "base.html.j2"


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_template(name: str, context: dict[str, Any]) -> str:
    """Render one template (the base page or a single partial) with a context."""
    return environment().get_template(name).render(**context)


def render_report(data: dict[str, Any], lang: str = "ko") -> str:
    """The self-contained HTML report for the `projections.compute(...)` result `data`."""
    return render_template(BASE, build_context(data, lang))
