"""Benchmarks: `make bench` runs them all; each prints a markdown table with
the ratio to the raw ceiling measured in the same run."""
