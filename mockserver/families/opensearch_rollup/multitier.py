"""Rollups of a rollup index (3.5+): the checks `RollupRunner.validateRollupOnRollup` makes before a job whose
source index is itself a rollup index runs, against the first job recorded in that index's `_meta.rollups`."""

from __future__ import annotations

from typing import Any

from mockserver.errors import ApiError
from mockserver.families.indices.models import Index
from mockserver.families.opensearch_rollup.dates import CALENDAR_UNITS
from mockserver.families.opensearch_rollup.documents import Rollup
from mockserver.families.opensearch_rollup.sketch import DEFAULT_PRECISION_THRESHOLD
from mockserver.timevalue import TimeValue
from mockserver.version import Version

SINCE = Version(3, 5, 0)

# `DateHistogramInterval.estimateMillis` of a calendar unit: its `ChronoUnit` duration (a month is 1/12 of a
# mean Gregorian year, a quarter 1/4)
_YEAR_SECONDS = 31_556_952
_UNIT_MILLIS = {"second": 1_000, "minute": 60_000, "hour": 3_600_000, "day": 86_400_000, "week": 604_800_000,
                "month": _YEAR_SECONDS * 1000 // 12, "quarter": _YEAR_SECONDS * 1000 // 4, "year": _YEAR_SECONDS * 1000}


def _kotlin_set(items: list[str]) -> str:
    return f"[{', '.join(dict.fromkeys(items))}]"


def _interval(date_histogram: dict[str, Any]) -> str:
    return date_histogram.get("fixed_interval") or date_histogram.get("calendar_interval") or ""


def _estimate_millis(interval: str) -> int:
    if interval in CALENDAR_UNITS:
        return _UNIT_MILLIS[CALENDAR_UNITS[interval]]
    return TimeValue.parse(interval, "parseIntervalToMillis").millis


def _aligned(source: str, target: str) -> bool:
    """`validateIntervalAlignment`: a strictly longer, exact multiple; an interval that does not parse passes
    (the composite search fails on it later)."""
    try:
        source_millis, target_millis = _estimate_millis(source), _estimate_millis(target)
        return target_millis % source_millis == 0 and target_millis > source_millis
    except (ApiError, ZeroDivisionError):
        return True


def _source_fields(entries: list[dict[str, Any]]) -> list[str]:
    return [body["source_field"] for entry in entries for body in entry.values()]


def problem(job: Rollup, source: Index) -> str | None:
    """Why `job` cannot roll up the rollup index `source`, or None."""
    jobs = list(source.meta.get("rollups", {}).values())
    if not jobs:
        return "Source rollup index has no rollup jobs"
    first = jobs[0]
    source_interval = _interval(next(iter(first["dimensions"][0].values())))
    target_interval = job.date_histogram.fixed_interval or job.date_histogram.calendar_interval or ""
    if not _aligned(source_interval, target_interval):
        return f"Target interval [{target_interval}] must be an exact multiple of source interval [{source_interval}]"
    dimensions = set(_source_fields(first["dimensions"]))
    metrics = {entry["source_field"] for entry in first["metrics"]}
    missing = [d.source_field for d in job.dimensions if d.source_field not in dimensions]
    if missing:
        return f"Cannot rollup on dimension fields {_kotlin_set(missing)} that don't exist in source rollup"
    missing = [m.source_field for m in job.metrics if m.source_field not in metrics]
    if missing:
        return f"Cannot rollup on metric fields {_kotlin_set(missing)} that don't exist in source rollup"
    available = {kind for entry in first["metrics"] for item in entry["metrics"] for kind in item}
    wanted = [metric.type for entry in job.metrics for metric in entry.metrics]
    unavailable = [kind for kind in wanted if kind not in available]
    if unavailable:
        return f"Target rollup requests metrics {_kotlin_set(unavailable)} that are not available in source rollup"
    return _threshold_mismatch(job, first)


def _threshold_mismatch(job: Rollup, first: dict[str, Any]) -> str | None:
    """`validateCardinalityPrecisionThreshold`: a cardinality metric must keep its source's precision threshold,
    or the sketches would not merge."""
    thresholds = {entry["source_field"]: item["cardinality"].get("precision_threshold", DEFAULT_PRECISION_THRESHOLD)
                  for entry in first["metrics"] for item in entry["metrics"] if "cardinality" in item}
    mismatches = [f"field [{entry.source_field}]: source uses precisionThreshold {thresholds[entry.source_field]}, "
                  f"but target specifies precisionThreshold {metric.precision_threshold}"
                  for entry in job.metrics for metric in entry.metrics
                  if metric.type == "cardinality" and entry.source_field in thresholds
                  and thresholds[entry.source_field] != metric.precision_threshold]
    if not mismatches:
        return None
    return (f"Cardinality precisionThreshold mismatch for {'; '.join(mismatches)}. "
            "Use matching precisionThreshold values for multi-tier rollup compatibility.")
