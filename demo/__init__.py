"""Synthetic, clearly labelled demo data for rnd-ledger (``rnd-ledger demo``)."""

from .generate import generate, write_demo

__all__ = ["generate", "write_demo"]
