"""The published event contract (version 1): types, validation, PII guard, authorization."""
