"""Routes of `_reindex`, `_update_by_query` and `_delete_by_query`: parameter and body parsing, and
`wait_for_completion` (block until done, or answer `{"task": ...}` and store the result)."""

from __future__ import annotations

import math
import re
from typing import Any

from mockserver.errors import IllegalArgument, ParsingError, ValidationFailed, XContentParseError
from mockserver.families.tasks import bulk
from mockserver.families.tasks.bulk import AUTO_SLICES, BulkRequest, Kind, check_query
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.params import Param, accepts, boolean, integer, string, time_value
from mockserver.routing import Body, Call, Reply, Route
from mockserver.xcontent import Document, token

Tasks = Call[TaskRegistry]

_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?|[+-]?Infinity")
_RATE_ERROR = "[requests_per_second] must be a float greater than 0. Use -1 to disable throttling."


# parameter parsers (their errors come before the unrecognized-parameter check, as in `prepareRequest`) ---------
@accepts({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"const": -1}]})
def requests_per_second(raw: str, name: str) -> float:
    if not _FLOAT.fullmatch(raw.strip()):
        raise IllegalArgument(_RATE_ERROR)
    value = float(raw.strip().rstrip("fFdD"))
    if value == -1:
        return math.inf
    if value <= 0:
        raise IllegalArgument(_RATE_ERROR)
    return value


@accepts({"anyOf": [{"type": "integer", "minimum": 1}, {"const": "auto"}]})
def slices(raw: str, name: str) -> int:
    if raw == "auto":
        return AUTO_SLICES
    if not re.fullmatch(r"[+-]?\d+", raw) or int(raw) < 1:
        raise IllegalArgument(f'[slices] must be a positive integer or the string "auto", but was [{raw}]')
    return int(raw)


@accepts({"type": "integer", "minimum": 0, "maximum": 2**31 - 1})
def max_docs(raw: str, name: str) -> int:
    value = integer(raw, name)
    if value < 0:
        raise IllegalArgument(f"[max_docs] parameter cannot be negative, found [{value}]")
    return value


@accepts({"type": "integer", "minimum": 0, "maximum": 2**31 - 1})
def scroll_size(raw: str, name: str) -> int:
    value = integer(raw, name)
    if value < 0:
        raise IllegalArgument(f"[size] parameter cannot be negative, found [{value}]")
    return value


@accepts({"enum": ["abort", "proceed"]})
def conflicts(raw: str, name: str) -> str:
    if raw not in ("abort", "proceed"):
        raise IllegalArgument(f'conflicts may only be "proceed" or "abort" but was [{raw}]')
    return raw


def no_size(raw: str, name: str) -> None:
    raise IllegalArgument("invalid parameter [size], use [max_docs] instead")


# bodies ------------------------------------------------------------------------------------------------------
def _object(document: Document, path: tuple[str, ...], what: str) -> dict[str, Any]:
    body = document.at(path)
    if not isinstance(body, dict):
        raise XContentParseError(f"[{document.where(path)}] [{what}] failed to parse object")
    return body


def _doc_limit(document: Document, params: dict[str, Any]) -> int | None:
    from_body = document.value.get("max_docs")
    if from_body is not None and (not isinstance(from_body, int) or isinstance(from_body, bool)):
        raise XContentParseError(f"[{document.where(('max_docs',))}] [max_docs] failed to parse field [max_docs]")
    if from_body is not None and from_body < 0:
        raise IllegalArgument(f"[max_docs] parameter cannot be negative, found [{from_body}]")
    from_param = params.get("max_docs")
    if from_body is not None and from_param is not None and from_body != from_param:
        raise IllegalArgument(f"[max_docs] set to two different values [{from_param}] and [{from_body}]")
    return from_param if from_param is not None else from_body


def _index_names(value: Any) -> list[str]:
    """`source.index`: a comma-separated string or a list of strings."""
    if isinstance(value, str):
        return value.split(",")
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise IllegalArgument(f"Expected [index] to be a list of a string but was [{value}]")


_REINDEX_FIELDS = ("source", "dest", "script", "max_docs", "conflicts")
_SOURCE_FIELDS = ("index", "query", "size", "_source", "sort", "slice", "runtime_mappings")
_DEST_FIELDS = ("index", "op_type", "version_type", "pipeline", "routing")


def parse_reindex(document: Document, params: dict[str, Any]) -> BulkRequest:
    body = _object(document, (), "reindex")
    for key in body:
        if key not in _REINDEX_FIELDS:
            raise XContentParseError(f"[{document.where((key,), key=True)}] [reindex] unknown field [{key}]")
    source = _object(document, ("source",), "source") if "source" in body else {}
    dest = _object(document, ("dest",), "dest") if "dest" in body else {}
    for key, value in source.items():
        if key not in _SOURCE_FIELDS:
            line, column = document.location(("source", key))
            raise XContentParseError(f"[{document.where(('source',))}] [reindex] failed to parse field [source]",
                                     caused_by=ParsingError(f"Unknown key for a {token(value)} in [{key}].",
                                                            line=line, col=column))
    for key in dest:
        if key not in _DEST_FIELDS:
            raise XContentParseError(f"[{document.where(('dest',))}] [reindex] failed to parse field [dest]",
                                     caused_by=XContentParseError(f"[{document.where(('dest', key), key=True)}] "
                                                                  f"[dest] unknown field [{key}]"))
    indices = _index_names(source.get("index", []))
    if not isinstance(dest.get("index", ""), str):
        raise XContentParseError(f"[{document.where(('dest',))}] [reindex] failed to parse field [dest]",
                                 caused_by=XContentParseError(f"[{document.where(('dest', 'index'))}] [dest] index "
                                                              f"doesn't support values of type: {token(dest['index'])}"))
    problems = []
    if not [i for i in indices if i]:
        problems.append("use _all if you really want to copy from all existing indexes")
    if dest.get("index") is None:
        problems.append("index must be specified")
    if problems:
        raise ValidationFailed(*problems)
    op_type = dest.get("op_type", "index")
    if op_type not in ("index", "create"):
        raise IllegalArgument(f"opType must be 'create' or 'index', found: [{op_type}]")
    batch = source.get("size", 1000)
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 0:
        raise IllegalArgument(f"[size] parameter cannot be negative, found [{batch}]")
    return BulkRequest(Kind.REINDEX, tuple(i.strip() for i in indices if i.strip()), check_query(source.get("query")),
                       batch_size=batch, requests_per_second=params["requests_per_second"], slices=params["slices"],
                       max_docs=_doc_limit(document, params), dest=str(dest["index"]), op_type=op_type,
                       abort_on_conflict=conflicts(str(body.get("conflicts", "abort")), "conflicts") == "abort")


_BY_QUERY_FIELDS = ("query", "max_docs", "conflicts", "slice", "sort", "_source", "stats", "timeout",
                    "terminate_after", "runtime_mappings", "seq_no_primary_term", "version")


def parse_by_query(kind: Kind, index: str, document: Document | None, params: dict[str, Any]) -> BulkRequest:
    document = document or Document.of({})
    body = _object(document, (), "search")
    allowed = _BY_QUERY_FIELDS + (("script",) if kind is Kind.UPDATE else ())
    for key, value in body.items():
        if key == "size":
            raise IllegalArgument("invalid parameter [size], use [max_docs] instead")
        if key not in allowed:
            line, column = document.location((key,))
            raise ParsingError(f"Unknown key for a {token(value)} in [{key}].", line=line, col=column)
    query = check_query(body.get("query")) if "query" in body else _query_string(params.get("q"))
    if kind is Kind.DELETE and query is None:
        raise ValidationFailed("query is missing")
    mode = params["conflicts"] or conflicts(str(body.get("conflicts", "abort")), "conflicts")
    return BulkRequest(kind, tuple(part.strip() for part in index.split(",") if part.strip()), query,
                       batch_size=params["scroll_size"], requests_per_second=params["requests_per_second"],
                       slices=params["slices"], max_docs=_doc_limit(document, params),
                       abort_on_conflict=mode == "abort", ignore_unavailable=bool(params["ignore_unavailable"]))


def _query_string(q: str | None) -> dict[str, Any] | None:
    """The `q` parameter: `*`, `*:*` or `field:value` (the part of the Lucene syntax the scenarios use)."""
    if q is None:
        return None
    if q in ("*", "*:*"):
        return {"match_all": {}}
    field, colon, value = q.partition(":")
    return {"match": {field: value}} if colon else {"match": {"_all": q}}


# handlers ------------------------------------------------------------------------------------------------------
async def reindex(call: Tasks) -> Any:
    if call.params["pipeline"] is not None:
        raise IllegalArgument("_reindex doesn't support [pipeline] as a query parameter. "
                              "Specify it in the [dest] object instead.")
    return await _run(call, parse_reindex(call.document, call.params))


async def update_by_query(call: Tasks) -> Any:
    request = parse_by_query(Kind.UPDATE, call.path_params["index"], call.document, call.params)
    return await _run(call, request, include_created=False)


async def delete_by_query(call: Tasks) -> Any:
    request = parse_by_query(Kind.DELETE, call.path_params["index"], call.document, call.params)
    return await _run(call, request, include_created=False, include_updated=False)


async def _run(call: Tasks, request: BulkRequest, **includes: bool) -> Any:
    """Without `wait_for_completion` answer the task's id (its result is stored), else its response, with the
    highest status among its failures."""
    wait = call.params["wait_for_completion"]
    task = await bulk.run(call.state, request, call.headers, wait=wait)
    if not wait:
        return {"task": str(task.task_id)}
    body = task.work.body(**includes)
    status = max([200, *(failure["status"] for failure in body["failures"])])
    return Reply(status, body)


_COMMON = (Param("refresh", boolean, False), Param("timeout", time_value), Param("wait_for_active_shards"),
           Param("wait_for_completion", boolean, True), Param("requests_per_second", requests_per_second, math.inf),
           Param("scroll", time_value), Param("slices", slices, 1), Param("max_docs", max_docs))
_SEARCH = tuple(Param(name) for name in (
    "q", "df", "analyzer", "analyze_wildcard", "default_operator", "lenient", "routing", "search_type",
    "search_timeout", "from", "sort", "stats", "terminate_after", "version", "preference", "expand_wildcards",
    "allow_no_indices", "request_cache", "_source", "_source_excludes", "_source_includes"))
_BY_QUERY = (*_COMMON, Param("conflicts", conflicts), Param("scroll_size", scroll_size, 1000),
             Param("ignore_unavailable", boolean, False), Param("size", no_size), *_SEARCH)

ROUTES: tuple[Route[TaskRegistry], ...] = (
    Route("POST", "/_reindex", reindex, params=(*_COMMON, Param("require_alias", boolean, False), Param("pipeline", string)),
          body=Body.REQUIRED),
    Route("POST", "/{index}/_update_by_query", update_by_query,
          params=(*_BY_QUERY, Param("pipeline"), Param("version_type")), body=Body.OPTIONAL),
    Route("POST", "/{index}/_delete_by_query", delete_by_query, params=_BY_QUERY, body=Body.OPTIONAL),
)
