"""Persistence: where the ledger's one log lives (SQLite or PostgreSQL)."""
