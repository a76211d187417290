"""The hardening tests reuse the Kafka tests' real broker (Tansu) fixture."""

from tests.kafka.conftest import broker  # noqa: F401  (a fixture, used by name)
