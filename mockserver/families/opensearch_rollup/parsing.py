"""The create/update request body, parsed and validated in the order `Rollup.parse` and `Rollup.init` do.

Parse-time errors come first, in the order the keys appear; then the required-field checks
(schedule, description, source_index, target_index, page_size); then the model checks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from mockserver import xcontent
from mockserver.errors import IllegalArgument
from mockserver.families.opensearch_rollup.dates import UTC, zone_of
from mockserver.families.opensearch_rollup.errors import NullPointer, SettingsFailure
from mockserver.families.opensearch_rollup.documents import (CARDINALITY_SINCE, METRIC_NAMES, DateHistogram, Dimension,
                                                         Histogram, Metric, Rollup, RollupMetric, Terms)
from mockserver.families.opensearch_rollup.schedule import (CronSchedule, IntervalSchedule, Schedule, chrono_unit,
                                                            supported_units)
from mockserver.families.opensearch_rollup.sketch import DEFAULT_PRECISION_THRESHOLD
from mockserver.families.opensearch_rollup.xcontent import Document, Path
from mockserver.version import Version

TARGET_SETTINGS_SINCE = Version(3, 0, 0)
ROUTING_FIELD_SINCE = Version(3, 7, 0)
FORMAT_FIELD_SINCE = Version(2, 8, 0)
REQUEST_START_TIME_SINCE = Version(2, 12, 0)
MAX_PAGE_SIZE = 10_000
# `.opendistro-ism-config` `_meta.schema_version`, which a job's `schema_version` reports (reference §0.1)
_SCHEMA_VERSIONS = ((Version(3, 8), 30), (Version(3, 7), 29), (Version(3, 5), 27), (Version(3, 0), 24),
                    (Version(2, 15), 21), (Version(2, 11), 19), (Version(2, 8), 18), (Version(2, 5), 17))
# index settings a target index may be given (a subset of the built-in index-scoped settings)
_INDEX_SETTINGS = {"number_of_shards", "number_of_replicas", "codec", "refresh_interval", "max_result_window",
                   "auto_expand_replicas", "number_of_routing_shards", "hidden", "mapping.total_fields.limit",
                   "translog.durability", "blocks.write", "blocks.read_only", "max_inner_result_window"}


def config_schema_version(version: Version) -> int:
    return next((number for since, number in _SCHEMA_VERSIONS if version >= since), 15)


@dataclass
class Request:
    """What a PUT carries besides the body: the id, whether it is an update, the time and the version."""

    job_id: str
    updating: bool
    now: int
    version: Version


def parse_request(source: xcontent.Document, request: Request) -> Rollup:
    """`parseWithType`: `{"<any key>": {...rollup...}}` and nothing else."""
    doc = Document(source)
    raw = doc.root
    doc.expect("START_OBJECT", raw, ())
    if not raw:
        raise doc.unexpected("FIELD_NAME", "END_OBJECT", **doc.location((), end=True))
    keys = list(raw)
    doc.expect("START_OBJECT", raw[keys[0]], (keys[0],))
    rollup = _Parser(doc, request).rollup(raw[keys[0]], (keys[0],))
    if len(keys) > 1:
        raise doc.unexpected("END_OBJECT", "FIELD_NAME", **doc.location((keys[1],), key=True))
    return rollup


class _Parser:
    def __init__(self, doc: Document, request: Request) -> None:
        self.doc = doc
        self.request = request
        self.version = request.version

    def rollup(self, body: dict[str, Any], path: Path) -> Rollup:
        doc, version = self.doc, self.version
        values: dict[str, Any] = {"enabled": True, "continuous": False, "dimensions": [], "metrics": []}
        readers = {
            "rollup_id": doc.text, "enabled": doc.boolean, "schedule": self.schedule,
            "schema_version": doc.long, "enabled_time": doc.instant, "last_updated_time": doc.instant,
            "description": doc.text, "source_index": doc.text, "target_index": doc.text,
            "metadata_id": doc.text_or_null, "roles": self.roles, "page_size": doc.integer,
            "delay": lambda v, p: None if v is None else doc.long(v, p), "continuous": doc.boolean,
            "dimensions": lambda v, p: self.array(v, p, self.dimension),
            "metrics": lambda v, p: self.array(v, p, self.metric), "user": self.user,
        }
        if version >= TARGET_SETTINGS_SINCE:
            readers["target_index_settings"] = self.target_settings
        if version >= ROUTING_FIELD_SINCE:
            readers["routing_field"] = doc.text_or_null
        for key, value in body.items():
            reader = readers.get(key)
            if reader is None:
                raise IllegalArgument(f"Invalid field [{key}] found in Rollup.")
            if key == "schedule" and isinstance(value, dict) and len(value) > 1:
                # the schedule parser stops after its first key; the next one is read as a rollup field
                self.schedule(value, path + (key,))
                raise IllegalArgument(f"Invalid field [{list(value)[1]}] found in Rollup.")
            values[key] = reader(value, path + (key,))
        return self.build(values)

    def build(self, values: dict[str, Any]) -> Rollup:
        request = self.request
        enabled = values["enabled"]
        enabled_time = values.get("enabled_time")
        if not enabled:
            enabled_time = None
        elif enabled_time is None:
            enabled_time = request.now
        schedule: Schedule | None = values.get("schedule")
        if schedule is None:
            raise IllegalArgument("Rollup schedule is null")
        for key, message in (("description", "Rollup description is null"),
                             ("source_index", "Rollup source index is null"),
                             ("target_index", "Rollup target index is null"),
                             ("page_size", "Rollup page size is null")):
            if values.get(key) is None:
                raise IllegalArgument(message)
        if not request.updating and isinstance(schedule, IntervalSchedule):
            # a create starts the interval now, or (from 2.12) at the start time it was given
            start = schedule.start_time if self.version >= REQUEST_START_TIME_SINCE else None
            schedule = IntervalSchedule(request.now if start is None else start, schedule.period, schedule.unit,
                                        schedule.delay or 0)
        delay = values.get("delay")
        if values["continuous"] and schedule.delay != delay:
            schedule = self.continuous_schedule(schedule, delay)
        rollup = Rollup(
            id=request.job_id, enabled=enabled, schedule=schedule,
            last_updated_time=request.now, enabled_time=enabled_time, description=values["description"],
            schema_version=config_schema_version(self.version), source_index=values["source_index"],
            target_index=values["target_index"], metadata_id=values.get("metadata_id"),
            page_size=values["page_size"], delay=delay, continuous=values["continuous"],
            dimensions=tuple(values["dimensions"]), metrics=tuple(values["metrics"]),
            target_index_settings=values.get("target_index_settings"), routing_field=values.get("routing_field"))
        validate(rollup, request.now)
        return rollup

    @staticmethod
    def continuous_schedule(schedule: Schedule, delay: int | None) -> Schedule:
        """`Rollup.init` moves a continuous job's `delay` into its schedule. An interval schedule is rebuilt
        from `getStartTime()`, which already includes the previous schedule delay."""
        if isinstance(schedule, CronSchedule):
            return schedule.with_delay(delay or 0)
        if schedule.start_time is None:
            raise NullPointer('Cannot invoke "java.time.Instant.plusMillis(long)" because "startTime" is null')
        return IntervalSchedule(schedule.start_time + (schedule.delay or 0), schedule.period, schedule.unit,
                                delay or 0)

    # sub-objects ---------------------------------------------------------------------------------------------
    def array(self, value: Any, path: Path, item: Any) -> list[Any]:
        self.doc.expect("START_ARRAY", value, path)
        return [item(child, path + (i,)) for i, child in enumerate(value)]

    def roles(self, value: Any, path: Path) -> None:
        for i, role in enumerate(self.array(value, path, lambda v, p: v)):
            self.doc.text(role, path + (i,))

    def user(self, value: Any, path: Path) -> None:
        if value is not None:
            self.doc.expect("START_OBJECT", value, path)

    def target_settings(self, value: Any, path: Path) -> dict[str, Any]:
        self.doc.expect("START_OBJECT", value, path)
        flat = {key: _setting_text(setting) for key, setting in xcontent.flatten(value).items()}
        for key in flat:
            name = key.removeprefix("index.")
            if not key.startswith("index.") or name not in _INDEX_SETTINGS:
                hint = f" did you mean [index.{key}]?" if key in _INDEX_SETTINGS else (
                    " please check that any required plugins are installed, or check the breaking changes "
                    "documentation for removed settings")
                raise SettingsFailure(f"unknown setting [{key}]{hint}")
        nested: dict[str, Any] = {}
        for key in sorted(flat):
            node = nested
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = flat[key]
        return nested

    def schedule(self, value: Any, path: Path) -> Schedule:
        doc = self.doc
        doc.expect("START_OBJECT", value, path)
        if not value:
            raise IllegalArgument("Invalid schedule document object.")
        kind, body = next(iter(value.items()))
        if kind == "interval":
            return self.interval(body, path + (kind,))
        if kind == "cron":
            return self.cron(body, path + (kind,))
        raise IllegalArgument(f"Unknown schedule type {kind}")

    def interval(self, body: Any, path: Path) -> IntervalSchedule:
        doc = self.doc
        start, period, unit, delay = None, 0, None, None
        for key, value in (body.items() if isinstance(body, dict) else ()):
            where = path + (key,)
            if key == "start_time":
                start = doc.long(value, where)
            elif key == "period":
                period = doc.integer(value, where)
            elif key == "unit":
                unit = chrono_unit(doc.text(value, where))
            elif key == "schedule_delay":
                delay = doc.long(value, where)
            else:
                raise IllegalArgument(f"Unknown interval field {key}")
        supported = supported_units(self.version)
        if unit not in supported:
            raise IllegalArgument(f"Interval unit {unit or 'null'} is not supported, expects [{', '.join(supported)}]")
        if delay is not None and start is None:
            raise NullPointer('Cannot invoke "java.time.Instant.plusMillis(long)" because "startTime" is null')
        return IntervalSchedule(start, period, unit, delay)

    def cron(self, body: Any, path: Path) -> CronSchedule:
        doc = self.doc
        expression, zone, delay = None, None, None
        for key, value in (body.items() if isinstance(body, dict) else ()):
            where = path + (key,)
            if key == "expression":
                expression = doc.text(value, where)
            elif key == "timezone":
                zone = zone_of(doc.text(value, where))
            elif key == "schedule_delay":
                delay = doc.long(value, where)
            else:
                raise IllegalArgument(f"Unknown cron field {key}")
        if expression is None:
            raise NullPointer("Expression must not be null")
        schedule = CronSchedule(expression, zone or UTC, delay)
        if zone is None:
            # job-scheduler passes the missing zone on to `Clock.system(null)`
            raise NullPointer("zone")
        return schedule

    def dimension(self, value: Any, path: Path) -> Dimension:
        doc = self.doc
        doc.expect("START_OBJECT", value, path)
        dimension = None
        for kind, body in value.items():
            where = path + (kind,)
            if kind == "date_histogram":
                dimension = self.date_histogram(body, where)
            elif kind == "terms":
                dimension = self.terms(body, where)
            elif kind == "histogram":
                dimension = self.histogram(body, where)
            else:
                raise IllegalArgument(f"Invalid dimension type [{kind}] found in dimensions")
        if dimension is None:
            raise IllegalArgument("Dimension cannot be null")
        return dimension

    def fields(self, body: Any, path: Path, where: str, verb: str,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """A dimension's `source_field`, `target_field` (defaulting to the source) and `extra` keys."""
        doc = self.doc
        doc.expect("START_OBJECT", body, path)
        readers = {"source_field": doc.text, "target_field": doc.text, **(extra or {})}
        values: dict[str, Any] = {}
        for key, value in body.items():
            if key not in readers:
                raise IllegalArgument(f"Invalid field [{key}] found in {where}")
            values[key] = readers[key](value, path + (key,))
        source = values.get("source_field")
        target = values.get("target_field", source)
        if source is None:
            raise IllegalArgument(f"Source field {verb} be null")
        return values | {"source_field": source, "target_field": target}

    def terms(self, body: Any, path: Path) -> Terms:
        values = self.fields(body, path, "terms dimension.", "cannot")
        _require_fields(values["source_field"], values["target_field"])
        return Terms(values["source_field"], values["target_field"])

    def histogram(self, body: Any, path: Path) -> Histogram:
        values = self.fields(body, path, "histogram dimension.", "must not", {"interval": self.doc.double})
        if values.get("interval") is None:
            raise IllegalArgument("Interval field must not be null")
        _require_fields(values["source_field"], values["target_field"])
        if not values["interval"] > 0:
            raise IllegalArgument("Interval must be a positive decimal")
        return Histogram(values["source_field"], values["target_field"], values["interval"])

    def date_histogram(self, body: Any, path: Path) -> DateHistogram:
        doc = self.doc
        extra = {"fixed_interval": doc.text, "calendar_interval": doc.text,
                 "timezone": lambda v, p: zone_of(doc.text(v, p))}
        if self.version >= FORMAT_FIELD_SINCE:
            extra["format"] = doc.text_or_null
        values = self.fields(body, path, "date histogram", "must not", extra)
        _require_fields(values["source_field"], values["target_field"])
        fixed, calendar = values.get("fixed_interval"), values.get("calendar_interval")
        if fixed is None and calendar is None:
            raise IllegalArgument("Must specify a fixed or calendar interval")
        if fixed is not None and calendar is not None:
            raise IllegalArgument("Can only specify a fixed or calendar interval")
        return DateHistogram(values["source_field"], values["target_field"], fixed, calendar,
                             values.get("timezone", UTC), values.get("format"))

    def metric(self, value: Any, path: Path) -> RollupMetric:
        doc = self.doc
        doc.expect("START_OBJECT", value, path)
        source, target, metrics = None, None, []
        for key, child in value.items():
            where = path + (key,)
            if key == "source_field":
                source = doc.text(child, where)
            elif key == "target_field":
                target = doc.text(child, where)
            elif key == "metrics":
                metrics = self.array(child, where, self.metric_type)
            else:
                raise IllegalArgument(f"Invalid dimension type [{key}] found in rollup metrics")
        if source is None:
            raise IllegalArgument("Source field must not be null")
        target = source if target is None else target
        if any(count > 1 for count in Counter(metric.type for metric in metrics).values()):
            listing = ", ".join(str(metric) for metric in metrics)
            raise IllegalArgument(f"Cannot have multiple metrics of the same type in a single rollup metric "
                                  f"[[{listing}]]")
        _require_fields(source, target)
        if not metrics:
            raise IllegalArgument(f"Must specify at least one metric to aggregate on for {source}")
        return RollupMetric(source, target, tuple(metrics))

    def metric_type(self, value: Any, path: Path) -> Metric:
        """`Metric.parse`: one metric object; with several keys the last one wins."""
        doc = self.doc
        doc.expect("START_OBJECT", value, path)
        found = None
        for name, body in value.items():
            if name == "cardinality" and self.version >= CARDINALITY_SINCE:
                found = self.cardinality(body, path + (name,))
            elif name in METRIC_NAMES and name != "cardinality":
                doc.expect_empty_object(body, path + (name,))
                found = Metric(name)
            else:
                raise IllegalArgument(f"Invalid metric type [{name}] found in metrics")
        if found is None:
            raise IllegalArgument("Metric is null")
        return found

    def cardinality(self, body: Any, path: Path) -> Metric:
        """`Cardinality.parse`: `precision_threshold` only, positive, 3000 when omitted."""
        doc = self.doc
        doc.expect("START_OBJECT", body, path)
        threshold = DEFAULT_PRECISION_THRESHOLD
        for key, value in body.items():
            if key != "precision_threshold":
                raise IllegalArgument(f"Invalid field [{key}] found in cardinality metric")
            threshold = doc.long(value, path + (key,))
        if threshold <= 0:
            raise IllegalArgument(f"Precision threshold must be positive, got: {threshold}")
        return Metric("cardinality", threshold)


def _require_fields(source: str, target: str) -> None:
    if not source or not target:
        raise IllegalArgument("Source and target field must not be empty")


def _setting_text(value: Any) -> str:
    """A setting's value as `Settings` keeps it: text, booleans lower-case."""
    return "true" if value is True else "false" if value is False else str(value)


def validate(rollup: Rollup, now: int) -> None:
    """`Rollup.init`: the model checks, in the server's order."""
    if isinstance(rollup.schedule, IntervalSchedule) and rollup.schedule.period < 1:
        raise IllegalArgument("Rollup job schedule interval must be greater than 0")
    if rollup.source_index == rollup.target_index:
        raise IllegalArgument("Your source and target index cannot be the same")
    if sum(isinstance(d, DateHistogram) for d in rollup.dimensions) != 1:
        raise IllegalArgument("Must specify precisely one date histogram dimension")
    if not isinstance(rollup.dimensions[0], DateHistogram):
        raise IllegalArgument("The first dimension must be a date histogram")
    if not 1 <= rollup.page_size <= MAX_PAGE_SIZE:
        raise IllegalArgument("Page size must be between 1 and 10,000")
    if rollup.delay is not None:
        if rollup.delay < 0:
            raise IllegalArgument("Delay must be non-negative if set")
        if rollup.delay > now:
            raise IllegalArgument("Delay must be less than the current unix time")
    if rollup.routing_field is not None and rollup.routing_field not in {
            d.source_field for d in rollup.dimensions if isinstance(d, Terms)}:
        raise IllegalArgument(f"Routing field [{rollup.routing_field}] must match a terms dimension")
