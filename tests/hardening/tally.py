"""What the hardening run did, reported at its end (see conftest.py)."""

FUZZED = {"messages": 0}
FAULTS: list[str] = []
