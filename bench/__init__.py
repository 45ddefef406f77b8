"""Benchmarks of veille: ``python -m bench`` runs every ``bench/bench_*.py`` module (figures, no asserts)."""
