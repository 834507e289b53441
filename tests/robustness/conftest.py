"""Hypothesis runs the same examples every time (no flakes from new draws, no deadline on a loaded machine)."""

from hypothesis import settings

settings.register_profile("stopcheck", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("stopcheck")
