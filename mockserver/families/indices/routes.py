"""Routes of the minimal index APIs the scenarios' setup needs."""

from __future__ import annotations

from typing import Any

from mockserver.errors import IllegalArgument, ValidationFailed
from mockserver.families.indices.bulk import parse as parse_bulk, run as run_bulk
from mockserver.families.indices.conditions import PRIMARY_TERM, WriteConditions
from mockserver.families.indices.models import IndexStore, LegacyTemplate, write_result
from mockserver.params import Param, boolean, integer, long, string, time_value
from mockserver.routing import ACKNOWLEDGED, Body, Call, Reply, Route


async def create_index(call: Call[IndexStore]) -> dict[str, Any]:
    body = call.body or {}
    unknown = set(body) - {"mappings", "settings", "aliases"}
    if unknown:
        raise IllegalArgument(f"unknown key [{sorted(unknown)[0]}] for create index")
    name = call.path_params["index"]
    call.state.create(name, body.get("mappings"), body.get("settings"))
    return {"acknowledged": True, "shards_acknowledged": True, "index": name}


async def delete_index(call: Call[IndexStore]) -> Reply:
    call.state.delete(call.path_params["index"])
    return ACKNOWLEDGED


async def index_exists(call: Call[IndexStore]) -> Reply:
    found = call.state.resolve(call.path_params["index"], must_exist=False)
    return Reply(200 if found else 404, None)


async def get_mapping(call: Call[IndexStore]) -> dict[str, Any]:
    return {i.name: {"mappings": i.mappings} for i in call.state.resolve(call.path_params.get("index", "_all"))}


_ALIAS_OPTIONS = {"filter", "routing", "index_routing", "search_routing", "is_write_index", "is_hidden", "must_exist"}


async def put_alias(call: Call[IndexStore]) -> Reply:
    body = call.body or {}
    if not isinstance(body, dict):
        raise IllegalArgument("request body must be a JSON object")
    if unknown := sorted(set(body) - _ALIAS_OPTIONS):
        raise IllegalArgument(f"[alias] unknown field [{unknown[0]}]")
    call.state.put_alias(call.path_params["index"], call.path_params["name"], body)
    return ACKNOWLEDGED


async def get_alias(call: Call[IndexStore]) -> dict[str, Any]:
    wanted = call.path_params.get("name")
    return {i.name: {"aliases": {a: o for a, o in i.aliases.items() if wanted in (None, a)}}
            for i in call.state.resolve(call.path_params.get("index", "_all"))
            if wanted is None or wanted in i.aliases}


_TEMPLATE_FIELDS = {"index_patterns", "order", "version", "mappings", "settings", "aliases"}


async def put_template(call: Call[IndexStore]) -> Reply:
    body = call.body
    if not isinstance(body, dict):
        raise IllegalArgument("request body must be a JSON object")
    if unknown := sorted(set(body) - _TEMPLATE_FIELDS):
        raise IllegalArgument(f"unknown key [{unknown[0]}] in the template ")
    patterns = body.get("index_patterns")
    if not patterns:
        raise ValidationFailed("index patterns are missing")
    order = body.get("order", call.params["order"] if call.params["order"] is not None else 0)
    template = LegacyTemplate(call.path_params["name"], [patterns] if isinstance(patterns, str) else list(patterns),
                              order, body.get("version"), body.get("mappings") or {}, body.get("settings") or {},
                              body.get("aliases") or {})
    call.state.put_template(template, create=call.params["create"])
    return ACKNOWLEDGED


async def get_template(call: Call[IndexStore]) -> Reply:
    name = call.path_params.get("name")
    found = call.state.templates_named(name)
    return Reply(200 if found or name is None else 404, {t.name: t.document() for t in found})


async def template_exists(call: Call[IndexStore]) -> Reply:
    return Reply(200 if call.state.templates_named(call.path_params["name"]) else 404, None)


async def delete_template(call: Call[IndexStore]) -> Reply:
    call.state.delete_template(call.path_params["name"])
    return ACKNOWLEDGED


def _conditions(call: Call[IndexStore]) -> WriteConditions:
    return WriteConditions.parse(call.params["if_seq_no"], call.params["if_primary_term"], call.params["version"],
                                 call.params["version_type"])


def _refused(problems: list[str]) -> None:
    if problems:
        raise ValidationFailed(*problems)


async def index_doc(call: Call[IndexStore]) -> Reply:
    """`PUT /{index}/_doc/{id}`, `_create` and `POST /{index}/_doc` (an id of its own: a create unless `op_type`
    says otherwise)."""
    doc_id = call.path_params.get("id")
    create = _create(call.params["op_type"], call.path.rstrip("/").split("/")[-2] == "_create", doc_id is None)
    conditions = _conditions(call)
    _refused(conditions.problems(create=create, has_id=doc_id is not None))
    result = call.state.index_document(call.path_params["index"], doc_id, call.body, create_only=create,
                                       conditions=conditions)
    return Reply(201 if result["result"] == "created" else 200, result)


def _create(op_type: str | None, create_endpoint: bool, auto_id: bool) -> bool:
    """Whether a write is a create: `_create` says so (and refuses another `op_type`), `op_type` says so, or the
    id is generated and no `op_type` is given."""
    if create_endpoint:
        if op_type is not None and op_type.lower() != "create":
            raise IllegalArgument(f"opType must be 'create', found: [{op_type}]")
        return True
    if op_type is None:
        return auto_id
    if op_type.lower() not in ("create", "index"):
        raise IllegalArgument(f"opType must be 'create' or 'index', found: [{op_type}]")
    return op_type.lower() == "create"


async def get_doc(call: Call[IndexStore]) -> Reply:
    index = call.state.get(call.path_params["index"])
    doc = index.docs.get(call.path_params["id"])
    if doc is None:
        return Reply(404, {"_index": index.name, "_id": call.path_params["id"], "found": False})
    return Reply(200, {"_index": index.name, "_id": doc.id, "_version": doc.version, "_seq_no": doc.seq_no,
                       "_primary_term": PRIMARY_TERM, "found": True, "_source": doc.source})


async def delete_doc(call: Call[IndexStore]) -> Reply:
    conditions = _conditions(call)
    _refused(conditions.problems())
    index, doc = call.state.delete_document(call.path_params["index"], call.path_params["id"], conditions)
    if doc is None:
        return Reply(404, {"_index": index.name, "_id": call.path_params["id"], "result": "not_found"})
    return Reply(200, write_result(index, doc, "deleted"))


async def bulk(call: Call[IndexStore]) -> dict[str, Any]:
    return run_bulk(call.state, parse_bulk(call.body, call.path_params.get("index")))


async def refresh(call: Call[IndexStore]) -> dict[str, Any]:
    found = call.state.resolve(call.path_params.get("index", "_all"))
    shards = len(found) * 2
    return {"_shards": {"total": shards, "successful": len(found), "failed": 0}}


def _search_body(call: Call[IndexStore]) -> dict[str, Any]:
    body = call.body or {}
    if not isinstance(body, dict):
        raise IllegalArgument("request body must be a JSON object")
    return body


async def search(call: Call[IndexStore]) -> dict[str, Any]:
    body = _search_body(call)
    indices = call.state.resolve(call.path_params.get("index", "_all"))
    intercepted = call.state.intercepted(indices, body)
    if intercepted is not None:
        return intercepted
    hits = [(index, doc) for index in indices for doc in index.search(body.get("query"))]
    for sort in reversed(body.get("sort", [])):
        field, order = (sort, "asc") if isinstance(sort, str) else next(iter(sort.items()))
        direction = order if isinstance(order, str) else order.get("order", "asc")
        hits.sort(key=lambda h: (h[1].source.get(field) is None, h[1].source.get(field)),
                  reverse=direction == "desc")
    size = body.get("size", call.params["size"] if call.params["size"] is not None else 10)
    start = body.get("from", 0)
    return {
        "took": 1, "timed_out": False,
        "_shards": {"total": len(indices), "successful": len(indices), "skipped": 0, "failed": 0},
        "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 1.0 if hits else None,
                 "hits": [{"_index": i.name, "_id": d.id, "_score": 1.0, "_source": d.source}
                          for i, d in hits[start:start + size]]},
    }


async def count(call: Call[IndexStore]) -> dict[str, Any]:
    body = _search_body(call)
    indices = call.state.resolve(call.path_params.get("index", "_all"))
    total = sum(len(index.search(body.get("query"))) for index in indices)
    return {"count": total, "_shards": {"total": len(indices), "successful": len(indices), "skipped": 0, "failed": 0}}


_PARSERS = {
    **dict.fromkeys(("allow_no_indices", "ignore_unavailable", "ignore_throttled", "flat_settings", "local",
                     "include_defaults", "realtime", "analyze_wildcard", "lenient", "allow_partial_search_results",
                     "ccs_minimize_roundtrips", "typed_keys", "request_cache", "rest_total_hits_as_int",
                     "explain", "seq_no_primary_term", "force_synthetic_source", "include_named_queries_score",
                     "require_alias", "require_data_stream", "list_executed_pipelines", "track_scores",
                     "is_write_index", "must_exist", "phase_took", "verbose_pipeline", "create"), boolean),
    **dict.fromkeys(("timeout", "master_timeout", "cluster_manager_timeout", "scroll", "cancel_after_time_interval"),
                    time_value),
    **dict.fromkeys(("size", "from", "terminate_after", "batched_reduce_size", "max_concurrent_shard_requests",
                     "pre_filter_shard_size", "suggest_size", "order"), integer),
    **dict.fromkeys(("version", "if_seq_no", "if_primary_term"), long),
}


def accepted(names: str) -> tuple[Param, ...]:
    """The query parameters a REST handler consumes, each with its parser (a string when the mock ignores it)."""
    return tuple(Param(name, _PARSERS.get(name, string)) for name in names.split())


_ELASTICSEARCH, _OPENSEARCH = frozenset({"elasticsearch"}), frozenset({"opensearch"})


def routes(methods: str, patterns: str, handler: Any, **options: Any) -> tuple[Route[IndexStore], ...]:
    """The same handler under every method and pattern given (space-separated)."""
    return tuple(Route(m, p, handler, **options) for p in patterns.split() for m in methods.split())


def flavoured(methods: str, patterns: str, handler: Any, params: tuple[Param, ...], opensearch: str,
              **options: Any) -> tuple[Route[IndexStore], ...]:
    """`routes` for an API whose OpenSearch handler reads more parameters (e.g. `cluster_manager_timeout`)."""
    return (routes(methods, patterns, handler, params=params, flavours=_ELASTICSEARCH, **options)
            + routes(methods, patterns, handler, params=params + accepted(opensearch), flavours=_OPENSEARCH,
                     **options))


_CLUSTER_MANAGER = "cluster_manager_timeout"
_OPENSEARCH_SEARCH = "cancel_after_time_interval phase_took search_pipeline verbose_pipeline"
_INDICES_OPTIONS = "allow_no_indices expand_wildcards ignore_unavailable"
_WRITE = accepted("refresh op_type routing timeout pipeline if_seq_no if_primary_term version version_type "
                  "wait_for_active_shards require_alias require_data_stream include_source_on_error")
_GET = accepted("preference realtime refresh routing _source _source_excludes _source_includes stored_fields "
                "version version_type force_synthetic_source")
_DELETE = accepted("refresh routing timeout if_seq_no if_primary_term version version_type wait_for_active_shards")
_BULK = accepted("refresh routing timeout pipeline wait_for_active_shards require_alias require_data_stream "
                 "_source _source_excludes _source_includes list_executed_pipelines include_source_on_error")
_QUERY_STRING = "q df analyzer analyze_wildcard default_operator lenient routing preference"
_SEARCH = accepted(f"{_INDICES_OPTIONS} {_QUERY_STRING} size from rest_total_hits_as_int track_total_hits "
                   "allow_partial_search_results batched_reduce_size ccs_minimize_roundtrips docvalue_fields explain "
                   "ignore_throttled include_named_queries_score max_concurrent_shard_requests "
                   "min_compatible_shard_node pre_filter_shard_size request_cache scroll search_type "
                   "seq_no_primary_term sort _source _source_excludes _source_includes stats stored_fields "
                   "suggest_field suggest_mode suggest_size suggest_text terminate_after timeout track_scores "
                   "typed_keys version force_synthetic_source")
_COUNT = accepted(f"{_INDICES_OPTIONS} {_QUERY_STRING} ignore_throttled min_score terminate_after")
_REFRESH_OPTIONS = accepted(_INDICES_OPTIONS)
_MAPPING = accepted(f"{_INDICES_OPTIONS} local master_timeout")

_TEMPLATE_READ = accepted("flat_settings local master_timeout")

ROUTES: tuple[Route[IndexStore], ...] = (
    *flavoured("PUT", "/{index}", create_index, accepted("wait_for_active_shards timeout master_timeout"),
               _CLUSTER_MANAGER, body=Body.OPTIONAL),
    *flavoured("DELETE", "/{index}", delete_index, accepted(f"{_INDICES_OPTIONS} timeout master_timeout"),
               _CLUSTER_MANAGER),
    *flavoured("HEAD", "/{index}", index_exists, accepted(f"{_INDICES_OPTIONS} flat_settings include_defaults local"),
               _CLUSTER_MANAGER),
    *flavoured("GET", "/_mapping /{index}/_mapping", get_mapping, _MAPPING, _CLUSTER_MANAGER),
    *flavoured("PUT POST", "/{index}/_alias/{name} /{index}/_aliases/{name}", put_alias,
               accepted("master_timeout timeout"), _CLUSTER_MANAGER, body=Body.OPTIONAL),
    *flavoured("GET", "/_alias /{index}/_alias /_alias/{name} /{index}/_alias/{name}", get_alias, _MAPPING,
               _CLUSTER_MANAGER),
    *flavoured("PUT POST", "/_template/{name}", put_template, accepted("create order master_timeout cause"),
               _CLUSTER_MANAGER, body=Body.REQUIRED),
    *flavoured("GET", "/_template /_template/{name}", get_template, _TEMPLATE_READ, _CLUSTER_MANAGER),
    *flavoured("HEAD", "/_template/{name}", template_exists, _TEMPLATE_READ, _CLUSTER_MANAGER),
    *flavoured("DELETE", "/_template/{name}", delete_template, accepted("master_timeout timeout"), _CLUSTER_MANAGER),
    *routes("PUT POST", "/{index}/_doc/{id}", index_doc, params=_WRITE, body=Body.REQUIRED),
    *routes("POST", "/{index}/_doc", index_doc, params=_WRITE, body=Body.REQUIRED),
    *routes("PUT POST", "/{index}/_create/{id}", index_doc, params=_WRITE, body=Body.REQUIRED),
    *routes("GET", "/{index}/_doc/{id}", get_doc, params=_GET),
    *routes("DELETE", "/{index}/_doc/{id}", delete_doc, params=_DELETE),
    *routes("PUT POST", "/_bulk /{index}/_bulk", bulk, params=_BULK, body=Body.NDJSON),
    *routes("GET POST", "/_refresh /{index}/_refresh", refresh, params=_REFRESH_OPTIONS),
    *flavoured("GET POST", "/_search /{index}/_search", search, _SEARCH, _OPENSEARCH_SEARCH, body=Body.OPTIONAL),
    *routes("GET POST", "/_count /{index}/_count", count, params=_COUNT, body=Body.OPTIONAL),
)
