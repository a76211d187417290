"""The report's message catalogue: all UI text, indicator names and definitions.

One TOML file per language (ko.toml, en.toml) with the same keys. `load(lang)`
returns a `Catalogue`; `catalogue.text("ui.title")` looks up a dotted key and
raises KeyError for a missing one, so a typo fails a test instead of printing
nothing.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from reports.filters import check_lang

HERE = Path(__file__).resolve().parent


class Catalogue:
    def __init__(self, lang: str, tree: dict[str, Any]) -> None:
        self.lang = lang
        self.tree = tree

    def text(self, key: str) -> str:
        section, _, name = key.partition(".")
        value = self.tree[section][name]
        if not isinstance(value, str):
            raise KeyError(key)
        return value

    def get(self, key: str, default: str) -> str:
        try:
            return self.text(key)
        except KeyError:
            return default

    def section(self, name: str) -> dict[str, str]:
        return dict(self.tree[name])

    def indicator(self, indicator_id: str) -> dict[str, str]:
        """{'name', 'definition'} of an indicator; an unknown id shows itself as its name."""
        entry = self.tree["indicator"].get(indicator_id)
        if entry is None:
            return {"name": indicator_id, "definition": ""}
        return {"name": entry["name"], "definition": entry["definition"]}


@cache
def load(lang: str) -> Catalogue:
    check_lang(lang)
    with (HERE / f"{lang}.toml").open("rb") as file:
        return Catalogue(lang, tomllib.load(file))


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    """Every dotted leaf key of a catalogue tree (for the same-keys test)."""
    found: set[str] = set()
    for name, value in tree.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            found |= keys(value, f"{path}.")
        else:
            found.add(path)
    return found
