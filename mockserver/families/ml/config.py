"""Data frame analytics configs: the put body parser, the id rules and the request validation a real cluster
applies before it looks at the cluster state (`PutDataFrameAnalyticsAction.Request`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from mockserver.errors import ApiError, IllegalArgument, StatusError, ValidationFailed, XContentParseError
from mockserver.families.indices.models import InvalidIndexName, validate_index_name
from mockserver.families.ml.analysis import Analysis, parse_analysis
from mockserver.wildcard import is_simple_pattern, simple_match
from mockserver.xcontent import Document, ObjectReader, Path, token

ID_LENGTH_LIMIT = 64
_VALID_ID = re.compile(r"[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9])?")  # dots are accepted but not documented
_TOP_FIELDS = {"id", "description", "source", "dest", "analysis", "analyzed_fields", "model_memory_limit",
               "allow_lazy_start", "max_num_threads", "_meta", "config_type"}
_BYTE_UNITS = {"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}
DEFAULT_MEMORY_LIMIT = "1gb"
MAX_MEMORY_SETTING = "xpack.ml.max_model_memory_limit"


@dataclass(slots=True)
class DfaConfig:
    id: str
    source: dict[str, Any]
    dest: dict[str, Any]
    analysis: Analysis
    analyzed_fields: dict[str, list[str]] | None
    model_memory_limit: str | None  # None: the default, which a lower `xpack.ml.max_model_memory_limit` caps
    allow_lazy_start: bool
    max_num_threads: int
    description: str | None = None
    meta: dict[str, Any] | None = None
    create_time: int = 0
    version: str = ""
    authorization: dict[str, Any] | None = None  # who put or last updated it (`XContentUtils.addAuthorizationInfo`)

    @property
    def results_field(self) -> str:
        return self.dest["results_field"]

    @property
    def memory_limit_bytes(self) -> int:
        return size_bytes(self.model_memory_limit or DEFAULT_MEMORY_LIMIT)

    def document(self) -> dict[str, Any]:
        """The config as GET and PUT echo it (`DataFrameAnalyticsConfig.toXContent`)."""
        doc: dict[str, Any] = {"id": self.id, "create_time": self.create_time, "version": self.version}
        if self.authorization is not None:
            doc["authorization"] = self.authorization
        if self.description is not None:
            doc["description"] = self.description
        doc |= {"source": self.source, "dest": self.dest, "analysis": self.analysis.config()}
        if self.analyzed_fields is not None:
            doc["analyzed_fields"] = self.analyzed_fields
        doc |= {"model_memory_limit": self.model_memory_limit or DEFAULT_MEMORY_LIMIT,
                "allow_lazy_start": self.allow_lazy_start, "max_num_threads": self.max_num_threads}
        if self.meta is not None:
            doc["_meta"] = self.meta
        return doc


def id_problems(job_id: str) -> list[str]:
    """The id rule violations `checkConfigIdIsValid` reports (`MlStrings.isValidId`, length limit 64)."""
    problems = []
    if not _VALID_ID.fullmatch(job_id) or job_id == "_all":
        problems.append(f"Invalid id; '{job_id}' can contain lowercase alphanumeric (a-z and 0-9), hyphens or "
                        f"underscores; must start and end with alphanumeric")
    if len(job_id) > ID_LENGTH_LIMIT:
        problems.append(f"Invalid id; '{job_id}' cannot contain more than {ID_LENGTH_LIMIT} characters.")
    return problems


def inconsistent_id(body_id: str, url_id: str) -> ApiError:
    return IllegalArgument(f"Inconsistent id; '{body_id}' specified in the body differs from '{url_id}' specified "
                           f"as a URL argument")


def parse_config(url_id: str, document: Document) -> DfaConfig:
    """Parse and validate a put body; raises the error a real cluster answers before touching any state."""
    reader = ObjectReader("data_frame_analytics_config", document, (), _TOP_FIELDS)
    body_id = reader.string("id")
    if body_id is not None and url_id and body_id != url_id:
        raise inconsistent_id(body_id, url_id)
    source = _sub(reader, "source", _parse_source)
    dest = _sub(reader, "dest", _parse_dest)
    analysis = _sub(reader, "analysis", lambda document, path: parse_analysis(document, path, url_id))
    analyzed_fields = _sub(reader, "analyzed_fields", _parse_analyzed_fields, objects_only=False)
    memory = _sub(reader, "model_memory_limit", _parse_memory_limit, objects_only=False)
    threads = reader.number("max_num_threads", integral=True)
    lazy = reader.boolean("allow_lazy_start")
    description = reader.string("description")
    meta = reader.object("_meta")
    for name, value in (("source", source), ("dest", dest), ("analysis", analysis)):
        if value is None:
            raise IllegalArgument(f"[{name}] must not be null.")
    if threads is not None and threads < 1:
        raise StatusError("[max_num_threads] must be a positive integer", 400)
    config = DfaConfig(body_id or url_id, source, dest, analysis, analyzed_fields, memory,
                       bool(lazy), threads or 1, description, meta)
    problems = id_problems(config.id) + _dest_problems(dest["index"]) + _excluded_analyzed_fields(config)
    if problems:
        raise ValidationFailed(*problems)
    return config


_UPDATE_FIELDS = {"id", "description", "model_memory_limit", "allow_lazy_start", "max_num_threads", "_meta"}


def parse_update(url_id: str, document: Document) -> dict[str, Any]:
    """An update body (`DataFrameAnalyticsConfigUpdate`): the config fields it changes, by their `DfaConfig` name."""
    reader = ObjectReader("data_frame_analytics_config_update", document, (), _UPDATE_FIELDS)
    body_id = reader.string("id")
    if body_id is not None and body_id != url_id:
        raise inconsistent_id(body_id, url_id)
    changes = {"description": reader.string("description"), "allow_lazy_start": reader.boolean("allow_lazy_start"),
               "max_num_threads": reader.number("max_num_threads", integral=True), "meta": reader.object("_meta"),
               "model_memory_limit": _sub(reader, "model_memory_limit", _parse_memory_limit, objects_only=False)}
    if changes["max_num_threads"] is not None and changes["max_num_threads"] < 1:
        raise StatusError("[max_num_threads] must be a positive integer", 400)
    return {name: value for name, value in changes.items() if value is not None}


def _sub(reader: ObjectReader, field: str, parse: Callable[[Document, Path], Any], objects_only: bool = True) -> Any:
    """Parse a nested field; like `ObjectParser`, wrap its errors in `failed to parse field [...]`."""
    if field not in reader.body or reader.body[field] is None:
        return None
    if objects_only:
        reader.object(field)
    try:
        return parse(reader.document, reader.path + (field,))
    except ApiError as error:
        raise reader.failed(field, error) from None


def _parse_source(document: Document, path: Path) -> dict[str, Any]:
    reader = ObjectReader("data_frame_analytics_source", document, path,
                          {"index", "query", "_source", "runtime_mappings"})
    body = reader.body
    index = body.get("index")
    if index is None:
        raise IllegalArgument("Required [index]")
    indices = [index] if isinstance(index, str) else index
    if not isinstance(indices, list):
        raise reader.error("index", f"index doesn't support values of type: {token(index)}")

    def make() -> dict[str, Any]:
        if not indices:
            raise IllegalArgument("source.index must specify at least one index")
        if any(not isinstance(i, str) or not i for i in indices):
            raise IllegalArgument("source.index must contain non-null and non-empty strings")
        source: dict[str, Any] = {"index": indices, "query": reader.object("query") or {"match_all": {}}}
        if "_source" in body:
            source["_source"] = _parse_analyzed_fields(document, path + ("_source",))
        if reader.object("runtime_mappings") is not None:
            source["runtime_mappings"] = body["runtime_mappings"]
        return source

    return reader.build(make)


def _parse_dest(document: Document, path: Path) -> dict[str, Any]:
    reader = ObjectReader("data_frame_analytics_dest", document, path, {"index", "results_field"})
    index, results_field = reader.string("index"), reader.string("results_field")
    if index is None:
        raise IllegalArgument("Required [index]")

    def make() -> dict[str, Any]:
        if not index:
            raise IllegalArgument("[index] must be non-empty")
        if results_field == "":
            raise IllegalArgument("[results_field] must be non-empty")
        return {"index": index, "results_field": results_field or "ml"}

    return reader.build(make)


def _parse_analyzed_fields(document: Document, path: Path) -> dict[str, list[str]]:
    """`FetchSourceContext.fromXContent`: a string, an array of strings, or `{includes, excludes}`."""
    value = document.at(path)
    if isinstance(value, str):
        return {"includes": [value], "excludes": []}
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return {"includes": list(value), "excludes": []}
    if isinstance(value, dict):
        ObjectReader("_source", document, path, {"includes", "excludes", "include", "exclude"})
        parts = {}
        for name in ("includes", "excludes"):
            raw = value.get(name, value.get(name[:-1], []))
            parts[name] = [raw] if isinstance(raw, str) else list(raw)
            if not all(isinstance(v, str) for v in parts[name]):
                where = document.where(path + (name if name in value else name[:-1],))
                raise XContentParseError(f"[{where}] Unknown key for a VALUE_NUMBER in [{name}].")
        return parts
    raise XContentParseError(f"[{document.where(path)}] Expected one of [START_OBJECT, START_ARRAY, VALUE_STRING] "
                             f"but found [{token(value)}]")


def _parse_memory_limit(document: Document, path: Path) -> str:
    """`ByteSizeValue.parseBytesSizeValue`, echoed the way `getStringRep` prints it."""
    value = document.at(path)
    text = size_text(value)
    if text is None:
        raise IllegalArgument(f"failed to parse setting [model_memory_limit] with value [{value}] as a size in "
                              f"bytes: unit is missing or unrecognized")
    if size_bytes(text) < _BYTE_UNITS["kb"]:
        raise StatusError("[model_memory_limit] must be at least [1kb]", 400)
    return text


def size_text(value: Any) -> str | None:
    """A byte size (`20mb`, `8 GB`) as `getStringRep` prints it, or None when it is not one."""
    match = re.fullmatch(r"(\d+)\s*(b|kb|mb|gb|tb|pb)", str(value).strip().lower())
    return None if match is None else f"{int(match.group(1))}{match.group(2)}"


def size_bytes(text: str) -> int:
    """The bytes of a size `size_text` printed."""
    unit = text.lstrip("0123456789")
    return int(text[:-len(unit)]) * _BYTE_UNITS[unit]


def size_display(text: str) -> str:
    """A size as `ByteSizeValue.toString` prints it: in its largest whole unit, cut to one decimal, `.0` dropped
    (`Strings.format1Decimals`)."""
    return bytes_display(size_bytes(text))


def bytes_display(amount: int) -> str:
    """A number of bytes as `ByteSizeValue.toString` prints it (see `size_display`)."""
    unit = next(u for u in ("pb", "tb", "gb", "mb", "kb", "b") if amount >= _BYTE_UNITS[u] or u == "b")
    whole, tenth = divmod(amount * 10 // _BYTE_UNITS[unit], 10)
    return f"{whole}{unit}" if tenth == 0 else f"{whole}.{tenth}{unit}"


def capped_memory_limit(requested: str | None, maximum: str | None) -> str | None:
    """`DataFrameAnalyticsConfig.Builder.applyMaxModelMemoryLimit`: an explicit limit above the maximum is an
    error; the default above it is silently lowered to it."""
    if maximum is None or size_bytes(maximum) < _BYTE_UNITS["mb"]:  # unset, or 0: no maximum
        return requested
    if requested is None:
        return maximum if size_bytes(DEFAULT_MEMORY_LIMIT) > size_bytes(maximum) else None
    if size_bytes(requested) > size_bytes(maximum):
        raise StatusError(f"model_memory_limit [{size_display(requested)}] must be less than the value of the "
                          f"{MAX_MEMORY_SETTING} setting [{size_display(maximum)}]", 400)
    return requested


def _excluded_analyzed_fields(config: DfaConfig) -> list[str]:
    """`checkNoIncludedAnalyzedFieldsAreExcludedBySourceFiltering`: the first analysed include that the source
    filtering drops."""
    filtering = config.source.get("_source")
    for field in (config.analyzed_fields or {}).get("includes", []):
        if filtering is not None and _excluded_by(filtering, field):
            return [f"field [{field}] is included in [analyzed_fields] but not in [source._source]"]
    return []


def _excluded_by(filtering: dict[str, list[str]], path: str) -> bool:
    """`DataFrameAnalyticsSource.isFieldExcluded`: excludes first, then (if any) the includes."""
    if any(_matches_source_pattern(path, pattern) for pattern in filtering["excludes"]):
        return True
    return bool(filtering["includes"]) and not any(_matches_source_pattern(path, p) for p in filtering["includes"])


def _matches_source_pattern(path: str, pattern: str) -> bool:
    """A pattern matches the field itself, by wildcard, or (a concrete name) any field beneath it."""
    if pattern == path:
        return True
    return simple_match(pattern if is_simple_pattern(pattern) else pattern + ".*", path)


def _dest_problems(name: str) -> list[str]:
    """`SourceDestValidator.validateRequest`: a valid index name, and lowercase."""
    try:
        validate_index_name(name.lower())
    except InvalidIndexName as error:
        return [error.reason.replace(f"[{name.lower()}]", f"[{name}]", 1)]
    return [] if name == name.lower() else [f"Destination index [{name}] must be lowercase"]
