"""The PII guard: the ledger holds no personal data.

The patterns are the contract's. All string values of a message are joined
with a newline (never part of a match) and searched at once.
"""

import re
from collections.abc import Iterator
from typing import Any

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
# The same e-mail pattern for finding whether there is one, in linear time: a
# match may start only where a run of local-part characters starts (one that
# starts inside the run exists only if this one does), and the domain's labels
# are taken whole (nothing inside a label can end one). Searched with EMAIL, a
# long run of such characters with no e-mail after it took quadratic time: a
# 1.5 MB rejected Kafka message held up its dead letter for hours.
EMAIL_EXISTS = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)+"
RESIDENT_NUMBER = r"(?<!\d)\d{6}-?[1-4]\d{6}(?!\d)"
PHONE_NUMBER = r"(?<!\d)01[016789]-?\d{3,4}-?\d{4}(?!\d)"

PII_PATTERN = re.compile(f"{EMAIL}|{RESIDENT_NUMBER}|{PHONE_NUMBER}")  # for redact
PII_EXISTS = re.compile(f"{EMAIL_EXISTS}|{RESIDENT_NUMBER}|{PHONE_NUMBER}")
EMAIL_PATTERN = re.compile(EMAIL_EXISTS)
# The same two number patterns with one shared lookbehind: about twice as fast.
NUMBER_PATTERN = re.compile(r"(?<!\d)(?:\d{6}-?[1-4]\d{6}|01[016789]-?\d{3,4}-?\d{4})(?!\d)")
# Both need 10 or more digits and hyphens in a row. Searching only such runs
# finds the same (the runs end at non-digits) and skips most text fast.
NUMBER_RUNS = re.compile(r"[0-9-]{10,}")


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


def flat_strings(payload: dict[str, Any]) -> list[str]:
    """The string values of a payload (contract payloads nest only lists of ids)."""
    strings = []
    for value in payload.values():
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, list):
            strings.extend(item for item in value if isinstance(item, str))
    return strings


def may_contain_pii(texts: list[str]) -> bool:
    """One scan for the common clean message; the e-mail pattern only runs
    where an "@" is present, as it is the costly one to scan for."""
    joined = "\n".join(texts)
    if "@" in joined and EMAIL_PATTERN.search(joined):
        return True
    return any(NUMBER_PATTERN.search(run) for run in NUMBER_RUNS.findall(joined))


def contains_pii(text: str) -> bool:
    return PII_EXISTS.search(text) is not None


def redact(text: str) -> str:
    """Blank out anything PII-shaped, for messages built from untrusted keys."""
    return PII_PATTERN.sub("[redacted]", text)
