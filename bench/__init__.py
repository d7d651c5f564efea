"""Benchmarks, run from a checkout with `python -m bench` (the endpoints) and `python -m bench.reevaluate`; not installed."""
