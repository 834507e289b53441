"""One rollup job: its config, the state of its indexer, and its counters, each kept with its compact JSON.

A listing may hold every job of the cluster and is written from these encodings (`rendering.JobsWriter`): the
config is encoded once, when the job is put (it never changes), and the counters each time they move."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mockserver.families.rollup.indexer import IndexingRun
from mockserver.xcontent import compact_json


class IndexerState(str, Enum):
    STARTED = "started"
    INDEXING = "indexing"
    STOPPING = "stopping"
    STOPPED = "stopped"
    ABORTING = "aborting"

    @property
    def label(self) -> str:
        """How error messages print the state: the Java enum name."""
        return self.name


# the counters of a job that has not run yet, and their JSON: shared by such jobs, as stats are never changed in place
NO_STATS: dict[str, int] = dict.fromkeys(
    ("pages_processed", "documents_processed", "rollups_indexed", "trigger_count", "search_failures",
     "index_failures", "index_time_in_ms", "index_total", "search_time_in_ms", "search_total",
     "processing_time_in_ms", "processing_total"), 0)
_NO_STATS_JSON = compact_json(NO_STATS)


@dataclass(slots=True)
class RollupJob:
    config: dict[str, Any]
    task_id: int
    node_id: str
    state: IndexerState = IndexerState.STOPPED
    run: IndexingRun | None = None
    seconds_per_page: float | None = None  # a fixture's pace instead of the one derived from the data
    # replaced as the counters move (`count`), never changed in place, so that jobs may share them
    stats: dict[str, int] = field(default_factory=lambda: NO_STATS)
    stats_json: bytes = _NO_STATS_JSON
    config_json: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.config_json = compact_json(self.config)

    @property
    def id(self) -> str:
        return self.config["id"]

    def count(self, **moved: int) -> None:
        """Add to counters: the stats (and their JSON) are replaced, so that stats already read keep what they
        said."""
        stats = self.stats
        self.stats = {**stats, **{name: stats[name] + by for name, by in moved.items()}}
        self.stats_json = compact_json(self.stats)
