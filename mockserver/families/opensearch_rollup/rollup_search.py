"""Searches of rollup indices, rewritten as `RollupInterceptor` rewrites them.

A search of a rollup index must have `size: 0`; its query and aggregations may only use the dimensions and
metrics of a rollup job of that index. Queries and bucket aggregations run against the rolled-up fields
(`title` -> `title.terms`), bucket counts add up `_doc_count`, and metrics combine the stored partial results
(`avg` = sum of `avg.sum` / sum of `avg.value_count`; from 3.5, `cardinality` = the merged `hll` sketches).
Only the matched job's documents are seen.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from mockserver.errors import IllegalArgument
from mockserver.families.indices.models import Index
from mockserver.families.indices.query import field_value, is_missing, matches
from mockserver.families.opensearch_rollup import sketch
from mockserver.families.opensearch_rollup.dates import CALENDAR_UNITS, UTC, Rounding, fixed_millis, zone_of
from mockserver.families.opensearch_rollup.documents import CARDINALITY_SINCE
from mockserver.families.opensearch_rollup.errors import SearchPhaseFailure
from mockserver.families.opensearch_rollup.target import is_rollup_index
from mockserver.version import Version

UNKNOWN = "unknown"
METRICS = ("sum", "max", "min", "value_count", "avg", "cardinality")
BUCKETS = ("terms", "date_histogram", "histogram")
_TERM_QUERIES = ("term", "terms", "match_phrase")

Mapping = tuple[str, str, str]  # (dimensions|metrics, field, type)


def answer(indices: list[Index], body: dict[str, Any], node_id: str, version: Version) -> dict[str, Any] | None:
    """The response to a search of `indices`, or None when none of them is a rollup index. The interceptor
    runs on each shard, so its errors reach the client as a failed search phase."""
    rollup_indices = [index for index in indices if is_rollup_index(index)]
    if not rollup_indices:
        return None
    try:
        return _search(indices, rollup_indices, body, version)
    except IllegalArgument as error:
        raise SearchPhaseFailure(error, rollup_indices[0].name, node_id) from None


def _search(indices: list[Index], rollup_indices: list[Index], body: dict[str, Any],
            version: Version) -> dict[str, Any]:
    size = body.get("size", -1)
    if size != 0:
        raise IllegalArgument(f"Rollup search must have size explicitly set to 0, but found {size}")
    query = body.get("query")
    aggregations = body.get("aggs", body.get("aggregations")) or {}
    wanted = _query_fields(query, set()) | _aggregation_fields(aggregations, set(), version)
    job = None
    for index in rollup_indices:
        jobs = list(index.meta.get("rollups", {}).values())
        if not jobs:
            raise IllegalArgument(f"Not all indices have rollup job, missing on {index.name}")
        job = _matching_job(jobs, wanted)
    assert job is not None
    view = _JobView(job)
    rewritten = {"bool": {"filter": [{"term": {"rollup._id": job["rollup_id"]}}]
                          + ([view.query(query)] if query else [])}}
    docs = [d.source for index in rollup_indices for d in index.docs.values() if matches(rewritten, d.id, d.source)]
    response: dict[str, Any] = {
        "took": 1, "timed_out": False,
        "_shards": {"total": len(indices), "successful": len(indices), "skipped": 0, "failed": 0},
        "hits": {"total": {"value": len(docs), "relation": "eq"}, "max_score": None, "hits": []},
    }
    if aggregations:
        response["aggregations"] = view.aggregate(aggregations, docs)
    return response


def _job_fields(job: dict[str, Any]) -> set[Mapping]:
    fields = {("dimensions", body["source_field"], kind) for d in job["dimensions"] for kind, body in d.items()}
    return fields | {("metrics", m["source_field"], kind) for m in job["metrics"] for item in m["metrics"]
                     for kind in item}


def _matching_job(jobs: list[dict[str, Any]], wanted: set[Mapping]) -> dict[str, Any]:
    """`findMatchingRollupJobs` and `pickRollupJob` (the lowest id among the matches, for determinism)."""
    known = {w for w in wanted if w[2] != UNKNOWN}
    unknown = {w[1] for w in wanted if w[2] == UNKNOWN}
    candidates = [job for job in jobs if known <= _job_fields(job)
                  and unknown <= {f for _, f, _ in _job_fields(job)}]
    if candidates:
        return min(candidates, key=lambda job: job["rollup_id"])
    every = set().union(*(_job_fields(job) for job in jobs))
    names = {f for _, f, _ in every}
    issues = []
    for kind, field, mapping in sorted(wanted):
        if field not in names or mapping == UNKNOWN:
            issues.append(f"missing field {field}")
        elif (kind, field, mapping) not in every:
            verb = "aggregation" if kind == "metrics" else "grouping"
            issues.append(f"missing {mapping} {verb} on {field}")
    raise IllegalArgument(f"Could not find a rollup job that can answer this query because [{', '.join(issues)}]")


def _query_fields(query: Any, found: set[Mapping]) -> set[Mapping]:
    if not query:
        return found
    (kind, spec), = query.items()
    if kind in _TERM_QUERIES:
        found.add(("dimensions", next(k for k in spec if k != "boost"), "terms"))
    elif kind == "range":
        found.add(("dimensions", next(iter(spec)), UNKNOWN))
    elif kind == "bool":
        for clause in ("must", "must_not", "should", "filter"):
            value = spec.get(clause, [])
            for child in value if isinstance(value, list) else [value]:
                _query_fields(child, found)
    elif kind != "match_all":
        raise IllegalArgument(f"The {kind} query is currently not supported in rollups")
    return found


def _aggregation_fields(aggregations: dict[str, Any], found: set[Mapping], version: Version) -> set[Mapping]:
    for spec in aggregations.values():
        kind = _kind(spec)
        if kind in BUCKETS:
            found.add(("dimensions", spec[kind].get("field"), kind))
        elif kind in METRICS and (kind != "cardinality" or version >= CARDINALITY_SINCE):
            found.add(("metrics", spec[kind].get("field"), kind))
        else:
            raise IllegalArgument(f"The {kind} aggregation is not currently supported in rollups")
        _aggregation_fields(_subs(spec), found, version)
    return found


def _kind(spec: dict[str, Any]) -> str:
    return next(k for k in spec if k not in ("aggs", "aggregations", "meta"))


def _subs(spec: dict[str, Any]) -> dict[str, Any]:
    return spec.get("aggs", spec.get("aggregations")) or {}


class _JobView:
    """One job's rolled-up documents seen through the source field names."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.dimensions = {body["source_field"]: (kind, body) for d in job["dimensions"] for kind, body in d.items()}

    def _dimension_field(self, field: str) -> str:
        kind, body = self.dimensions[field]
        return f"{body['target_field']}.{kind}"

    def query(self, query: dict[str, Any]) -> dict[str, Any]:
        (kind, spec), = query.items()
        if kind == "bool":
            return {"bool": {clause: [self.query(c) for c in (value if isinstance(value, list) else [value])]
                             if clause in ("must", "must_not", "should", "filter") else value
                             for clause, value in spec.items()}}
        if kind == "match_all":
            return query
        return {kind: {(self._dimension_field(k) if k != "boost" else k): v for k, v in spec.items()}}

    def aggregate(self, aggregations: dict[str, Any], docs: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in aggregations.items():
            kind = _kind(spec)
            params = spec[kind]
            if kind in METRICS:
                out[name] = {"value": _metric(kind, params["field"], docs)}
            else:
                out[name] = self._buckets(kind, params, _subs(spec), docs)
        return out

    def _buckets(self, kind: str, params: dict[str, Any], subs: dict[str, Any],
                 docs: list[dict[str, Any]]) -> dict[str, Any]:
        field = self._dimension_field(params["field"])
        groups: dict[Any, list[dict[str, Any]]] = {}
        if kind == "terms":
            for doc in docs:
                value = field_value(doc, field)
                if not is_missing(value):
                    groups.setdefault(value, []).append(doc)
            ordered = sorted(groups.items(), key=lambda g: (-_count(g[1]), g[0]))
            shown = ordered[:params.get("size", 10)]
            return {"doc_count_error_upper_bound": 0,
                    "sum_other_doc_count": sum(_count(g) for _, g in ordered[len(shown):]),
                    "buckets": [{"key": key, "doc_count": _count(group), **self.aggregate(subs, group)}
                                for key, group in shown]}
        step, rounding = _histogram_rounding(kind, params)
        for doc in docs:
            value = field_value(doc, field)
            if not is_missing(value):
                groups.setdefault(rounding(value), []).append(doc)
        keys = sorted(groups)
        if keys and params.get("min_doc_count", 0) == 0:
            filled, key = [], keys[0]
            while key <= keys[-1]:
                filled.append(key)
                key = step(key)
            keys = filled
        buckets = []
        for key in keys:
            group = groups.get(key, [])
            bucket: dict[str, Any] = {"key_as_string": _iso(key)} if kind == "date_histogram" else {}
            buckets.append(bucket | {"key": key, "doc_count": _count(group), **self.aggregate(subs, group)})
        return {"buckets": buckets}


def _histogram_rounding(kind: str, params: dict[str, Any]) -> tuple[Any, Any]:
    """(next key, key of a value) for a `histogram` or `date_histogram` aggregation."""
    if kind == "histogram":
        interval = float(params["interval"])
        return (lambda key: key + interval), (lambda value: math.floor(value / interval) * interval)
    zone = zone_of(params["time_zone"]) if "time_zone" in params else UTC
    calendar = params.get("calendar_interval")
    interval = calendar or params.get("fixed_interval") or params.get("interval", "")
    rounding = (Rounding(zone, unit=CALENDAR_UNITS[interval]) if calendar or interval in CALENDAR_UNITS
                else Rounding(zone, fixed_millis=fixed_millis(interval)))
    return rounding.next, (lambda value: rounding.round(value))


def _iso(millis: int) -> str:
    moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _count(docs: list[dict[str, Any]]) -> int:
    return sum(int(doc.get("_doc_count", doc.get("rollup._doc_count", 1))) for doc in docs)


def _numbers(docs: list[dict[str, Any]], field: str) -> list[float]:
    return [v for v in (field_value(doc, field) for doc in docs) if isinstance(v, (int, float))]


def _metric(kind: str, field: str, docs: list[dict[str, Any]]) -> Any:
    if kind == "sum":
        return float(sum(_numbers(docs, f"{field}.sum")))
    if kind in ("max", "min"):
        values = _numbers(docs, f"{field}.{kind}")
        return float((max if kind == "max" else min)(values)) if values else None
    if kind == "value_count":
        return int(sum(_numbers(docs, f"{field}.value_count")))
    if kind == "cardinality":
        # the rewritten aggregation reads `<field>.hll` and merges the sketches; its own precision_threshold is
        # not passed on
        hll = f"{field}.hll"
        stored = (field_value(doc, hll) for doc in docs)
        return len(sketch.merged((value for value in stored if not is_missing(value)), hll))
    count = sum(_numbers(docs, f"{field}.avg.value_count"))
    return float(sum(_numbers(docs, f"{field}.avg.sum")) / count) if count else None
