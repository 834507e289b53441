"""Rollup jobs and their metadata as the index-management plugin keeps them, and their JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.families.opensearch_rollup.access import JobUser
from mockserver.families.opensearch_rollup.dates import Zone
from mockserver.families.opensearch_rollup.schedule import Schedule
from mockserver.families.opensearch_rollup.sketch import DEFAULT_PRECISION_THRESHOLD
from mockserver.version import Version

DATE_FORMAT_SINCE = Version(2, 8, 0)
CARDINALITY_SINCE = Version(3, 5, 0)
# metric type -> its Kotlin class name, which error messages print
METRIC_NAMES = {"avg": "Average", "sum": "Sum", "max": "Max", "min": "Min", "value_count": "ValueCount",
                "cardinality": "Cardinality"}


@dataclass(frozen=True)
class DateHistogram:
    source_field: str
    target_field: str
    fixed_interval: str | None
    calendar_interval: str | None
    zone: Zone
    format: str | None = None
    type = "date_histogram"

    def to_json(self, version: Version) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.fixed_interval is not None:
            body["fixed_interval"] = self.fixed_interval
        if self.calendar_interval is not None:
            body["calendar_interval"] = self.calendar_interval
        body |= {"source_field": self.source_field, "target_field": self.target_field, "timezone": self.zone.id}
        if version >= DATE_FORMAT_SINCE:
            body["format"] = self.format
        return {self.type: body}


@dataclass(frozen=True)
class Terms:
    source_field: str
    target_field: str
    type = "terms"

    def to_json(self, version: Version) -> dict[str, Any]:
        return {self.type: {"source_field": self.source_field, "target_field": self.target_field}}


@dataclass(frozen=True)
class Histogram:
    source_field: str
    target_field: str
    interval: float
    type = "histogram"

    def to_json(self, version: Version) -> dict[str, Any]:
        return {self.type: {"source_field": self.source_field, "target_field": self.target_field,
                            "interval": self.interval}}


Dimension = DateHistogram | Terms | Histogram


@dataclass(frozen=True)
class Metric:
    """One aggregation a `metrics` entry keeps: `avg`, `sum`, `max`, `min`, `value_count` or (3.5+) `cardinality`,
    which alone has a setting, its precision threshold."""

    type: str
    precision_threshold: int | None = None  # cardinality only

    def to_json(self) -> dict[str, Any]:
        threshold = self.precision_threshold
        shown = threshold is not None and threshold != DEFAULT_PRECISION_THRESHOLD
        return {self.type: {"precision_threshold": threshold} if shown else {}}

    def __str__(self) -> str:
        """The Kotlin `toString` that error messages print: `Sum()`, `Cardinality(precisionThreshold=3000)`."""
        setting = "" if self.precision_threshold is None else f"precisionThreshold={self.precision_threshold}"
        return f"{METRIC_NAMES[self.type]}({setting})"


@dataclass(frozen=True)
class RollupMetric:
    """One `metrics` entry: a source field and the aggregations kept for it."""

    source_field: str
    target_field: str
    metrics: tuple[Metric, ...]

    def to_json(self) -> dict[str, Any]:
        # `target_field` is not written back: a stored job always rolls up into the source field's name
        return {"source_field": self.source_field, "metrics": [metric.to_json() for metric in self.metrics]}

    def stored(self) -> "RollupMetric":
        return replace(self, target_field=self.source_field)


@dataclass(frozen=True)
class Rollup:
    id: str
    enabled: bool
    schedule: Schedule
    last_updated_time: int
    enabled_time: int | None
    description: str
    schema_version: int
    source_index: str
    target_index: str
    metadata_id: str | None
    page_size: int
    delay: int | None
    continuous: bool
    dimensions: tuple[Dimension, ...]
    metrics: tuple[RollupMetric, ...]
    target_index_settings: dict[str, Any] | None = None
    routing_field: str | None = None
    user: JobUser | None = None  # who wrote the job last; stored, never returned by the rollup APIs

    @property
    def date_histogram(self) -> DateHistogram:
        return next(d for d in self.dimensions if isinstance(d, DateHistogram))

    def to_json(self, version: Version, *, with_user: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "rollup_id": self.id, "enabled": self.enabled, "schedule": self.schedule.to_json(),
            "last_updated_time": self.last_updated_time, "enabled_time": self.enabled_time,
            "description": self.description, "schema_version": self.schema_version,
            "source_index": self.source_index, "target_index": self.target_index, "metadata_id": self.metadata_id,
            "page_size": self.page_size, "delay": self.delay, "continuous": self.continuous,
            "dimensions": [d.to_json(version) for d in self.dimensions],
            "metrics": [m.to_json() for m in self.metrics],
        }
        if self.routing_field is not None:
            body["routing_field"] = self.routing_field
        if with_user:
            body["user"] = self.user.to_json() if self.user is not None else None
        if self.target_index_settings is not None:
            body["target_index_settings"] = self.target_index_settings
        return body

    def immutable_changes(self, other: "Rollup") -> list[str]:
        """The fields an update may not change, in the order the server reports them."""
        checks = (("continuous", self.continuous, other.continuous), ("dimensions", self.dimensions, other.dimensions),
                  ("metrics", self.metrics, other.metrics), ("source_index", self.source_index, other.source_index),
                  ("target_index", self.target_index, other.target_index),
                  ("routing_field", self.routing_field, other.routing_field))
        return [name for name, mine, theirs in checks if mine != theirs]


class Status:
    INIT, STARTED, STOPPED, FINISHED, FAILED, RETRY = "init", "started", "stopped", "finished", "failed", "retry"


@dataclass(frozen=True)
class Stats:
    pages_processed: int = 0
    documents_processed: int = 0
    rollups_indexed: int = 0
    index_time_in_millis: int = 0
    search_time_in_millis: int = 0

    def plus(self, **deltas: int) -> "Stats":
        return replace(self, **{name: getattr(self, name) + delta for name, delta in deltas.items()})

    def to_json(self) -> dict[str, int]:
        return {"pages_processed": self.pages_processed, "documents_processed": self.documents_processed,
                "rollups_indexed": self.rollups_indexed, "index_time_in_millis": self.index_time_in_millis,
                "search_time_in_millis": self.search_time_in_millis}


@dataclass(frozen=True)
class Window:
    """The next time window a continuous job rolls up, `[start, end)` in epoch millis."""

    start: int
    end: int


@dataclass(frozen=True)
class RollupMetadata:
    rollup_id: str
    last_updated_time: int
    status: str
    failure_reason: str | None = None
    after_key: dict[str, Any] | None = None
    window: Window | None = None
    stats: Stats = field(default_factory=Stats)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"rollup_id": self.rollup_id}
        if self.after_key is not None:
            body["after_key"] = self.after_key
        body["last_updated_time"] = self.last_updated_time
        if self.window is not None:
            body["continuous"] = {"next_window_start_time": self.window.start,
                                  "next_window_end_time": self.window.end}
        body |= {"status": self.status, "failure_reason": self.failure_reason, "stats": self.stats.to_json()}
        return body
