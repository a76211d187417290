"""The report's message catalogue: all UI text, indicator names and definitions.

One TOML file per language (ko.toml, en.toml) with the same keys. `load(lang)`
returns a `Catalogue`; `catalogue.text("ui.title")` looks up a dotted key and
raises KeyError for a missing one, so a typo fails a test instead of printing
nothing.

A text that states a policy parameter names it as a {placeholder}, filled from
`reports.wording.phrases`: `load(lang)` states the shipped defaults and
`load(lang).stating(parameters)` the parameters the figures were computed
with, so the prose cannot drift from the figures. Literal braces are not
allowed in the texts.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from reports import wording
from reports.filters import check_lang

HERE = Path(__file__).resolve().parent


class Catalogue:
    def __init__(self, lang: str, tree: dict[str, Any], values: dict[str, str]) -> None:
        self.lang = lang
        self.tree = tree
        self.values = values

    def stating(self, parameters: dict[str, Any] | None) -> Catalogue:
        """The same texts, stating `parameters` (the data's) instead of the defaults."""
        return Catalogue(self.lang, self.tree, wording.phrases(parameters, self.lang))

    def fill(self, text: str, **extra: str) -> str:
        """`text` with its placeholders filled; an unknown one raises KeyError."""
        return text.format_map({**self.values, **extra})

    def text(self, key: str, **extra: str) -> str:
        """The text of a dotted key; `extra` fills placeholders of its own (e.g. {name})."""
        section, _, name = key.partition(".")
        value = self.tree[section][name]
        if not isinstance(value, str):
            raise KeyError(key)
        return self.fill(value, **extra)

    def get(self, key: str, default: str) -> str:
        """The text of a key, or `default` if there is none (a placeholder typo still raises)."""
        section, _, name = key.partition(".")
        if not isinstance(self.tree.get(section, {}).get(name), str):
            return default
        return self.text(key)

    def section(self, name: str) -> dict[str, str]:
        return {key: self.fill(value) for key, value in self.tree[name].items()}

    def indicator(self, indicator_id: str) -> dict[str, str]:
        """{'name', 'definition'} of an indicator; an unknown id shows itself as its name."""
        entry = self.tree["indicator"].get(indicator_id)
        if entry is None:
            return {"name": indicator_id, "definition": ""}
        return {"name": self.fill(entry["name"]), "definition": self.fill(entry["definition"])}


@cache
def load(lang: str) -> Catalogue:
    check_lang(lang)
    with (HERE / f"{lang}.toml").open("rb") as file:
        return Catalogue(lang, tomllib.load(file), wording.phrases(None, lang))


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
