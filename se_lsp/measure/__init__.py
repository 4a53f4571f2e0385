"""Measure on demand: a benchmark pair, run once the user confirms; median and spread."""
