"""The composite aggregation a rollup job pages through, evaluated over in-memory source documents.

One composite source per dimension (`missing_bucket: true`, ascending, missing values first) and, in each
bucket, the metric sub-aggregations. Page by page with `after`, as `RollupSearchService` asks for them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from mockserver.errors import ApiError
from mockserver.families.indices.models import Index
from mockserver.families.indices.query import field_value, is_missing, to_millis
from mockserver.families.opensearch_rollup import sketch
from mockserver.families.opensearch_rollup.dates import bucket_rounding
from mockserver.families.opensearch_rollup.documents import DateHistogram, Histogram, Rollup, Terms, Window

NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
_FLOATING = {"double", "float", "half_float", "scaled_float"}
_DATES = {"date", "date_nanos"}


class SearchFailure(Exception):
    """The composite search failed; the message is what the job's `failure_reason` reports."""


@dataclass(frozen=True)
class Bucket:
    key: dict[str, Any]  # composite source name -> value, in dimension order
    doc_count: int
    metrics: dict[str, Any]  # rolled-up field name -> value, in metric order


def java_double(value: float) -> str:
    """`Double.toString`: plain between 10^-3 and 10^7, scientific (`1.0E7`) outside."""
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(float(value))
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    text = "".join(map(str, digits))
    scale = int(exponent) + len(text) - 1
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{scale}"


def field_values(source: dict[str, Any], field: str) -> list[Any]:
    value = field_value(source, field)
    if is_missing(value):
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if v is not None]


def _fielddata_disabled(field: str) -> str:
    return ("Text fields are not optimised for operations that require per-document field data like aggregations "
            "and sorting, so these operations are disabled by default. Please use a keyword field instead. "
            f"Alternatively, set fielddata=true on [{field}] in order to load field data by uninverting the inverted "
            "index. Note that this can use significant memory.")


def _unsupported(field: str, kind: str | None, aggregation: str) -> SearchFailure:
    return SearchFailure(f"Field [{field}] of type [{kind}] is not supported for aggregation [{aggregation}]")


class _Source:
    """One dimension as a composite values source over one index, reading `field`: the dimension's source field,
    or over a rollup index (a second tier) the rolled-up `<target_field>.<type>` (`getCompositeAggregationBuilder`)."""

    def __init__(self, dimension: Any, index: Index, field: str) -> None:
        self.dimension = dimension
        self.field = field
        self.kind = index.field_type(field)
        mapped = self.kind is not None  # an unmapped field has no values: every document has the null key
        if isinstance(dimension, DateHistogram):
            if mapped and self.kind not in _DATES | NUMERIC:
                raise _unsupported(field, self.kind, "date_histogram")
            try:
                self.rounding = bucket_rounding(dimension.fixed_interval, dimension.calendar_interval,
                                                dimension.zone)
            except ApiError as error:  # the interval is only checked when the search runs
                raise SearchFailure(error.reason) from None
        elif isinstance(dimension, Histogram) and mapped and self.kind not in NUMERIC:
            raise _unsupported(field, self.kind, "histogram")
        elif isinstance(dimension, Terms) and self.kind == "text":
            raise SearchFailure(_fielddata_disabled(field))

    @property
    def name(self) -> str:
        return f"{self.dimension.target_field}.{self.dimension.type}"

    def keys(self, source: dict[str, Any]) -> list[Any]:
        keys = [k for k in (self._key(v) for v in field_values(source, self.field)) if k is not None]
        return list(dict.fromkeys(keys)) or [None]

    def _key(self, value: Any) -> Any:
        dimension = self.dimension
        if isinstance(dimension, DateHistogram):
            millis = to_millis(value)
            return None if millis is None else self.rounding.round(millis)
        if isinstance(dimension, Histogram):
            number = _number(value)
            return None if number is None else math.floor(number / dimension.interval) * dimension.interval
        return _term(value, self.kind)


def _term(value: Any, kind: str | None) -> Any:
    """A value as a `terms` source (or a cardinality count) sees it for the field's type."""
    if kind in NUMERIC:
        number = _number(value)
        if number is None:
            return None
        return float(number) if kind in _FLOATING else int(number)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else java_double(value) if isinstance(value, float) else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, 0) if value is None else (1, value) for value in key)


def _distinct_text(value: Any, kind: str | None) -> str | None:
    """A value as the cardinality aggregation tells values apart (by the field's type)."""
    term = (to_millis(value) if kind in _DATES else _term(value, kind))
    return None if term is None else java_double(term) if isinstance(term, float) else str(term)


class _Accumulator:
    """The metric sub-aggregations of one bucket over raw documents."""

    def __init__(self, job: Rollup) -> None:
        self.job = job
        self.values: dict[str, list[float]] = {m.source_field: [] for m in job.metrics}
        self.counts: dict[str, int] = {m.source_field: 0 for m in job.metrics}
        self.distinct: dict[str, set[int]] = {m.source_field: set() for m in job.metrics}
        self.doc_count = 0

    def add(self, source: dict[str, Any], kinds: dict[str, str | None]) -> None:
        self.doc_count += 1
        for field in self.values:
            raw = field_values(source, field)
            self.counts[field] += len(raw)
            kind = kinds[field]
            if kind in NUMERIC or kind in _DATES:
                self.values[field].extend(n for n in (_number(v) if kind in NUMERIC else to_millis(v)
                                                      for v in raw) if n is not None)
            self.distinct[field].update(sketch.value_hash(text) for text in (_distinct_text(v, kind) for v in raw)
                                        if text is not None)

    def results(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for metric in self.job.metrics:
            name = metric.source_field
            values, count = self.values[name], self.counts[name]
            for kind in (m.type for m in metric.metrics):
                if kind == "sum":
                    out[f"{name}.sum"] = float(sum(values))
                elif kind == "max":
                    out[f"{name}.max"] = float(max(values)) if values else None
                elif kind == "min":
                    out[f"{name}.min"] = float(min(values)) if values else None
                elif kind == "value_count":
                    out[f"{name}.value_count"] = count
                elif kind == "cardinality":
                    out[f"{name}.hll"] = sketch.encode(self.distinct[name])
                else:
                    out[f"{name}.avg.sum"] = float(sum(values))
                    out[f"{name}.avg.value_count"] = len(values)
        return out


class _RollupAccumulator:
    """The metric sub-aggregations of one bucket over rolled-up documents (a second-tier job): sums of the
    stored sums, counts and average parts (sum aggregations, so doubles), min of mins, max of maxes, and the
    union of the stored sketches. Each document stands for its `_doc_count` source documents."""

    def __init__(self, job: Rollup) -> None:
        self.fields = [f"{m.target_field}.{part}" for m in job.metrics for t in m.metrics for part in _PARTS[t.type]]
        self.values: dict[str, list[Any]] = {field: [] for field in self.fields}
        self.doc_count = 0

    def add(self, source: dict[str, Any], kinds: dict[str, str | None]) -> None:
        """Add one rolled-up document (`kinds`, the raw fields' types, play no part here)."""
        count = source.get("_doc_count", source.get("rollup._doc_count", 1))
        self.doc_count += int(count) if isinstance(count, (int, float)) else 1
        for field in self.fields:
            self.values[field].extend(field_values(source, field))

    def results(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in self.fields:
            values = self.values[field]
            if field.endswith(".hll"):
                try:
                    out[field] = sketch.encode(sketch.merged(values, field))
                except ApiError as error:
                    raise SearchFailure(error.reason) from None
                continue
            numbers = [n for n in map(_number, values) if n is not None]
            if field.endswith(".max"):
                out[field] = float(max(numbers)) if numbers else None
            elif field.endswith(".min"):
                out[field] = float(min(numbers)) if numbers else None
            else:
                out[field] = float(sum(numbers))
        return out


# what a metric keeps in a rolled-up document, under `<field>.`
_PARTS = {"sum": ("sum",), "max": ("max",), "min": ("min",), "value_count": ("value_count",),
          "avg": ("avg.sum", "avg.value_count"), "cardinality": ("hll",)}


def _check_metric_fields(job: Rollup, index: Index) -> dict[str, str | None]:
    kinds = {}
    for metric in job.metrics:
        kind = index.field_type(metric.source_field)
        for name in (m.type for m in metric.metrics):
            if name == "cardinality" and kind == "text":
                raise SearchFailure(_fielddata_disabled(metric.source_field))
            if name not in ("value_count", "cardinality") and kind not in NUMERIC and kind not in _DATES:
                raise _unsupported(metric.source_field, kind, name)
        kinds[metric.source_field] = kind
    return kinds


def _in_window(source: dict[str, Any], field: str, window: Window) -> bool:
    """The range query `[start, end)` on the date field that continuous jobs add."""
    millis = (to_millis(v) for v in field_values(source, field))
    return any(m is not None and window.start <= m < window.end for m in millis)


class CompositeSearch:
    """Every bucket of the job's composite aggregation over `indices` (within `window` for continuous jobs).
    With `over_rollups` the source is a rollup index (a multi-tier rollup, 3.5+): dimensions and metrics read
    its rolled-up fields and combine its partial results."""

    def __init__(self, job: Rollup, indices: Iterable[Index], window: Window | None = None,
                 over_rollups: bool = False) -> None:
        grouped: dict[tuple[Any, ...], _Accumulator | _RollupAccumulator] = {}
        date_field = job.date_histogram.source_field + (".date_histogram" if over_rollups else "")
        accumulator = _RollupAccumulator if over_rollups else _Accumulator
        for index in indices:
            sources = [_Source(d, index, f"{d.target_field}.{d.type}" if over_rollups else d.source_field)
                       for d in job.dimensions]
            kinds = {} if over_rollups else _check_metric_fields(job, index)
            for doc in index.docs.values():
                if window is not None and not _in_window(doc.source, date_field, window):
                    continue
                for key in itertools.product(*(s.keys(doc.source) for s in sources)):
                    grouped.setdefault(key, accumulator(job)).add(doc.source, kinds)
        self.names = [f"{d.target_field}.{d.type}" for d in job.dimensions]
        self._keys = sorted(grouped, key=_sort_key)
        self._buckets = grouped

    def page(self, after: dict[str, Any] | None, size: int) -> tuple[list[Bucket], dict[str, Any] | None]:
        """Up to `size` buckets after `after`, and the after key of this page (None once it is empty)."""
        keys = self._keys
        if after is not None:
            bound = _sort_key(tuple(after.get(name) for name in self.names))
            keys = [k for k in keys if _sort_key(k) > bound]
        page = keys[:size]
        buckets = [Bucket(dict(zip(self.names, key)), self._buckets[key].doc_count, self._buckets[key].results())
                   for key in page]
        return buckets, (buckets[-1].key if buckets else None)
