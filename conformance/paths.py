"""Where the project's specs live."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
SCENARIOS = SPECS / "scenarios"
SCHEMAS = SPECS / "schemas"
SOURCES = SPECS / "sources.yaml"
CATALOGUE_NAME = "sentences.yaml"
LIBRARY_NAME = "library.yaml"
NOT_SCENARIOS = frozenset({CATALOGUE_NAME, LIBRARY_NAME, SOURCES.name})
SOURCES_DIR_VARIABLE = "STOPCHECK_SOURCES_DIR"


def sources_dir() -> Path | None:
    """The folder of original documents named by `$STOPCHECK_SOURCES_DIR`, if that is set."""
    value = os.environ.get(SOURCES_DIR_VARIABLE)
    return Path(value) if value else None
