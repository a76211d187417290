"""The ledger's domain: aggregates that enforce the contract's rules."""
