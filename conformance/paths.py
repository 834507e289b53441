"""Where the project's specs live."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
SCENARIOS = SPECS / "scenarios"
SCHEMAS = SPECS / "schemas"
CATALOGUE_NAME = "sentences.yaml"
LIBRARY_NAME = "library.yaml"
NOT_SCENARIOS = frozenset({CATALOGUE_NAME, LIBRARY_NAME})


def seeds_dir() -> Path | None:
    """The reference documents, if present: `$STOPCHECK_SEEDS` or `../shared/seeds` beside the checkout."""
    candidate = Path(os.environ.get("STOPCHECK_SEEDS", ROOT.parent / "shared" / "seeds"))
    return candidate if candidate.is_dir() else None
