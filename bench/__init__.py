"""Benchmarks, run by hand (`python -m bench.outbound`); never part of the test run."""
