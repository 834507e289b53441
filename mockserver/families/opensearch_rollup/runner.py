"""One scheduled execution of a rollup job, step for step as `RollupRunner.runJob` takes it.

Every write the real runner makes to the config index is made here too (metadata creation, one metadata
update per composite page, the job re-indexed with its `metadata_id` and when it is disabled), so `_seq_no`
and `_version` advance as on a real cluster. Search and bulk each report 1 ms per request.
"""

from __future__ import annotations

from dataclasses import replace

from mockserver.errors import ApiError
from mockserver.families.indices.models import Index, IndexStore
from mockserver.families.indices.query import to_millis
from mockserver.families.opensearch_rollup import multitier, target
from mockserver.families.opensearch_rollup.composite import CompositeSearch, SearchFailure, field_values
from mockserver.families.opensearch_rollup.config_index import PRIMARY_TERM, ConfigDoc, ConfigIndex
from mockserver.families.opensearch_rollup.dates import Rounding, window_rounding
from mockserver.families.opensearch_rollup.documents import Rollup, RollupMetadata, Stats, Status, Window
from mockserver.version import Version

SEARCH_TOOK_MILLIS = 1
BULK_TOOK_MILLIS = 1


def should_process(job: Rollup, metadata: RollupMetadata | None, now: int) -> bool:
    """`RollupSearchService.shouldProcessRollup`."""
    if not job.enabled:
        return False
    if metadata is None or metadata.status == Status.RETRY:
        return True
    if metadata.status in (Status.STOPPED, Status.FAILED):
        return False
    if metadata.after_key is not None:
        return True
    if not job.continuous:
        return metadata.status in (Status.INIT, Status.STARTED)
    return metadata.window is not None and now > metadata.window.end + (job.delay or 0)


class Runner:
    def __init__(self, config: ConfigIndex, store: IndexStore, version: Version) -> None:
        self.config = config
        self.store = store
        self.version = version

    # config index access ----------------------------------------------------------------------------------
    def _job(self, job_id: str) -> Rollup | None:
        doc = self.config.get(job_id)
        return doc.body if doc is not None and isinstance(doc.body, Rollup) else None

    def _metadata(self, job: Rollup) -> ConfigDoc | None:
        doc = self.config.get(job.metadata_id) if job.metadata_id is not None else None
        return doc if doc is not None and isinstance(doc.body, RollupMetadata) else None

    def _save_job(self, job: Rollup, at: int) -> Rollup:
        """The runner re-indexes the job through the index-rollup action (an update of the whole doc)."""
        self.config.replace(job.id, job, at)
        return job

    def _save_metadata(self, doc: ConfigDoc | None, metadata: RollupMetadata, at: int) -> ConfigDoc:
        if doc is None:
            return self.config.create(self.config.new_id(), metadata, at)
        return self.config.update(doc.id, metadata, at, doc.seq_no, PRIMARY_TERM)

    # the execution ----------------------------------------------------------------------------------------
    def execute(self, job_id: str, at: int) -> None:
        job = self._job(job_id)
        if job is None:
            return
        metadata = self._metadata(job)
        if should_process(job, metadata.body if metadata else None, at):
            self._run(job, at)
        elif job.enabled and (problem := self._problem(job)) is not None:
            self._fail(job, problem, None, at)

    def _run(self, job: Rollup, at: int) -> None:
        problem = self._problem(job)
        if problem is not None:
            self._fail(job, problem, None, at)
            return
        doc = self._init(job, at)
        if doc is None:
            return
        if doc.body.status == Status.FAILED:
            self._disable(job, doc, at)
            return
        if job.metadata_id is None and doc.body.status == Status.INIT:
            job = self._save_job(replace(job, metadata_id=doc.id), at)
        try:
            target_index = target.prepare(self.store, job, self.version)
        except target.TargetProblem as error:
            self._fail(job, str(error), doc, at)
            return
        doc = self._pages(job, doc, target_index, at)
        if doc is not None and not job.continuous and doc.body.status in (
                Status.STOPPED, Status.FINISHED, Status.FAILED):
            self._disable(job, doc, at)

    def _pages(self, job: Rollup, doc: ConfigDoc, target_index: Index, at: int) -> ConfigDoc | None:
        """The composite pages, until the job has nothing left to do now. None if a search failed: the real
        runner records the failure, then stops on a version conflict with its stale metadata."""
        search: CompositeSearch | None = None
        while should_process(job, doc.body, at):
            metadata: RollupMetadata = doc.body
            try:
                if search is None:
                    search = CompositeSearch(job, self._sources(job), metadata.window if job.continuous else None,
                                             over_rollups=self._rollup_source(job) is not None)
                buckets, after = search.page(metadata.after_key, job.page_size)
            except SearchFailure as failure:
                failed = replace(metadata, status=Status.FAILED, failure_reason=str(failure), last_updated_time=at)
                self._save_metadata(doc, failed, at)
                return None
            for bucket in buckets:
                target.write(target_index, *target.document(job, bucket, self.version))
            stats = metadata.stats.plus(
                pages_processed=1, documents_processed=sum(b.doc_count for b in buckets),
                search_time_in_millis=SEARCH_TOOK_MILLIS, rollups_indexed=len(buckets),
                index_time_in_millis=BULK_TOOK_MILLIS if buckets else 0)
            doc = self._save_metadata(doc, self._advance(job, metadata, after, stats, at), at)
            if after is None:
                search = None
        return doc

    def _advance(self, job: Rollup, metadata: RollupMetadata, after: dict | None, stats: Stats,
                 at: int) -> RollupMetadata:
        if not job.continuous:
            status = Status.FINISHED if after is None else Status.STARTED
            return replace(metadata, after_key=after, stats=stats, status=status, last_updated_time=at)
        window = metadata.window
        if after is None and window is not None:
            rounding = self._window_rounding(job)
            window = Window(rounding.next(window.start), rounding.next(window.end))
        return replace(metadata, after_key=after, stats=stats, window=window, status=Status.STARTED,
                       last_updated_time=at)

    # steps ------------------------------------------------------------------------------------------------
    def _sources(self, job: Rollup) -> list[Index]:
        return self.store.resolve(job.source_index, must_exist=False)

    def _rollup_source(self, job: Rollup) -> Index | None:
        """The source index when it is a rollup index (`isRollupIndex` looks up the source name as it is, so a
        pattern or an alias never counts), and the job a second-tier rollup."""
        if self.version < multitier.SINCE:
            return None
        index = self.store.indices.get(job.source_index)
        return index if index is not None and target.is_rollup_index(index) else None

    def _problem(self, job: Rollup) -> str | None:
        """`isJobValid`: the source index and its mappings, then (once metadata exists) the target."""
        indices = self._sources(job)
        if not indices:
            return f"No indices found for [{job.source_index}]"
        fields = [d.source_field for d in job.dimensions] + [m.source_field for m in job.metrics]
        for index in indices:
            if self.version >= multitier.SINCE and target.is_rollup_index(index) and not any(
                    index.field_type(d.source_field) is not None for d in job.dimensions):
                continue  # a rollup index that has rolled nothing up yet is not checked
            missing = [f"missing field {f}" for f in dict.fromkeys(fields) if index.field_type(f) is None]
            if missing:
                return f"Invalid mappings for index [{index.name}] because [{', '.join(missing)}]"
        source = self._rollup_source(job)
        if source is not None and (problem := multitier.problem(job, source)) is not None:
            return problem
        if self._metadata(job) is not None:
            try:
                target.prepare(self.store, job, self.version)
            except target.TargetProblem as error:
                return str(error)
        return None

    def _init(self, job: Rollup, at: int) -> ConfigDoc | None:
        """`RollupMetadataService.init`: the metadata this execution works with, or None for a no-op."""
        if job.metadata_id is not None:
            doc = self._metadata(job)
            if doc is None:
                lost = RollupMetadata(job.id, at, Status.FAILED,
                                      f"Not able to get the rollup metadata [{job.metadata_id}]")
                return self._save_metadata(None, lost, at)
            if doc.body.status != Status.RETRY:
                return doc
            window = doc.body.window
            if job.continuous and window is None:
                window = self._first_window(job)
                if window is None:
                    return None
            return self._save_metadata(doc, replace(doc.body, window=window, status=Status.STARTED), at)
        window = None
        if job.continuous:
            window = self._first_window(job)
            if window is None:
                return None
        return self._save_metadata(None, RollupMetadata(job.id, at, Status.INIT, window=window), at)

    def _window_rounding(self, job: Rollup) -> Rounding:
        dh = job.date_histogram
        return window_rounding(dh.fixed_interval, dh.calendar_interval, dh.zone)

    def _first_window(self, job: Rollup) -> Window | None:
        """From the earliest source date, rounded down; None without documents or with a bad interval
        (the real runner logs that and tries again next time)."""
        field = job.date_histogram.source_field + (".date_histogram" if self._rollup_source(job) else "")
        dates = [m for index in self._sources(job) for d in index.docs.values()
                 for m in (to_millis(v) for v in field_values(d.source, field)) if m is not None]
        if not dates:
            return None
        try:
            rounding = self._window_rounding(job)
        except ApiError:
            return None
        start = rounding.round(min(dates))
        return Window(start, rounding.next(start))

    def _fail(self, job: Rollup, reason: str, doc: ConfigDoc | None, at: int) -> None:
        """`setFailedMetadataAndDisableJob`: without a metadata doc in hand a new one is created."""
        failed = (replace(doc.body, status=Status.FAILED, failure_reason=reason, last_updated_time=at)
                  if doc is not None else RollupMetadata(job.id, at, Status.FAILED, reason))
        self._disable(job, self._save_metadata(doc, failed, at), at)

    def _disable(self, job: Rollup, doc: ConfigDoc, at: int) -> None:
        current = self._job(job.id) or job
        self._save_job(replace(current, enabled=False, enabled_time=None, metadata_id=doc.id), at)
