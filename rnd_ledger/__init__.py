"""Wiring and the `rnd-ledger` command line."""
