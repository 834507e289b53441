"""Data frame analytics jobs: configs, persistent tasks and the run of an analysis. No HTTP here.

A started job owns a persistent task (`starting`, `started`, `stopping` or `failed`); a job without one is
`stopped`. Time is read from the injected clock and applied lazily whenever a job is looked at: a started job
moves through its progress phases, each taking `phase_seconds`, copying the source documents into the
destination index while reindexing and adding the results field while writing results; after its last phase
the task is removed and the job is `stopped` with every phase at 100%. A job whose loaded rows need more
memory than its model memory limit fails instead, at the start of its analysis (see `memory`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from sortedcontainers import SortedDict

from mockserver.clock import Clock
from mockserver.errors import ApiError, IllegalState, ResourceAlreadyExists, StatusError, ValidationFailed
from mockserver.families.cluster.dynamic import DynamicSettings
from mockserver.families.indices.models import Index, IndexStore
from mockserver.families.indices.query import field_value, is_missing
from mockserver.families.ml.analysis import Features
from mockserver.families.ml.config import MAX_MEMORY_SETTING, DfaConfig, capped_memory_limit, size_text
from mockserver.families.ml.ids import expand, is_all, missing, tokens
from mockserver.families.ml.memory import (WARN_ONLY_SINCE, hard_limit_usage, low_limit_refusal, low_limit_warning,
                                           memory_needed, process_failure)
from mockserver.families.security.models import Security
from mockserver.family import Hooks
from mockserver.nodes import Node
from mockserver.timevalue import TimeValue
from mockserver.version import Version
from mockserver.wildcard import simple_match

DEFAULT_PHASE_SECONDS = 5.0
STOP_TIMEOUT = TimeValue(30)  # StopDataFrameAnalyticsAction.DEFAULT_TIMEOUT; the docs say 20s (disputed)
START_TIMEOUT = TimeValue(20)
INCREMENTAL_ID = "ml__incremental_id"
AUTHORIZATION_SINCE = Version(8, 4, 0)  # configs say who put or updated them (elastic/elasticsearch#87884)


class ValidationError(ApiError):
    """`org.elasticsearch.common.ValidationException`, as `SourceDestValidator` raises it."""

    type, status = "validation_exception", 400

    def __init__(self, *messages: str) -> None:
        super().__init__(ValidationFailed(*messages).reason)


class DfaState(str, Enum):
    STARTING = "starting"
    STARTED = "started"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass
class Task:
    """The persistent task of a job that was started and is not stopped yet."""

    node_id: str
    state: DfaState
    assign_at: float
    stop_at: float | None = None
    failure_reason: str | None = None


@dataclass
class Run:
    """What one analysis works on: the source rows (snapshot at first start) and what was done with them."""

    rows: list[tuple[str, str]]  # (source index, document id)
    copied: int = 0
    features: Features = field(default_factory=dict)
    analysed: list[str] = field(default_factory=list)  # ids of the rows that have every feature
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    written: int = 0


# What a job that never loaded data reports, shared by all of them (a run replaces it with the job's own).
NO_DATA_COUNTS: Mapping[str, int] = MappingProxyType(
    dict.fromkeys(("training_docs_count", "test_docs_count", "skipped_docs_count"), 0))
NO_MEMORY_USAGE: Mapping[str, Any] = MappingProxyType({"peak_usage_bytes": 0, "status": "ok"})


@dataclass(slots=True)
class DfaJob:
    config: DfaConfig
    progress: dict[str, int]
    task: Task | None = None
    run: Run | None = None
    phase_started: float = 0.0
    phase_seconds: float | None = None
    stop_seconds: float = 0.0
    assign_seconds: float = 0.0
    data_counts: Mapping[str, int] = field(default_factory=lambda: NO_DATA_COUNTS)
    memory_usage: Mapping[str, Any] = field(default_factory=lambda: NO_MEMORY_USAGE)

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def state(self) -> DfaState:
        return self.task.state if self.task else DfaState.STOPPED

    @property
    def current_phase(self) -> str | None:
        return next((phase for phase, percent in self.progress.items() if percent < 100), None)


class DfaJobs(Hooks):
    """The data frame analytics jobs of one cluster."""

    def __init__(self, clock: Clock, indices: IndexStore, version: Version, nodes: tuple[Node, ...],
                 settings: DynamicSettings | None = None, security: Security | None = None) -> None:
        self.clock = clock
        self.indices = indices
        self.version = version
        self.nodes = nodes
        self.settings = settings or DynamicSettings()  # the cluster's, for `xpack.ml.max_model_memory_limit`
        self.security = security
        self.jobs: SortedDict[str, DfaJob] = SortedDict()  # in id order, as every listing returns them
        self._running: set[str] = set()  # the ids of jobs that had a task when last looked at
        self.default_phase_seconds = DEFAULT_PHASE_SECONDS

    # lookup ----------------------------------------------------------------------------------------------
    def job(self, job_id: str) -> DfaJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise missing(job_id)
        self.refresh(job)
        return job

    def select_ids(self, expression: str, allow_no_match: bool) -> Sequence[str]:
        """The ids of the jobs an id expression names, sorted (a page of them is all a listing looks at). All of
        them are the jobs' own sorted keys, which a page slices without copying the rest."""
        if self.jobs and is_all(tokens(expression)):
            return self.jobs.keys()
        return expand(expression, self.jobs, allow_no_match)

    def select(self, expression: str, allow_no_match: bool) -> list[DfaJob]:
        """The jobs an id expression names, sorted by id, refreshed."""
        return [self.job(job_id) for job_id in self.select_ids(expression, allow_no_match)]

    # creation and deletion -------------------------------------------------------------------------------
    def put(self, config: DfaConfig, authorization: dict[str, Any] | None = None) -> DfaConfig:
        """Store a new config (`TransportPutDataFrameAnalyticsAction`), with who put it since 8.4."""
        self.validate_source_dest(config)
        if config.id in self.jobs:
            raise ResourceAlreadyExists(f"A data frame analytics with id [{config.id}] already exists")
        config.model_memory_limit = capped_memory_limit(config.model_memory_limit, self._max_memory_limit())
        config.create_time = int(self.clock.now() * 1000)
        config.version = str(self.version)
        config.authorization = authorization if self.version >= AUTHORIZATION_SINCE else None
        self.jobs[config.id] = DfaJob(config, dict.fromkeys(config.analysis.phases, 0))
        return config

    def update(self, job_id: str, changes: dict[str, Any], authorization: dict[str, Any] | None = None) -> DfaConfig:
        """Apply an update (`DataFrameAnalyticsConfigProvider.update`): a new memory limit needs a stopped job;
        the updater's authorization replaces the stored one."""
        job = self.job(job_id)
        limit = changes.get("model_memory_limit")
        if limit is not None and limit != job.config.model_memory_limit and job.state is not DfaState.STOPPED:
            raise StatusError(f"Cannot update analytics [{job_id}] unless it's stopped", 409)
        for name, value in changes.items():
            setattr(job.config, name, value)
        if self.version >= AUTHORIZATION_SINCE:
            job.config.authorization = authorization
        return job.config

    def authorization(self, headers: Mapping[str, str], uri: str) -> dict[str, Any] | None:
        """What a config remembers of who put or updated it: an API key's id, else the user's roles (the user run
        as, if any); None without security."""
        if self.security is None:
            return None
        principal = self.security.principal(headers, uri)
        if principal.api_key is not None:
            return {"api_key": {"id": principal.api_key.id}}
        return {"roles": list(principal.user.roles)}

    def _max_memory_limit(self) -> str | None:
        """The `xpack.ml.max_model_memory_limit` cluster setting (transient over persistent), if a byte size."""
        value = self.settings.effective(MAX_MEMORY_SETTING)
        return None if value is None else size_text(value)

    def delete(self, job_id: str, force: bool) -> None:
        job = self.job(job_id)
        if job.state is not DfaState.STOPPED:
            if not force:
                raise StatusError(f"Cannot delete data frame analytics [{job_id}] while its status is "
                                  f"[{job.state.value}]", 409)
            job.task = None
        del self.jobs[job_id]

    # start ------------------------------------------------------------------------------------------------
    async def start(self, job_id: str, timeout: TimeValue = START_TIMEOUT,
                    warn: Callable[[str], None] = lambda _: None) -> str:
        """Start the job and wait until a node takes its task (unless the job may start lazily); the id of that
        node, or `""` for a lazy start still awaiting one. A 408 when `timeout` passes first; `warn` receives the
        start's warnings."""
        task = self.start_task(job_id, warn)
        if task.state is DfaState.STARTING:
            if self.job(job_id).config.allow_lazy_start:
                return ""
            if not await self.clock.wait_until(lambda: self.job(job_id).state is not DfaState.STARTING,
                                               self.clock.deadline(timeout.seconds)):
                raise StatusError(f"Starting data frame analytics [{job_id}] timed out after [{timeout}]", 408)
        return task.node_id

    def start_task(self, job_id: str, warn: Callable[[str], None] = lambda _: None) -> Task:
        """Validate like `TransportStartDataFrameAnalyticsAction`, estimate the memory the analysis needs (`warn`
        receives a warning when the limit is lower), then create the persistent task."""
        job = self.job(job_id)
        config = job.config
        self.validate_source_dest(config)
        features = self.detect_features(config)
        phase = job.current_phase
        if phase is None:
            raise StatusError("Cannot start because the job has already finished", 400)
        first_time = phase == "reindexing" and job.progress[phase] == 0
        dest = self.indices.indices.get(config.dest["index"])
        if first_time and dest is not None and dest.docs:
            raise StatusError(f"dest index [{dest.name}] must be empty", 400)
        if not any(self._has_all(source, features) for _, _, source in self._source_rows(config)):
            raise StatusError(
                f"Unable to start {job_id} as no documents in the source indices [{','.join(config.source['index'])}]"
                f" contained all the fields selected for analysis. If you are relying on automatic field selection "
                f"then there are currently mapped fields that do not exist in any indexed documents, and you will "
                f"have to switch to explicit field selection and include only fields that exist in indexed "
                f"documents.", 400)
        self._check_memory_limit(config, features, warn)
        if job.task is not None:
            raise StatusError(f"Cannot start data frame analytics [{job_id}] because it has already been started",
                              409)
        now = self.clock.now()
        if phase == "reindexing" and not first_time:  # `executeJobInMiddleOfReindexing`: the copy starts over
            self.indices.indices.pop(config.dest["index"], None)
        if phase == "reindexing" or job.run is None:
            job.run = Run([(index.name, doc_id) for index, doc_id, _ in self._source_rows(config)])
        job.progress[phase] = 0
        node = self.nodes[sum(map(ord, job_id)) % len(self.nodes)]
        assigned = job.assign_seconds <= 0
        job.task = Task(node.id, DfaState.STARTED if assigned else DfaState.STARTING, now + job.assign_seconds)
        self._running.add(job_id)
        job.phase_started = now + job.assign_seconds
        task = job.task
        self.refresh(job)
        return task

    # stop -------------------------------------------------------------------------------------------------
    async def stop(self, expression: str, allow_no_match: bool, force: bool,
                   timeout: TimeValue = STOP_TIMEOUT) -> None:
        """Stop the jobs an id expression names and wait until their tasks are gone; `IllegalState` (500) when
        `timeout` passes first."""
        if expression in self.jobs:  # one explicit id, the usual case (no id is `_all` or holds `,` or `*`)
            named = [expression] if expression in self._running else []
        elif is_all(tokens(expression)) and self.jobs:  # of all jobs, only those with a task have anything to stop
            named = sorted(job_id for job_id in self._running if job_id in self.jobs)
        else:
            named = [job_id for job_id in expand(expression, self.jobs, allow_no_match) if job_id in self._running]
        waiting = self.stop_tasks([self.job(job_id) for job_id in named], force)
        if waiting and not await self.clock.wait_until(lambda: self.all_stopped(waiting),
                                                       self.clock.deadline(timeout.seconds)):
            raise IllegalState(f"Timed out when waiting for persistent tasks after {timeout}")

    def stop_tasks(self, jobs: list[DfaJob], force: bool) -> list[str]:
        """Stop the jobs (`TransportStopDataFrameAnalyticsAction`); returns the ids a normal stop waits for."""
        failed = [job.id for job in jobs if job.state is DfaState.FAILED]
        if failed and not force:
            raise StatusError(f"cannot close data frame analytics [{failed[0]}] because it failed, use force stop "
                              f"instead" if len(failed) == 1 else
                              "one or more data frame analytics are in failed state, use force stop instead", 409)
        waiting = []
        for job in jobs:
            if job.task is None:
                continue
            if force or job.state is DfaState.STARTING:
                job.task = None
                continue
            if job.state is DfaState.STARTED:
                job.task.state = DfaState.STOPPING
                job.task.stop_at = self.clock.now() + job.stop_seconds
                self.refresh(job)
            waiting.append(job.id)
        return waiting

    def catch_up(self) -> None:
        """Apply what is due for every running job, so that reads of their destination indices are current too."""
        if not self._running:
            return
        for job_id in list(self._running):
            job = self.jobs.get(job_id)
            if job is not None:
                self.refresh(job)
            if job is None or job.task is None:
                self._running.discard(job_id)

    def all_stopped(self, job_ids: Iterable[str]) -> bool:
        """Whether the persistent tasks of these jobs are gone (a deleted job counts as stopped)."""
        return all(job_id not in self.jobs or self.job(job_id).task is None for job_id in job_ids)

    # fixtures ---------------------------------------------------------------------------------------------
    def fail(self, job_id: str, reason: str) -> None:
        job = self.job(job_id)
        if job.task is None:
            raise StatusError(f"data frame analytics [{job_id}] is not running", 409)
        self._set_failed(job.task, reason)

    @staticmethod
    def _set_failed(task: Task, reason: str) -> None:
        """The task stays on its node, `failed` with the reason, until a force stop removes it."""
        task.state = DfaState.FAILED
        task.failure_reason = reason

    # the run ----------------------------------------------------------------------------------------------
    def refresh(self, job: DfaJob) -> None:
        """Apply what happened to the job's task since it was last looked at."""
        task = job.task
        if task is None:
            return
        now = self.clock.now()
        if task.state is DfaState.STARTING and now >= task.assign_at:
            task.state = DfaState.STARTED
        if task.state is DfaState.STARTED:
            self._advance(job, now)
        elif task.state is DfaState.STOPPING and task.stop_at is not None and now >= task.stop_at:
            job.task = None

    def _advance(self, job: DfaJob, now: float) -> None:
        seconds = self.default_phase_seconds if job.phase_seconds is None else job.phase_seconds
        while (phase := job.current_phase) is not None:
            end = job.phase_started + seconds
            if now < end:
                percent = min(99, math.floor(100 * (now - job.phase_started) / seconds + 1e-3))  # clock float noise
                job.progress[phase] = max(job.progress[phase], percent)
                self._work(job, phase, percent)
                return
            self._work(job, phase, 100)
            job.progress[phase] = 100
            job.phase_started = end
            if job.state is DfaState.FAILED:
                return
        job.task = None

    def _work(self, job: DfaJob, phase: str, percent: int) -> None:
        """The side effects of a phase that is `percent` done."""
        run, config = job.run, job.config
        assert run is not None
        if phase == "reindexing":
            self._reindex(config, run, math.ceil(len(run.rows) * percent / 100))
        elif phase == "loading_data" and percent == 100:
            self._load(job, run)
        elif phase == config.analysis.analysis_phases[-1] and percent == 100:
            docs = self._dest(config).docs
            rows = [(doc_id, docs[doc_id].source) for doc_id in run.analysed if doc_id in docs]
            run.results = config.analysis.results(rows, run.features)
        elif phase == "writing_results":
            self._write_results(config, run, math.ceil(len(run.analysed) * percent / 100))

    def _reindex(self, config: DfaConfig, run: Run, upto: int) -> None:
        dest = self._dest(config)
        for position in range(run.copied, upto):
            index_name, doc_id = run.rows[position]
            doc = self.indices.indices[index_name].docs.get(doc_id) if index_name in self.indices.indices else None
            if doc is not None:
                dest.write(doc_id, {**doc.source, INCREMENTAL_ID: position})
        run.copied = max(run.copied, upto)

    def _load(self, job: DfaJob, run: Run) -> None:
        config = job.config
        run.features = self.detect_features(config)
        dest = self._dest(config)
        run.analysed = [doc.id for doc in dest.docs.values() if self._has_all(doc.source, run.features)]
        analysis = config.analysis
        training = sum(1 for doc_id in run.analysed if analysis.is_training(doc_id, dest.docs[doc_id].source))
        job.data_counts = {"training_docs_count": training, "test_docs_count": len(run.analysed) - training,
                           "skipped_docs_count": len(dest.docs) - len(run.analysed)}
        used, limit = memory_needed(len(run.analysed), len(run.features)), config.memory_limit_bytes
        timestamp = int(self.clock.now() * 1000)
        if used > limit and job.task is not None:
            job.memory_usage = hard_limit_usage(timestamp, used)
            self._set_failed(job.task, process_failure(job.id, limit, used))
        else:
            job.memory_usage = {"timestamp": timestamp, "peak_usage_bytes": used, "status": "ok"}

    def _write_results(self, config: DfaConfig, run: Run, upto: int) -> None:
        dest = self._dest(config)
        for doc_id in run.analysed[run.written:upto]:
            doc = dest.docs.get(doc_id)
            if doc is not None and doc_id in run.results:
                dest.write(doc_id, {**doc.source, config.results_field: run.results[doc_id]})
        run.written = max(run.written, upto)

    def _dest(self, config: DfaConfig) -> Index:
        """The destination index, created like `DestinationIndex.createDestinationIndex` when missing."""
        name = config.dest["index"]
        if name in self.indices.indices:
            return self.indices.indices[name]
        properties: dict[str, Any] = {}
        for index in self._sources(config):
            properties |= index.mappings.get("properties", {})
        properties[INCREMENTAL_ID] = {"type": "long"}
        meta = {"analytics": config.id, "created_by": "data-frame-analytics",
                "creation_date_in_millis": int(self.clock.now() * 1000), "version": {"created": str(self.version)}}
        return self.indices.create(name, {"_meta": meta, "properties": properties})

    # validation -------------------------------------------------------------------------------------------
    def validate_source_dest(self, config: DfaConfig) -> None:
        """`SourceDestValidator`: no remote or missing concrete source index; dest not among the sources."""
        problems = []
        sources = config.source["index"]
        if any(":" in name for name in sources):
            problems.append("remote source indices are not supported")
        problems += [f"no such index [{name}]" for name in sources
                     if "*" not in name and not self.indices.resolve(name, must_exist=False)]
        dest = config.dest["index"]
        problems += [f"Destination index [{dest}] is included in source expression [{name}]"
                     for name in sources if simple_match(name, dest)]
        if not problems:
            problems = self._resolved_dest_problems(sources, dest)
        if problems:
            raise ValidationError(*problems)

    def _resolved_dest_problems(self, sources: list[str], dest: str) -> list[str]:
        """The rest of `DestinationInSourceValidation` and `DestinationSingleIndexValidation`: the dest, or the
        index a write to it goes to, must not be among the indices the sources resolve to."""
        resolved = sorted(i.name for i in self.indices.resolve(",".join(sources), must_exist=False))
        if dest in resolved:
            return [f"Destination index [{dest}] is included in source expression [{','.join(sources)}]"]
        try:
            write_index = self.indices.write_index(dest) or dest
        except ApiError as error:
            return [error.reason]
        if write_index in resolved:
            return [f"Destination index [{write_index}] is included in source expression [{','.join(resolved)}]"]
        return []

    def detect_features(self, config: DfaConfig) -> Features:
        """The fields the analysis reads (`ExtractedFieldsDetector`): mapped, of a supported type, selected by
        `analyzed_fields`, without the results field and the analysis' required fields."""
        mapped: dict[str, tuple[str, str]] = {}
        for index in self._sources(config):
            mapped |= _leaf_fields(index.mappings.get("properties", {}))
        analysis = config.analysis
        for required in analysis.required_fields:
            if required not in mapped:
                raise StatusError(f"no mappings could be found for field [{required}]", 400)
        selection = config.analyzed_fields or {"includes": [], "excludes": []}
        for pattern in selection["includes"]:
            if not any(simple_match(pattern, name) for name in mapped):
                raise StatusError(f"No field [{pattern}] could be detected", 400)
        results_field = config.results_field
        features = {
            name: path for name, (kind, path) in sorted(mapped.items())
            if kind in analysis.feature_types and name not in analysis.required_fields
            and not name.startswith("_") and name != INCREMENTAL_ID
            and name != results_field and not name.startswith(results_field + ".")
            and (not selection["includes"] or any(simple_match(p, name) for p in selection["includes"]))
            and not any(simple_match(p, name) for p in selection["excludes"])}
        if not features:
            required = analysis.required_fields
            raise StatusError("at least one field must be included in the analysis"
                              + (f" (excluding fields [{', '.join(required)}])" if required else ""), 400)
        self._check_cardinality(config)
        return features

    def _check_memory_limit(self, config: DfaConfig, features: Features, warn: Callable[[str], None]) -> None:
        """The start's memory estimate against the job's limit: below it, a refusal before 7.10, a warning since."""
        rows = sum(1 for _, _, source in self._source_rows(config) if self._has_all(source, features))
        estimate, limit = memory_needed(rows, len(features)), config.memory_limit_bytes
        if limit >= estimate:
            return
        if self.version < WARN_ONLY_SINCE:
            raise low_limit_refusal(limit, estimate)
        warn(low_limit_warning(limit, estimate))

    def _check_cardinality(self, config: DfaConfig) -> None:
        """`FieldCardinalityConstraint.check` over the documents the source query selects."""
        for name, minimum in config.analysis.minimum_cardinality.items():
            values = {json.dumps(value, sort_keys=True) for _, _, source in self._source_rows(config)
                      if not is_missing(value := field_value(source, name))}
            if len(values) < minimum:
                raise StatusError(f"Field [{name}] must have at least [{minimum}] distinct values but there were "
                                  f"[{len(values)}]", 400)

    def _sources(self, config: DfaConfig) -> list[Index]:
        return self.indices.resolve(",".join(config.source["index"]), must_exist=False)

    def _source_rows(self, config: DfaConfig) -> list[tuple[Index, str, dict[str, Any]]]:
        return [(index, doc.id, doc.source) for index in self._sources(config)
                for doc in index.search(config.source["query"])]

    @staticmethod
    def _has_all(source: dict[str, Any], features: Features) -> bool:
        return not any(is_missing(field_value(source, path)) for path in features.values())

    # rendering --------------------------------------------------------------------------------------------
    def stats(self, job: DfaJob) -> dict[str, Any]:
        """One element of the get-stats answer (`GetDataFrameAnalyticsStatsAction.Response.Stats`)."""
        doc: dict[str, Any] = {"id": job.id, "state": job.state.value}
        if job.task is not None and job.task.failure_reason is not None:
            doc["failure_reason"] = job.task.failure_reason
        doc["progress"] = [{"phase": p, "progress_percent": v} for p, v in job.progress.items()]
        doc["data_counts"] = dict(job.data_counts)
        doc["memory_usage"] = dict(job.memory_usage)
        if job.task is not None and job.state is not DfaState.STARTING:
            node = next(n for n in self.nodes if n.id == job.task.node_id)
            doc["node"] = {"id": node.id, "name": node.name,
                           "ephemeral_id": hashlib.sha1(node.id.encode()).hexdigest()[:22],
                           "transport_address": node.transport_address, "attributes": dict(node.attributes)}
            doc["assignment_explanation"] = ""
        elif job.task is not None:
            doc["assignment_explanation"] = "persistent task is awaiting node assignment."
        return doc


def _leaf_fields(properties: dict[str, Any], prefix: str = "") -> dict[str, tuple[str, str]]:
    """Dotted leaf fields -> (mapped type, source path); a multi-field reads its parent's value."""
    fields: dict[str, tuple[str, str]] = {}
    for name, mapping in properties.items():
        path = prefix + name
        if "properties" in mapping:
            fields |= _leaf_fields(mapping["properties"], path + ".")
        elif "type" in mapping:
            fields[path] = (mapping["type"], path)
            for sub, sub_mapping in mapping.get("fields", {}).items():
                fields[f"{path}.{sub}"] = (sub_mapping.get("type", ""), path)
    return fields

