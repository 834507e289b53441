"""Which files are stopcheck scenarios: one rule for `stopcheck run`, plain pytest and `stopcheck lint`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable

from conformance.paths import NOT_SCENARIOS, SCENARIOS

OWN_ROOTS = (SCENARIOS,)  # stopcheck's own scenarios are collected without being asked


def is_scenario_file(path: Path) -> bool:
    """A YAML file that is not a sentence catalogue or a step library."""
    return path.suffix in (".yaml", ".yml") and path.name not in NOT_SCENARIOS


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """Every scenario file in the given files and folders, sorted within each folder."""
    found: list[Path] = []
    for path in paths:
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        found += [p for p in candidates if is_scenario_file(p) and p not in found]
    return found


def within(path: Path, roots: Iterable[Path]) -> bool:
    path = path.resolve()
    return any(path.is_relative_to(root.resolve()) for root in roots)


def scenario_set(files: Iterable[Path]) -> dict[str, Any]:
    """What identifies the scenarios of a run: a digest of the files' contents (in path order) and their count."""
    ordered = sorted(files)
    digest = hashlib.sha256()
    for path in ordered:
        digest.update(path.read_bytes())
    return {"digest": f"sha256:{digest.hexdigest()}", "count": len(ordered)}
