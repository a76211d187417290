"""The PII guard: the ledger holds no personal data.

The patterns are the contract's. All string values of a message are joined
with a newline (never part of a match) and searched once, so the common case
of a clean message costs one regex scan.
"""

import re
from collections.abc import Iterable, Iterator
from typing import Any

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
RESIDENT_NUMBER = r"(?<!\d)\d{6}-?[1-4]\d{6}(?!\d)"
PHONE_NUMBER = r"(?<!\d)01[016789]-?\d{3,4}-?\d{4}(?!\d)"

PII_PATTERN = re.compile(f"{EMAIL}|{RESIDENT_NUMBER}|{PHONE_NUMBER}")


def iter_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Yield (path, string) for every string value nested in `value`."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_strings(item, f"{path}[{index}]")


def find_pii_field(fields: Iterable[tuple[str, str]]) -> str | None:
    """Return the path of the first string that looks like personal data."""
    fields = list(fields)
    if not PII_PATTERN.search("\n".join(text for _, text in fields)):
        return None
    for path, text in fields:
        if PII_PATTERN.search(text):
            return path
    return None  # pragma: no cover - the joined search and the loop agree


def contains_pii(text: str) -> bool:
    return PII_PATTERN.search(text) is not None


def redact(text: str) -> str:
    """Blank out anything PII-shaped, for messages built from untrusted keys."""
    return PII_PATTERN.sub("[redacted]", text)
