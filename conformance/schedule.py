"""How long each scenario took on each target in earlier runs (the results.json files under reports/), so that a
run starts the longest first: with several workers its wall time then approaches max(longest scenario, total /
workers) instead of ending on a long scenario started last."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable, TypeVar

RUNS_REMEMBERED = 10
T = TypeVar("T")


def remembered(reports: Path, runs: int = RUNS_REMEMBERED) -> dict[str, float]:
    """`<scenario id>[<target label>]` (a scenario item's name) -> seconds, from the newest of the last `runs`
    results files that ran it. Unreadable files are passed over: they only cost the ordering."""
    found: dict[str, float] = {}
    for path in sorted(reports.glob("*/results.json"), key=_modified, reverse=True)[:runs]:
        try:
            records = json.loads(path.read_text(encoding="utf-8")).get("scenarios", [])
        except (OSError, ValueError, AttributeError):
            continue
        for record in records:
            if isinstance(record, dict) and record.get("outcome") != "skipped" and isinstance(
                    record.get("duration"), (int, float)):
                found.setdefault(f"{record.get('id')}[{record.get('target')}]", float(record["duration"]))
    return found


def longest_first(items: list[T], name: Callable[[T], str | None], durations: dict[str, float]) -> None:
    """Reorder, in place, the items `name` names (the others keep their places): those never timed first (they
    may be long), then the longest first; equal ones keep their order."""
    slots = [index for index, item in enumerate(items) if name(item) is not None]
    ordered = sorted((items[index] for index in slots), key=lambda item: -durations.get(name(item) or "", math.inf))
    for index, item in zip(slots, ordered):
        items[index] = item


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
