"""What the route sweeps share: record the requests an official client sends, build a valid value for every
parameter of a client method, and name the mock route a request resolves to (read from the route table)."""

from __future__ import annotations

import functools
import inspect
from collections import abc
import json
import re
import typing
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

from mockserver.cluster import Cluster
from mockserver.errors import ApiError
from mockserver.families.cluster import routes as cluster
from mockserver.families.indices import routes as indices
from mockserver.families.tasks import bulk_routes as by_query, routes as tasks
from mockserver.routing import Request, Router
from mockserver.server import MockServer

# the document and index APIs the scenarios and fixtures use, and the task APIs: the same in both clients
SHARED_APIS: dict[str, Callable[..., Any]] = {
    "info": cluster.root,
    "index": indices.index_doc, "create": indices.index_doc, "get": indices.get_doc, "delete": indices.delete_doc,
    "bulk": indices.bulk, "search": indices.search, "count": indices.count,
    "indices.refresh": indices.refresh, "indices.create": indices.create_index, "indices.delete": indices.delete_index,
    "indices.exists": indices.index_exists, "indices.get_mapping": indices.get_mapping,
    "indices.put_alias": indices.put_alias, "indices.get_alias": indices.get_alias,
    "indices.put_template": indices.put_template, "indices.get_template": indices.get_template,
    "indices.delete_template": indices.delete_template, "indices.exists_template": indices.template_exists,
    "reindex": by_query.reindex, "update_by_query": by_query.update_by_query,
    "delete_by_query": by_query.delete_by_query,
    "tasks.list": tasks.list_tasks, "tasks.get": tasks.get_task, "tasks.cancel": tasks.cancel_tasks,
    "cluster.put_settings": cluster.put_settings, "cluster.get_settings": cluster.get_settings,
}
# parameters left out of the sweep, with the reason
NOT_SWEPT: dict[str, dict[str, str]] = {
    "cluster.get_settings": {"include_defaults": "the mock knows no default settings to list"},
    # UNCONFIRMED whether OpenSearch still reads `size` as `max_docs` (7.10 did, with a deprecation warning); the
    # mock refuses it as Elasticsearch 8 does
    "update_by_query": {"size": "UNCONFIRMED on OpenSearch"}, "delete_by_query": {"size": "UNCONFIRMED on OpenSearch"},
}

# values for parameters whose type alone does not say what a valid value is
NAMED: dict[str, Any] = {
    "index": "logs", "id": "job-1", "task_id": "oTUltX4IQMOUUVeiohTt8A:12345", "name": "role-1",
    "username": "user-1", "new_index": "logs-2", "alias": "logs-alias", "parent_task_id": "oTUltX4IQMOUUVeiohTt8A:1",
    "nodes": ["oTUltX4IQMOUUVeiohTt8A"], "node_id": ["oTUltX4IQMOUUVeiohTt8A"], "actions": ["*reindex"],
    "index_pattern": "logs*", "rollup_index": "logs-rollup", "cron": "*/30 * * * * ?", "page_size": 10,
    "groups": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1h"}},
    "metrics": [{"field": "value", "metrics": ["max"]}],
    "document": {"message": "hello"}, "operations": [{"index": {"_index": "logs"}}, {"message": "hello"}],
    "reindex.source": {"index": "logs"}, "reindex.dest": {"index": "logs-copy"},
    "ml.put_data_frame_analytics.source": {"index": "logs"}, "ml.put_data_frame_analytics.dest": {"index": "out"},
    "analysis": {"outlier_detection": {}},
    "query": {"match_all": {}}, "mappings": {"properties": {"message": {"type": "text"}}},
    "settings": {"number_of_shards": 1}, "aliases": {"logs-alias": {}}, "password": "a-long-password",
    "roles": ["viewer"], "cluster": ["monitor"], "indices": [{"names": ["logs"], "privileges": ["read"]}],
    "wait_for_active_shards": 1, "slices": 1, "conflicts": "proceed", "group_by": "nodes", "op_type": "index",
    "refresh": True, "routing": "r1", "pipeline": "p1", "sort": ["message"], "q": "message:hello",
    "expand_wildcards": "open", "search_type": "query_then_fetch", "default_operator": "OR", "df": "message",
    "version_type": "external", "version": 1, "if_seq_no": 0, "if_primary_term": 1, "max_docs": 10,
    "scroll": "1m", "keep_alive": "1m", "from_": 0, "size": 10, "requests_per_second": -1.0,
    "preference": "_local", "analyzer": "standard", "script": {"source": "ctx._source.x = 1"},
    "model_memory_limit": "10mb", "description": "a description", "max_num_threads": 1,
    "allow_lazy_start": False, "filter": {"match_all": {}}, "index_routing": "r1", "search_routing": "r1",
    "is_write_index": True, "is_hidden": False, "must_exist": False, "fields": ["message"],
    "stored_fields": ["message"], "track_total_hits": True,
    "terminate_after": 10, "min_score": 0.5, "timeout": "30s", "master_timeout": "30s",
    "wait_for_completion": True, "run_as": ["user-1"], "metadata": {"team": "a"}, "full_name": "A User",
    "email": "a@example.com", "enabled": True, "applications": [],
    "remote_indices": [], "remote_cluster": [], "global_": {}, "transient_metadata": {"enabled": True},
    "flat_settings": True, "ignore_unavailable": True,
    "allow_no_indices": True, "allow_no_match": True, "force": True, "verbose": True,
    "exclude_generated": True, "defer_validation": False, "wait_for_checkpoint": False,
    "rest_total_hits_as_int": False, "typed_keys": True, "filter_path": ["acknowledged"],
    "error_trace": True, "human": True, "pretty": True,
    "cluster_manager_timeout": "30s", "cancel_after_time_interval": "1m", "search_timeout": "1m",
    "persistent": {"xpack.ml.max_lazy_ml_nodes": 1}, "transient": {"logger.org.example": "DEBUG"}, "scroll_size": 10, "stats": "group1", "docvalue_fields": "message", "_source": "message",
    "_source_excludes": "message", "_source_includes": "message", "request_cache": True,
    "seq_no_primary_term": True, "require_alias": False, "verbose_pipeline": True, "order": 1,
}
NOT_SENT = frozenset({"body", "headers", "params", "opaque_id"})  # alternatives to the other parameters


def value_for(api: str, name: str, annotation: Any) -> Any:
    """A valid value for a parameter of a client method: by the method and name, by the name, else by its type."""
    for key in (f"{api}.{name}", name):
        if key in NAMED:
            return NAMED[key]
    return _by_type(annotation)


def _by_type(annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return args[0]
    if origin is typing.Union:
        members = [a for a in args if a is not type(None)]
        if any(typing.get_origin(a) is typing.Literal and -1 in typing.get_args(a) for a in members):
            return "30s"  # a time value: str | Literal[-1] | Literal[0]
        return _by_type(members[0])
    if origin in (list, tuple, abc.Sequence):
        return [_by_type(args[0]) if args else "x"]
    if origin in (dict, abc.Mapping):
        return {}
    return {bool: True, int: 1, float: 1.0, str: "x"}.get(annotation, "x")


@dataclass(frozen=True)
class Sent:
    method: str
    target: str
    body: bytes
    headers: dict[str, str]

    def request(self) -> Request:
        split = urlsplit(self.target)
        return Request(self.method, unquote(split.path), self.target, dict(parse_qsl(split.query,
                       keep_blank_values=True)), self.body, self.headers)


@functools.lru_cache(maxsize=2)
def _router(cluster: Cluster) -> Router:
    """The route table of a cluster, made once for every request a sweep sends it."""
    return Router(cluster.routes())


def routed_to(server: MockServer, sent: Sent) -> Callable[..., Any] | str:
    """The handler the mock's route table gives this request, or the routing error it raises."""
    try:
        route, _ = _router(server.cluster).resolve(sent.request())
    except ApiError as error:
        return f"{type(error).__name__}: {error.envelope(server.cluster.settings.version, False)['error']}"
    return route.handler


def variants(api: str, function: Callable[..., Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The calls of one client method: its required parameters only, every optional one at once, each alone.
    Body fields the client itself insists on (its `Empty value passed for parameter` check) count as required."""
    parameters = {n: p for n, p in inspect.signature(function).parameters.items()
                  if n not in NOT_SENT and n not in NOT_SWEPT.get(api, {}) and p.kind is not inspect.Parameter.VAR_KEYWORD}
    values = {n: value_for(api, n, p.annotation) for n, p in parameters.items()}
    required = {n for n, p in parameters.items() if p.default is inspect.Parameter.empty}
    required |= {n for n in _insisted_on(function) if n in parameters}
    optional = [n for n in parameters if n not in required]
    chosen = {n: values[n] for n in required}
    yield "required only", chosen
    yield "every optional parameter", {**chosen, **{n: values[n] for n in optional}}
    for name in optional:
        yield name, {**chosen, name: values[name]}


def _insisted_on(function: Callable[..., Any]) -> set[str]:
    """The body fields a client method checks for itself before sending anything (read from its source)."""
    try:
        source = inspect.getsource(inspect.unwrap(function))
    except (OSError, TypeError):
        return set()
    return {name for check in re.findall(r"Empty value passed for parameters? ([^\"]+)\"", source)
            for name in re.findall(r"'(\w+)'", check)} - {"body"}


def routing_failure(body: Any) -> bool:
    """An answer of the routing layer (a bare-string error), an unrecognized-parameter refusal, or a mock bug."""
    if not isinstance(body, dict):
        return False
    error = body.get("error")
    text = json.dumps(error or "")
    return isinstance(error, str) or "unrecognized parameter" in text or "mock_bug" in text


def opensearch_variants(api: str, function: Callable[..., Any], bodies: dict[str, Any],
                        paths: tuple[str, ...] = ()) -> Iterator[tuple[str, dict[str, Any]]]:
    """The calls of one opensearch-py method: its path arguments (with `paths` among them) and body (from `bodies`
    when it needs one), then every query parameter its `query_params` decorator accepts, all at once and each
    alone."""
    parameters = {n: p for n, p in inspect.signature(function).parameters.items() if n not in ("params", "headers")}
    chosen = {n: value_for(api, n, str) for n, p in parameters.items()
              if (p.default is inspect.Parameter.empty or n in paths) and n != "body"}
    if "body" in parameters and (api in bodies or parameters["body"].default is inspect.Parameter.empty):
        chosen["body"] = bodies[api]
    # `source` is every method's body sent in the query string, which needs `source_content_type`: not a parameter
    query = [n for n in inspect.getclosurevars(function).nonlocals.get("opensearch_query_params", ())
             if n != "source" and n not in NOT_SWEPT.get(api, {})]
    optional = {n: value_for(api, n, str) for n, p in parameters.items()
                if p.default is not inspect.Parameter.empty and n != "body" and n not in chosen}
    optional |= {n: NAMED[n] if n in NAMED else _documented_value(function, n) for n in query}
    yield "required only", chosen
    yield "every optional parameter", _client_timeout({**chosen, **optional})
    for name, value in optional.items():
        yield name, _client_timeout({**chosen, name: value})


def _client_timeout(arguments: dict[str, Any]) -> dict[str, Any]:
    """opensearch-py takes a `timeout` parameter for its own socket timeout unless `request_timeout` is given."""
    return {**arguments, "request_timeout": 30} if "timeout" in arguments else arguments


def _documented_value(function: Callable[..., Any], name: str) -> Any:
    """A value for a parameter from the method's docstring: its first valid choice, a boolean when it has a
    boolean default, else a word."""
    doc = inspect.getdoc(function) or ""
    entry = re.search(rf":arg {re.escape(name)}:(.*?)(?=\n\s*:arg |\Z)", doc, re.S)
    text = " ".join(entry.group(1).split()) if entry else ""
    if choices := re.search(r"Valid choices are ([\w, -]+?)\.", text):
        return choices.group(1).split(",")[0].strip()
    default = re.search(r"Default is (\S+?)\.?(?:\s|$)", text)
    if default and default.group(1).lower() in ("true", "false"):
        return True
    if (default and default.group(1).isdigit()) or re.search(r"\b(number|maximum|size)\b", text, re.I):
        return 1
    if re.search(r"\b(whether|if `?true`?|when `?true`?)\b", text, re.I):
        return True
    return "x"


def method_of(client: Any, name: str) -> Callable[..., Any]:
    """A client method by its dotted name (`indices.create`)."""
    target = client
    for part in name.split("."):
        target = getattr(target, part)
    return target


def misrouted(server: MockServer, function: Callable[..., Any], calls: Iterator[tuple[str, dict[str, Any]]],
              sent: list[Sent], handler: Callable[..., Any], refused: type[Exception],
              body_of: Callable[[Any], Any]) -> list[str]:
    """Make every call; describe each whose request did not reach `handler` or got a routing-layer answer.
    `refused` is the client's error for 4xx/5xx answers and `body_of` reads the body of one."""
    failures = []
    for label, arguments in calls:
        sent.clear()
        try:
            answer = function(**arguments)
            body = getattr(answer, "body", answer)
        except refused as error:
            body = body_of(error)
        routed = routed_to(server, sent[-1])
        if routed is not handler or routing_failure(body):
            failures.append(f"{label}: {sent[-1].method} {sent[-1].target} -> "
                            f"{getattr(routed, '__qualname__', routed)}; answer {str(body)[:200]}")
    return failures
