"""Benchmarks (`make bench`): synthetic data at 100k and 1M contributions."""
