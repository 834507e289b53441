"""Reindex, update by query and delete by query: scrolls over a snapshot of the source documents, applied in
batches at the pace `requests_per_second` allows, sliced into child tasks when asked to. No HTTP here.

Pacing follows `WorkerBulkByScrollTaskState`: after a batch of `n` documents that started at `t`, the next
scroll response is held until `t + n / requests_per_second`, also after the last batch, so a throttled run of
`b` batches of `n` documents lasts `b * n / requests_per_second` seconds.
"""

from __future__ import annotations

import copy
import math
import zlib
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from mockserver.errors import ApiError, ParsingError, ValidationFailed, VersionConflict
from mockserver.families.indices.models import Index, IndexStore
from mockserver.families.indices.query import matches
from mockserver.families.tasks.model import Task, copied_headers
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.timevalue import TimeValue

AUTO_SLICES = 0
AUTO_SLICE_CEILING = 20


class Kind(Enum):
    REINDEX = "indices:data/write/reindex"
    UPDATE = "indices:data/write/update/byquery"
    DELETE = "indices:data/write/delete/byquery"



@dataclass(frozen=True)
class BulkRequest:
    """A parsed reindex / update-by-query / delete-by-query request."""

    kind: Kind
    sources: tuple[str, ...]
    query: dict[str, Any] | None = None
    batch_size: int = 1000
    requests_per_second: float = math.inf
    slices: int = 1
    max_docs: int | None = None
    abort_on_conflict: bool = True
    dest: str | None = None
    op_type: str = "index"
    ignore_unavailable: bool = False

    @property
    def description(self) -> str:
        indices = f"[{', '.join(self.sources)}]"
        if self.kind is Kind.REINDEX:
            return f"reindex from {indices} to [{self.dest}]"
        return f"{'update' if self.kind is Kind.UPDATE else 'delete'}-by-query {indices}"


@dataclass(frozen=True)
class Hit:
    """A document as the scroll's point-in-time snapshot saw it."""

    index: str
    id: str
    seq_no: int
    source: dict[str, Any]


@dataclass(slots=True)
class Status:
    """`BulkByScrollTask.Status`: progress counters, pace and, for a sliced leader, the finished slices."""

    total: int = 0
    updated: int = 0
    created: int = 0
    deleted: int = 0
    batches: int = 0
    version_conflicts: int = 0
    noops: int = 0
    throttled: float = 0.0
    requests_per_second: float = math.inf
    throttled_until: float = 0.0
    slice_id: int | None = None
    canceled: str | None = None
    slices: list["Status | None"] | None = None

    @classmethod
    def merge(cls, slices: list["Status | None"], canceled: str | None) -> "Status":
        """A leader's status: sums over the slices that reported, `slices` with `null` for those still running."""
        done = [s for s in slices if s is not None]
        merged = cls(requests_per_second=sum(s.requests_per_second for s in done),
                     throttled_until=min((s.throttled_until for s in done), default=0.0),
                     throttled=sum(s.throttled for s in done), canceled=canceled, slices=slices)
        for name in ("total", "updated", "created", "deleted", "batches", "version_conflicts", "noops"):
            setattr(merged, name, sum(getattr(s, name) for s in done))
        return merged

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.deleted

    def to_json(self, human: bool = False, include_created: bool = True,
                include_updated: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {} if self.slice_id is None else {"slice_id": self.slice_id}
        body["total"] = self.total
        if include_updated:
            body["updated"] = self.updated
        if include_created:
            body["created"] = self.created
        body |= {"deleted": self.deleted, "batches": self.batches, "version_conflicts": self.version_conflicts,
                 "noops": self.noops, "retries": {"bulk": 0, "search": 0}}
        if human:
            body["throttled"] = str(TimeValue.of_seconds(self.throttled))
        body["throttled_millis"] = int(self.throttled * 1000)
        body["requests_per_second"] = -1.0 if math.isinf(self.requests_per_second) else float(self.requests_per_second)
        if self.canceled is not None:
            body["canceled"] = self.canceled
        if human:
            body["throttled_until"] = str(TimeValue.of_seconds(self.throttled_until))
        body["throttled_until_millis"] = int(self.throttled_until * 1000)
        if self.slices:
            body["slices"] = [s.to_json(human) if s is not None else None for s in self.slices]
        return body


def response_body(took: float, status: Status, failures: list[dict[str, Any]], **includes: bool) -> dict[str, Any]:
    """`BulkByScrollResponse`."""
    return {"took": int(took * 1000), "timed_out": False, **status.to_json(**includes), "failures": list(failures)}


class Worker:
    """One scroll over its snapshot, applied batch by batch."""

    __slots__ = ("request", "store", "start", "hits", "max_docs", "batch_size", "progress", "failures", "position",
                 "next_batch_at", "stops_at", "finished_at", "error")

    def __init__(self, request: BulkRequest, store: IndexStore, start: float, hits: list[Hit],
                 requests_per_second: float, max_docs: int | None, slice_id: int | None = None) -> None:
        self.request, self.store, self.start, self.hits, self.max_docs = request, store, start, hits, max_docs
        self.batch_size = min(request.batch_size, max_docs) if max_docs is not None else request.batch_size
        total = len(hits) if max_docs is None else min(len(hits), max_docs)
        self.progress = Status(total=total, requests_per_second=requests_per_second, slice_id=slice_id)
        self.failures: list[dict[str, Any]] = []
        self.position = 0
        self.next_batch_at = start
        self.stops_at: float | None = None
        self.finished_at: float | None = None
        self.error: ApiError | None = None

    # Work -------------------------------------------------------------------------------------------------
    def advance(self, now: float) -> float | None:
        while self.finished_at is None:
            if self.stops_at is not None:
                if now >= self.stops_at:
                    self.finished_at = self.stops_at
                break
            if self.next_batch_at > now:
                break
            self._run_batch(self.next_batch_at)
        return self.finished_at

    def due(self) -> float:
        if self.finished_at is not None:
            return self.finished_at
        return self.stops_at if self.stops_at is not None else self.next_batch_at

    def cancel(self, now: float, stops_at: float, reason: str) -> None:
        if self.finished_at is None and self.stops_at is None:
            self.progress.canceled = reason
            self.stops_at = stops_at

    def status(self, now: float, human: bool) -> dict[str, Any]:
        return self.snapshot(now).to_json(human)

    @property
    def response(self) -> dict[str, Any] | None:
        return self.body() if self.finished_at is not None else None

    # ------------------------------------------------------------------------------------------------------
    def snapshot(self, now: float) -> Status:
        waiting = self.finished_at is None and self.stops_at is None and self.next_batch_at > now
        return replace(self.progress, throttled_until=self.next_batch_at - now if waiting else 0.0)

    def body(self, **includes: bool) -> dict[str, Any]:
        finished = self.finished_at if self.finished_at is not None else self.start
        return response_body(finished - self.start, self.snapshot(finished), self.failures, **includes)

    def _run_batch(self, at: float) -> None:
        remaining = math.inf if self.max_docs is None else self.max_docs - self.progress.processed
        batch = self.hits[self.position:self.position + int(min(self.batch_size, remaining))]
        if not batch:
            self.finished_at = at
            return
        self.position += len(batch)
        self.progress.batches += 1
        for hit in batch:
            self._apply(hit)
        if self.failures or (self.max_docs is not None and self.progress.processed >= self.max_docs):
            self.finished_at = at
            return
        rate = self.progress.requests_per_second
        delay = 0.0 if math.isinf(rate) else len(batch) / rate
        self.progress.throttled += delay
        self.next_batch_at = at + delay

    def _apply(self, hit: Hit) -> None:
        kind = self.request.kind
        try:
            if kind is Kind.REINDEX:
                result = self.store.index_document(self.request.dest or "", hit.id, copy.deepcopy(hit.source),
                                                   create_only=self.request.op_type == "create")
                field_name = "created" if result["result"] == "created" else "updated"
            else:
                index = self._unchanged(hit)
                if kind is Kind.UPDATE:
                    index.write(hit.id, copy.deepcopy(index.docs[hit.id].source))
                    field_name = "updated"
                else:
                    index.remove(hit.id)
                    field_name = "deleted"
        except VersionConflict as conflict:
            self.progress.version_conflicts += 1
            if self.request.abort_on_conflict:
                self._fail(hit, conflict)
            return
        except ApiError as error:
            self._fail(hit, error)
            return
        setattr(self.progress, field_name, getattr(self.progress, field_name) + 1)

    def _unchanged(self, hit: Hit) -> Index:
        """The hit's index, if the document is still as the snapshot saw it; else the real version conflict."""
        index = self.store.indices.get(hit.index)
        doc = index.docs.get(hit.id) if index is not None else None
        if index is not None and doc is not None and doc.seq_no == hit.seq_no:
            return index
        found = (f"current document has seqNo [{doc.seq_no}] and primary term [1]" if doc is not None
                 else "but no document was found")
        raise VersionConflict(f"[{hit.id}]: version conflict, required seqNo [{hit.seq_no}], primary term [1]. {found}",
                              index_uuid=index.uuid if index is not None else "_na_", shard="0", index=hit.index)

    def _fail(self, hit: Hit, error: ApiError) -> None:
        index = self.request.dest if self.request.kind is Kind.REINDEX else hit.index
        self.failures.append({"index": index, "id": hit.id, "cause": error.cause(), "status": error.status})


@dataclass
class Leader:
    """A sliced request's parent task: it finishes when every slice did, with their merged outcome."""

    slices: list[Task]
    start: float
    canceled: str | None = None
    finished_at: float | None = None
    error: None = None
    response: dict[str, Any] | None = field(default=None, init=False)

    def advance(self, now: float) -> float | None:
        if self.finished_at is None and all(task.ended is not None for task in self.slices):
            self.finished_at = max((task.ended for task in self.slices if task.ended is not None), default=self.start)
            self.response = self.body()
        return self.finished_at

    def due(self) -> float:
        return self.finished_at if self.finished_at is not None else math.inf

    def cancel(self, now: float, stops_at: float, reason: str) -> None:
        """The slices are cancelled as the leader's children; the leader only records why."""
        if self.finished_at is None:
            self.canceled = reason

    def status(self, now: float, human: bool) -> dict[str, Any]:
        done = [task.work.snapshot(task.ended) if task.ended is not None else None for task in self.slices]
        return Status.merge(done, self.canceled).to_json(human)

    def body(self, **includes: bool) -> dict[str, Any]:
        workers = [task.work for task in self.slices]
        took = max((w.finished_at - w.start for w in workers if w.finished_at is not None), default=0.0)
        statuses = [w.snapshot(w.finished_at) for w in workers]
        failures = [failure for w in workers for failure in w.failures]
        return response_body(took, Status.merge(statuses, self.canceled), failures, **includes)


@dataclass
class Failed:
    """A request that failed as it started (missing index, invalid target): its task ends at once."""

    error: ApiError
    at: float
    response: None = None

    def advance(self, now: float) -> float:
        return self.at

    def due(self) -> float:
        return self.at

    def cancel(self, now: float, stops_at: float, reason: str) -> None:
        """Already over."""

    def status(self, now: float, human: bool) -> dict[str, Any]:
        return Status().to_json(human)


async def run(registry: TaskRegistry, request: BulkRequest, headers: Any, *, wait: bool) -> Task:
    """Start the request's task. Without `wait` its result is stored when it ends; with `wait`, return once it
    ended, raising its error if it failed as it started."""
    task = start(registry, request, headers, store_result=not wait)
    if wait:
        await registry.wait(lambda: task.ended is not None, math.inf)
        if task.work.error is not None:
            raise task.work.error
    return task


def start(registry: TaskRegistry, request: BulkRequest, headers: Any, *, store_result: bool) -> Task:
    """Register the request's task on the next node and start its work (and slices) now."""
    store = registry.store
    now = registry.clock.now()
    fields = dict(cancellable=True, description=request.description, headers=copied_headers(headers))
    task = registry.register(registry.next_node(), request.kind.value, store_result=store_result, **fields)
    try:
        hits, slices = _plan(store, request)
    except ApiError as error:
        registry.assign(task, Failed(error, now))
        return task
    if slices == 1:
        registry.assign(task, Worker(request, store, now, hits, request.requests_per_second, request.max_docs))
        return task
    children = []
    for slice_id in range(slices):
        share = None if request.max_docs is None else request.max_docs // slices + (
            request.max_docs % slices if slice_id == 0 else 0)
        mine = [hit for hit in hits if zlib.crc32(hit.id.encode()) % slices == slice_id]
        work = Worker(request, store, now, mine, request.requests_per_second / slices, share, slice_id)
        children.append(registry.register(task.node, request.kind.value, parent=task, work=work, **fields))
    registry.assign(task, Leader(children, now))
    return task


def check_query(query: Any) -> dict[str, Any] | None:
    """A query the in-memory search can run, or the `parsing_exception` a malformed one gets."""
    if query is None:
        return None
    if not isinstance(query, dict) or len(query) != 1:
        raise ParsingError("[_na] query malformed, must start with start_object", line=1, col=1)
    _matching(query, "", {})
    return query


def _matching(query: dict[str, Any], doc_id: str, source: dict[str, Any]) -> bool:
    try:
        return matches(query, doc_id, source)
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ParsingError(f"[{next(iter(query))}] query malformed", line=1, col=1) from None


def _plan(store: IndexStore, request: BulkRequest) -> tuple[list[Hit], int]:
    """Resolve the sources, check the target and take the scroll's snapshot; also resolve `slices=auto`."""
    if request.batch_size == 0:
        raise ValidationFailed("[size] cannot be [0] in a scroll context")
    indices = store.resolve(",".join(request.sources) or "_all", must_exist=not request.ignore_unavailable)
    if request.kind is Kind.REINDEX and any(index.name == request.dest for index in indices):
        raise ValidationFailed(f"reindex cannot write into an index its reading from [{request.dest}]")
    hits = [Hit(index.name, doc.id, doc.seq_no, copy.deepcopy(doc.source))
            for index in indices for doc in index.docs.values()
            if request.query is None or _matching(request.query, doc.id, doc.source)]
    slices = request.slices
    if slices == AUTO_SLICES:
        slices = min(min((_shards(index) for index in indices), default=1), AUTO_SLICE_CEILING)
    return hits, slices


def _shards(index: Index) -> int:
    settings = index.settings
    nested = settings.get("index", {}) if isinstance(settings.get("index"), dict) else {}
    value = nested.get("number_of_shards", settings.get("index.number_of_shards", settings.get("number_of_shards", 1)))
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1
