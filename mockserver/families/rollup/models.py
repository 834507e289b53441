"""Elasticsearch rollup jobs: config validation and the indexer state machine. No HTTP here.

Time is read from the injected clock and transitions are applied lazily, whenever a job is looked at: a
started job is `indexing` until the pages of its run (`indexer.IndexingRun`) are done, then `started` again;
a stop during a run is `stopping` until the page in flight is done.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from mockserver.clock import Clock
from mockserver.errors import (ApiError, GenericException, IllegalArgument, ResourceNotFound, RuntimeFailure,
                               StatusError, TimedOut, ValidationFailed, XContentParseError)
from mockserver.families.indices.models import Index, IndexStore
from mockserver.families.rollup.indexer import IndexingRun
from mockserver.families.rollup.job import IndexerState, RollupJob
from mockserver.families.rollup.rendering import JobsWriter
from mockserver.family import Hooks
from mockserver.timevalue import TimeValue
from mockserver.version import Version
from mockserver.wildcard import simple_match
from mockserver.xcontent import Document, Encoded

DEPRECATION_MESSAGE = "The rollup functionality will be removed in Elasticsearch 10.0. See docs for more information."
USAGE_CHECK_SINCE = Version(8, 15, 0)
DEFAULT_STOP_TIMEOUT = TimeValue(30)  # StopRollupJobAction.DEFAULT_TIMEOUT
_CONFIG_FIELDS = ("id", "index_pattern", "rollup_index", "cron", "groups", "metrics", "timeout", "page_size")
_METRICS = {"min", "max", "sum", "avg", "value_count"}
_NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
_DATES = {"date", "date_nanos"}


class NotStopped(ApiError):
    """A delete of a job that is not stopped: the 500 a real cluster answers with the task failure in
    `task_failures` (not an error envelope), as `DeleteRollupJobAction.Response` renders it."""

    status = 500

    def __init__(self, job: "RollupJob") -> None:
        super().__init__(f"Could not delete job [{job.id}] because indexer state is [{job.state.label}].  "
                         f"Job must be [STOPPED] before deletion.")
        self.task_id, self.node_id = job.task_id, job.node_id

    def envelope(self, version: Version, trace: bool = False) -> dict[str, Any]:
        failure = {"task_id": self.task_id, "node_id": self.node_id, "status": "INTERNAL_SERVER_ERROR",
                   "reason": {"type": "illegal_state_exception", "reason": self.reason}}
        return {"task_failures": [failure], "acknowledged": False}


# the mapping every rollup index is created with (`TransportPutRollupJobAction.createIndex`)
ROLLUP_DYNAMIC_TEMPLATES = [
    {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}},
    {"date_histograms": {"path_match": "*.date_histogram.timestamp", "mapping": {"type": "date"}}},
]


class RollupJobs(Hooks):
    """The rollup jobs of one cluster."""

    def __init__(self, clock: Clock, indices: IndexStore, version: Version, node_ids: list[str]) -> None:
        self.clock = clock
        self.indices = indices
        self.version = version
        self.node_ids = node_ids
        self.jobs: dict[str, RollupJob] = {}
        self._task_ids = itertools.count(1)
        self._writer = JobsWriter(version)

    # lifecycle -------------------------------------------------------------------------------------------
    def refresh(self, job: RollupJob) -> None:
        """Apply what the job's run did by now: count the pages it finished, and end the run after its last."""
        run = job.run
        if run is None:
            return
        now = self.clock.now()
        if pages := run.finished(now):
            job.count(pages_processed=len(pages), search_total=len(pages),
                      documents_processed=sum(page.documents for page in pages))
        if now < run.ends:
            return
        job.run = None
        if job.state is IndexerState.INDEXING:
            job.state = IndexerState.STARTED
        elif job.state is IndexerState.STOPPING:
            job.state = IndexerState.STOPPED

    def job(self, job_id: str) -> RollupJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise ResourceNotFound(f"Task for Rollup Job [{job_id}] not found")
        self.refresh(job)
        return job

    def state_of(self, job_id: str) -> IndexerState | None:
        job = self.jobs.get(job_id)
        if job is None:
            return None
        self.refresh(job)
        return job.state

    def start(self, job_id: str) -> None:
        job = self.job(job_id)
        if job.state in (IndexerState.STARTED, IndexerState.INDEXING):
            return
        if job.state is not IndexerState.STOPPED:
            raise GenericException(f"Cannot start task for Rollup Job [{job_id}] because state was [{job.state.label}]")
        job.state = IndexerState.STARTED
        self._trigger(job)

    def _trigger(self, job: RollupJob) -> None:
        """One scheduled run: the indexer reads its source indices page by page."""
        job.count(trigger_count=1)
        sources = self.indices.resolve(job.config["index_pattern"], must_exist=False)
        documents = sum(len(index.docs) for index in sources)
        job.run = IndexingRun.plan(self.clock.now(), documents, job.config["page_size"], job.seconds_per_page)
        job.state = IndexerState.INDEXING
        self.refresh(job)

    async def stop(self, job_id: str, wait: bool = False, timeout: TimeValue = DEFAULT_STOP_TIMEOUT) -> None:
        """Stop the job; an indexing run in flight finishes first (`STOPPING`). With `wait`, return only once
        the job is stopped (or gone), or raise `TimedOut` when `timeout` passes first."""
        job = self.job(job_id)
        if job.state is IndexerState.ABORTING:
            raise GenericException(f"Cannot stop task for Rollup Job [{job_id}] because state was [ABORTING]")
        if job.state is IndexerState.STARTED:
            job.state = IndexerState.STOPPED
        elif job.state is IndexerState.INDEXING:
            job.state = IndexerState.STOPPING
            assert job.run is not None
            job.run.halt(self.clock.now())
        if not wait:
            return
        deadline = self.clock.now() + max(timeout.seconds, 0)
        if not await self.clock.wait_until(lambda: self.state_of(job_id) in (IndexerState.STOPPED, None), deadline):
            raise TimedOut(f"Timed out after [{timeout.string_rep()}] while waiting for rollup job [{job_id}] to "
                           f"stop. State was [{self.job(job_id).state.label}]")

    def make_slow(self, job_id: str, seconds: float) -> None:
        """Every indexing run of this job reads one page that takes `seconds`; a started job begins one now
        (in place of the run in flight)."""
        job = self.job(job_id)
        job.seconds_per_page = seconds
        if job.state in (IndexerState.STARTED, IndexerState.INDEXING):
            self._trigger(job)

    def delete(self, job_id: str) -> None:
        """Delete a stopped job; raises `NotStopped` for any other state."""
        job = self.jobs.get(job_id)
        if job is None:
            raise ResourceNotFound(f"the task with id [{job_id}] doesn't exist")
        self.refresh(job)
        if job.state is not IndexerState.STOPPED:
            raise NotStopped(job)
        del self.jobs[job_id]

    def warnings(self) -> list[str]:
        """The deprecation warnings every rollup API answers with on this version."""
        return [DEPRECATION_MESSAGE] if self.version >= USAGE_CHECK_SINCE else []

    def get(self, job_id: str | None) -> list[RollupJob]:
        if job_id in (None, "", "_all", "*"):
            selected = list(self.jobs.values())
        else:
            selected = [self.jobs[job_id]] if job_id in self.jobs else []
        for job in selected:
            self.refresh(job)
        return selected

    def listing(self, job_id: str | None) -> Encoded:
        """`GetRollupJobsAction.Response` for the jobs `job_id` names (every job for none, `_all` or `*`)."""
        return self._writer(self.get(job_id))

    # creation --------------------------------------------------------------------------------------------
    def put(self, job_id: str, body: Document) -> None:
        config = parse_config(job_id, body)
        if self.version >= USAGE_CHECK_SINCE and not self.jobs and not any(
                "_rollup" in i.meta for i in self.indices.indices.values()):
            raise IllegalArgument("new rollup jobs are not allowed in clusters that don't have any rollup usage, "
                                  "since rollup has been deprecated")
        self._check_fields(config)
        self._claim_rollup_index(config)  # the index metadata is checked before the persistent task
        if job_id in self.jobs:
            raise StatusError(f"Cannot create job [{job_id}] because it has already been created (task exists)", 409)
        node_id = self.node_ids[sum(map(ord, job_id)) % len(self.node_ids)]
        self.jobs[job_id] = RollupJob(config, next(self._task_ids), node_id)

    def _claim_rollup_index(self, config: dict[str, Any]) -> None:
        name = config["rollup_index"]
        index = self.indices.indices.get(name)
        if index is None:
            self.indices.create(name, {"_meta": {"_rollup": {config["id"]: config}, "rollup-version": ""},
                                       "dynamic_templates": copy.deepcopy(ROLLUP_DYNAMIC_TEMPLATES)})
            return
        prefix = "Rollup data cannot be added to existing indices that contain non-rollup data"
        if "_meta" not in index.mappings:
            raise RuntimeFailure(f"{prefix} (expected to find _meta key in mapping of rollup index [{name}] "
                                 f"but not found).")
        if "_rollup" not in index.meta:
            raise RuntimeFailure(f"{prefix} (expected to find rollup meta key [_rollup] in mapping of rollup "
                                 f"index [{name}] but not found).")
        if config["id"] in index.meta["_rollup"]:
            raise StatusError(f"Cannot create rollup job [{config['id']}] because job was previously created "
                              f"(existing metadata).", 409)
        index.meta["_rollup"][config["id"]] = config

    def _check_fields(self, config: dict[str, Any]) -> None:
        sources = [i for i in self.indices.resolve(config["index_pattern"], must_exist=False)
                   if i.name != config["rollup_index"]]
        problems = []
        groups = config["groups"]
        date_field = groups["date_histogram"]["field"]
        if not _has_field(sources, date_field, _DATES):
            problems.append(f"Could not find one of [date,date_nanos] fields with name [{date_field}] in any of "
                            f"the indices matching the index pattern.")
        for name in groups.get("terms", {}).get("fields", []):
            if not _has_field(sources, name, _NUMERIC | {"keyword", "text"}):
                problems.append(f"Could not find a [numeric] or [keyword/text] field with name [{name}] in any of "
                                f"the indices matching the index pattern.")
        for name in groups.get("histogram", {}).get("fields", []):
            if not _has_field(sources, name, _NUMERIC):
                problems.append(f"Could not find a [numeric] field with name [{name}] in any of the indices "
                                f"matching the index pattern.")
        for metric in config["metrics"]:
            if not _has_field(sources, metric["field"], _NUMERIC | _DATES):
                problems.append(f"Could not find a [numeric] or [date,date_nanos] field with name "
                                f"[{metric['field']}] in any of the indices matching the index pattern.")
        if problems:
            raise ValidationFailed(*problems)


def _has_field(indices: list[Index], name: str, types: set[str]) -> bool:
    return any(index.field_type(name) in types for index in indices)


def parse_config(job_id: str, document: Document) -> dict[str, Any]:
    """Validate a put-job body the way `RollupJobConfig` does and return the config a GET echoes."""
    body = document.value
    if not isinstance(body, dict):
        raise XContentParseError(f"[{document.where(())}] [job] failed to parse object")
    for key in body:
        if key not in _CONFIG_FIELDS or key == "id":
            raise XContentParseError(f"[{document.where((key,), key=True)}] [job] unknown field [{key}]")

    def fail(message: str) -> ApiError:
        return XContentParseError(f"[{document.where((), end=True)}] Failed to build [job] after last required "
                                  f"field arrived", caused_by=IllegalArgument(message))

    index_pattern, rollup_index = body.get("index_pattern"), body.get("rollup_index")
    if not job_id:
        raise fail("Id must be a non-null, non-empty string")
    if not isinstance(index_pattern, str) or not index_pattern:
        raise fail("Index pattern must be a non-null, non-empty string")
    if index_pattern in ("*", "_all"):
        raise fail("Index pattern must not match all indices (as it would match it's own rollup index")
    if not isinstance(rollup_index, str) or not rollup_index:
        raise fail("Rollup index must be a non-null, non-empty string")
    if rollup_index == index_pattern:
        raise fail("Rollup index may not be the same as the index pattern")
    if "*" in index_pattern and simple_match(index_pattern, rollup_index):
        raise fail("Index pattern would match rollup index name which is not allowed")
    if not isinstance(body.get("cron"), str) or not body["cron"]:
        raise fail("Cron schedule must be a non-null, non-empty string")
    page_size = body.get("page_size")
    if isinstance(page_size, float) and page_size.is_integer():  # `longValue` takes a whole float
        page_size = int(page_size)
    if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size <= 0:
        raise fail("Page size is mandatory and  must be a positive long")
    groups = body.get("groups")
    metrics = body.get("metrics", [])
    if not isinstance(groups, dict) and not metrics:
        raise fail("At least one grouping or metric must be configured")
    if not isinstance(groups, dict) or not isinstance(groups.get("date_histogram"), dict):
        raise fail("Date histogram must not be null")
    date_histogram = dict(groups["date_histogram"])
    if not date_histogram.get("field"):
        raise fail("Field must be a non-null, non-empty string")
    if not any(k in date_histogram for k in ("calendar_interval", "fixed_interval", "interval")):
        raise fail("An interval is required.  Use [fixed_interval] or [calendar_interval].")
    date_histogram.setdefault("time_zone", "UTC")
    for metric in metrics:
        for name in metric.get("metrics", []):
            if name not in _METRICS:
                raise fail(f"Unsupported metric [{name}]")
    return {"id": job_id, "index_pattern": index_pattern, "rollup_index": rollup_index, "cron": body["cron"],
            "groups": {**groups, "date_histogram": date_histogram}, "metrics": metrics,
            "timeout": body.get("timeout", "20s"), "page_size": page_size}

