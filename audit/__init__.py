"""Audit: the SHA-256 hash chain over the ledger's log, seals and verification.

See docs/hash-chain.md for the chain's definition and the auditor's workflow.
"""
