"""The hardening tests reuse the Kafka tests' real broker (Tansu) fixture, and
report how many messages the fuzz tests sent and which faults were injected."""

from collections import Counter

from tests.hardening.tally import FAULTS, FUZZED
from tests.kafka.conftest import broker  # noqa: F401  (a fixture, used by name)


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZED["messages"]:
        terminalreporter.write_line(f"hardening fuzz: {FUZZED['messages']:,} messages fuzzed")
    if FAULTS:
        injected = ", ".join(f"{fault} ×{n}" for fault, n in Counter(FAULTS).items())
        terminalreporter.write_line(f"hardening faults injected: {injected}")
