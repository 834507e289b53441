"""OpenSearch rollup jobs: the API operations and the job scheduler. No HTTP here.

Scheduled executions are applied lazily: before any operation, every enabled job runs once for each
time its schedule fired since it was last looked at, with that fire time as "now". Nothing runs in the
background, so a `ManualClock` drives jobs through their executions deterministically.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from mockserver.clock import Clock
from mockserver.errors import IllegalArgument, StatusError, ValidationFailed
from mockserver.families.indices.models import Index, IndexStore
from mockserver.families.opensearch_rollup import rollup_search
from mockserver.families.opensearch_rollup.access import BackendRoleFilter, JobUser
from mockserver.families.opensearch_rollup.config_index import PRIMARY_TERM, ConfigDoc, ConfigIndex
from mockserver.families.opensearch_rollup.errors import CONFIG_INDEX, NullPointer
from mockserver.families.opensearch_rollup.documents import Rollup, RollupMetadata, Status
from mockserver.families.opensearch_rollup.parsing import Request, parse_request
from mockserver.families.opensearch_rollup.runner import Runner
from mockserver.families.opensearch_rollup.schedule import IntervalSchedule
from mockserver.families.opensearch_rollup.target import resolve_name
from mockserver.family import Hooks
from mockserver.version import Version
from mockserver.wildcard import wildcard_query_match
from mockserver.xcontent import Document

UNASSIGNED_SEQ_NO, UNASSIGNED_PRIMARY_TERM = -2, 0
MAX_FIRES_PER_LOOK = 100_000
RETRY_STOPPED = "Stopped a rollup that was in retry, rolling back to failed status"


class RollupJobs(Hooks):
    """The rollup jobs of one cluster, kept in its `.opendistro-ism-config` index. It answers searches of
    rollup indices itself, as the plugin's search interceptor does. Each operation takes the requesting user
    (None: security is off), whom `access` checks against the job's own."""

    def __init__(self, clock: Clock, store: IndexStore, version: Version, seed: int = 0,
                 node_id: str = "node-0", access: BackendRoleFilter | None = None) -> None:
        self.clock = clock
        self.access = access or BackendRoleFilter()
        self.node_id = node_id  # the node that holds the shards, as failed searches name it
        self.store = store
        self.version = version
        self.config = ConfigIndex(random.Random(f"opensearch-rollup-{seed}"))
        self.runner = Runner(self.config, store, version)
        store.intercept_searches(self.search)
        self._looked_at: dict[str, int] = {}  # job id -> time up to which its schedule has been applied

    def now(self) -> int:
        return int(self.clock.now() * 1000)

    def search(self, indices: list[Index], body: dict[str, Any]) -> dict[str, Any] | None:
        """A search of rollup indices, answered from their rollup documents; None for any other search."""
        return rollup_search.answer(indices, body, self.node_id, self.version)

    # the scheduler ----------------------------------------------------------------------------------------
    def catch_up(self) -> None:
        """Hook: run the executions that are due before any request reads the indices or the jobs."""
        self.refresh()

    def refresh(self) -> int:
        """Run every execution that is due; return the current time in epoch millis."""
        now = self.now()
        for job_id in list(self._looked_at):
            self._catch_up(job_id, now)
        return now

    def _catch_up(self, job_id: str, now: int) -> None:
        last = self._looked_at.get(job_id, now)
        self._looked_at[job_id] = now
        for _ in range(MAX_FIRES_PER_LOOK):
            job = self._job(job_id)
            if job is None or not job.enabled:
                return
            fire = job.schedule.next_after(last)
            if fire > now:
                return
            self.runner.execute(job_id, fire)
            last = fire

    def _scheduled(self, job_id: str, now: int) -> None:
        """The job scheduler (re)schedules a job whenever its document is written."""
        self._looked_at[job_id] = now

    def run_now(self, job_id: str) -> bool:
        """Fire the job's schedule now, as if its next execution time had come."""
        now = self.refresh()
        job = self._job(job_id)
        if job is None or not job.enabled:
            return False
        self.runner.execute(job_id, now)
        return True

    # lookups ----------------------------------------------------------------------------------------------
    def _job(self, job_id: str) -> Rollup | None:
        doc = self.config.get(job_id)
        return doc.body if doc is not None and isinstance(doc.body, Rollup) else None

    def _job_doc(self, job_id: str, missing: str, user: JobUser | None) -> ConfigDoc:
        """The job's document, if it exists (404) and the user may reach it (403)."""
        self.config.require()
        doc = self.config.get(job_id)
        if doc is None or not isinstance(doc.body, Rollup):
            raise StatusError(missing, 404)
        self.access.check(user, doc.body.user, job_id)
        return doc

    def _metadata_doc(self, job: Rollup) -> ConfigDoc | None:
        doc = self.config.get(job.metadata_id) if job.metadata_id is not None else None
        return doc if doc is not None and isinstance(doc.body, RollupMetadata) else None

    def response(self, doc: ConfigDoc, *, with_version: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"_id": doc.id}
        if with_version:
            body["_version"] = doc.version
        return body | {"_seq_no": doc.seq_no, "_primary_term": PRIMARY_TERM, "rollup": doc.body.to_json(self.version)}

    # create / update --------------------------------------------------------------------------------------
    def put(self, job_id: str, body: Document | None, if_seq_no: int | None,
            if_primary_term: int | None, user: JobUser | None = None) -> tuple[int, dict]:
        """Create (201) or, with both `if_seq_no` and `if_primary_term`, update (200) a job."""
        now = self.refresh()
        seq_no = UNASSIGNED_SEQ_NO if if_seq_no is None else if_seq_no
        term = UNASSIGNED_PRIMARY_TERM if if_primary_term is None else if_primary_term
        updating = seq_no != UNASSIGNED_SEQ_NO and term != UNASSIGNED_PRIMARY_TERM
        rollup = parse_request(body or Document.of(None), Request(job_id, updating, now, self.version))
        if updating and seq_no < 0:
            raise IllegalArgument(f"sequence numbers must be non negative. got [{seq_no}].")
        if updating and term < 0:
            raise IllegalArgument(f"primary term must be non negative. got [{term}]")
        if not job_id.strip():
            raise ValidationFailed("rollupID is missing")
        self.access.check_writer(user)
        self.config.exists = True  # the PUT creates the config index before it looks at the job
        rollup = replace(rollup, user=user)
        doc = (self._update(job_id, rollup, now, seq_no, term) if updating
               else self._create(job_id, rollup, now))
        self._scheduled(job_id, now)
        return (200 if updating else 201), self.response(replace(doc, body=rollup))

    @staticmethod
    def _stored(rollup: Rollup) -> Rollup:
        return replace(rollup, metrics=tuple(m.stored() for m in rollup.metrics))

    def _create(self, job_id: str, rollup: Rollup, now: int) -> ConfigDoc:
        self._check_target_name(rollup)
        return self.config.create(job_id, self._stored(rollup), now)

    def _update(self, job_id: str, rollup: Rollup, now: int, seq_no: int, term: int) -> ConfigDoc:
        """Existence, then the immutable fields, the target name and the sequence numbers, in the server's order."""
        existing = self._job(job_id)
        if existing is None:
            raise StatusError("Rollup not found", 404)
        self.access.check(rollup.user, existing.user, job_id)
        changed = existing.immutable_changes(rollup)
        if changed:
            raise StatusError(f"Not allowed to modify [{', '.join(changed)}]", 400)
        self._check_target_name(rollup)
        if isinstance(rollup.schedule, IntervalSchedule) and rollup.schedule.start_time is None:
            # an update keeps the schedule it was sent; without a start time it cannot be serialised
            raise NullPointer('Cannot invoke "java.time.Instant.toEpochMilli()" because "this.initialStartTime" '
                              'is null')
        return self.config.update(job_id, self._stored(rollup), now, seq_no, term)

    def _check_target_name(self, rollup: Rollup) -> None:
        if any(c in resolve_name(rollup, self.version) for c in "*?"):
            raise StatusError(f"target_index value is invalid: {rollup.target_index}", 400)

    # read -------------------------------------------------------------------------------------------------
    def get(self, job_id: str, user: JobUser | None = None) -> dict[str, Any]:
        self.refresh()
        if not job_id.strip():
            raise ValidationFailed("id is missing")
        return self.response(self._job_doc(job_id, "Rollup not found", user))

    def head(self, job_id: str, user: JobUser | None = None) -> int:
        """The status of a HEAD request: 200, 404 for no such job, 403 for one the user may not reach."""
        self.refresh()
        job = self._job(job_id)
        if job is None:
            return 404
        return 200 if self.access.permits(user, job.user) else 403

    def _visible(self, user: JobUser | None) -> list[ConfigDoc]:
        """The jobs that explain and the list show the user (the backend-role filter of their searches)."""
        return [doc for doc in self.config.docs.values()
                if isinstance(doc.body, Rollup) and self.access.permits(user, doc.body.user)]

    def list_jobs(self, search: str, start: int, size: int, sort_field: str, direction: str,
                  user: JobUser | None = None) -> dict[str, Any]:
        self.refresh()
        self.config.require()
        if direction.lower() not in ("asc", "desc"):
            raise IllegalArgument(f"No enum constant org.opensearch.search.sort.SortOrder.{direction.upper()}")
        jobs = self._visible(user)
        if search.strip():
            jobs = [doc for doc in jobs if wildcard_query_match(f"*{search.strip()}*", doc.id)]
        field = sort_field.removeprefix("rollup.").removesuffix(".keyword")
        present = [d for d in jobs if d.body.to_json(self.version).get(field) is not None]
        present.sort(key=lambda d: d.body.to_json(self.version)[field], reverse=direction.lower() == "desc")
        ordered = present + [d for d in jobs if d not in present]
        return {"total_rollups": len(jobs),
                "rollups": [self.response(d, with_version=False) for d in ordered[start:start + size]]}

    def explain(self, ids: list[str], user: JobUser | None = None) -> dict[str, Any]:
        self.refresh()
        result: dict[str, Any] = {job_id: None for job_id in ids if "*" not in job_id}
        if not self.config.exists:
            return result
        patterns = [f"*{job_id}*" for job_id in ids]
        for doc in self._visible(user):
            job = doc.body
            if any(wildcard_query_match(p, job.id) for p in patterns):
                metadata = self._metadata_doc(job)
                result[job.id] = {"metadata_id": job.metadata_id,
                                  "rollup_metadata": metadata.body.to_json() if metadata else None}
        return result

    # delete, start, stop ----------------------------------------------------------------------------------
    def delete(self, job_id: str, forced_refresh: bool, user: JobUser | None = None) -> dict[str, Any]:
        now = self.refresh()
        self._job_doc(job_id, f"Rollup {job_id} is not found", user)
        deleted = self.config.delete(job_id, now)
        self._looked_at.pop(job_id, None)
        body: dict[str, Any] = {"_index": CONFIG_INDEX, "_id": job_id, "_version": deleted.version,
                                "result": "deleted"}
        if forced_refresh:
            body["forced_refresh"] = True
        return body | {"_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": deleted.seq_no,
                       "_primary_term": PRIMARY_TERM}

    def start(self, job_id: str, user: JobUser | None = None) -> bool:
        now = self.refresh()
        job = self._job_doc(job_id, "Rollup not found", user).body
        if not job.enabled:
            job = replace(job, enabled=True, enabled_time=now, last_updated_time=now)
            self.config.replace(job_id, job, now)
            self._scheduled(job_id, now)
        metadata = self._metadata_doc(job)
        restarted = {Status.FINISHED: Status.STARTED, Status.STOPPED: Status.STARTED, Status.FAILED: Status.RETRY}
        if metadata is not None and metadata.body.status in restarted:
            update = replace(metadata.body, status=restarted[metadata.body.status], failure_reason=None,
                             last_updated_time=now)
            self.config.replace(metadata.id, update, now)
        return True

    def stop(self, job_id: str, user: JobUser | None = None) -> bool:
        now = self.refresh()
        job = self._job_doc(job_id, "Rollup not found", user).body
        metadata = self._metadata_doc(job)
        if metadata is not None:
            status = metadata.body.status
            stopped = {Status.RETRY: Status.FAILED, Status.FINISHED: status, Status.FAILED: status}.get(
                status, Status.STOPPED)
            reason = RETRY_STOPPED if status == Status.RETRY else None
            self.config.replace(metadata.id, replace(metadata.body, status=stopped, failure_reason=reason,
                                                     last_updated_time=now), now)
        self.config.replace(job_id, replace(job, enabled=False, enabled_time=None, last_updated_time=now), now)
        return True
