"""Every method of the official Elasticsearch client's namespaces the mock serves, called with every optional
parameter (all at once and each alone), reaches that API's own handler in the mock: never another route, never
"no handler", never an unrecognized parameter. Methods the mock does not serve are listed with the reason."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import pytest
from elastic_transport import Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch

from mockserver.families.indices import routes as indices
from mockserver.families.ml import routes as ml
from mockserver.families.rollup import routes as rollup
from mockserver.families.security import routes as security
from mockserver.families.tasks import bulk_routes as by_query, routes as tasks
from mockserver.server import MockServer
from mockserver.settings import MockSettings
from tests.mock.client_sweep import Sent, routed_to, routing_failure, variants

SERVED: dict[str, Callable[..., Any]] = {
    "info": __import__("mockserver.families.cluster.routes", fromlist=["root"]).root,
    "index": indices.index_doc, "create": indices.index_doc, "get": indices.get_doc, "delete": indices.delete_doc,
    "bulk": indices.bulk, "search": indices.search, "count": indices.count,
    "indices.refresh": indices.refresh, "indices.create": indices.create_index, "indices.delete": indices.delete_index,
    "indices.exists": indices.index_exists, "indices.get_mapping": indices.get_mapping,
    "indices.put_alias": indices.put_alias, "indices.get_alias": indices.get_alias,
    "indices.put_template": indices.put_template, "indices.get_template": indices.get_template,
    "indices.delete_template": indices.delete_template, "indices.exists_template": indices.template_exists,
    "reindex": by_query.reindex, "update_by_query": by_query.update_by_query,
    "delete_by_query": by_query.delete_by_query,
    "rollup.put_job": rollup.put_job, "rollup.start_job": rollup.start_job, "rollup.stop_job": rollup.stop_job,
    "rollup.delete_job": rollup.delete_job, "rollup.get_jobs": rollup.get_jobs,
    "tasks.list": tasks.list_tasks, "tasks.get": tasks.get_task, "tasks.cancel": tasks.cancel_tasks,
    "ml.put_data_frame_analytics": ml.put, "ml.get_data_frame_analytics": ml.get,
    "ml.get_data_frame_analytics_stats": ml.stats, "ml.start_data_frame_analytics": ml.start,
    "ml.stop_data_frame_analytics": ml.stop, "ml.delete_data_frame_analytics": ml.delete,
    "ml.update_data_frame_analytics": ml.update,
    "security.put_user": security.put_user, "security.delete_user": security.delete_user,
    "security.put_role": security.put_role, "security.delete_role": security.delete_role,
}
OUT_OF_SCOPE: dict[str, str] = {
    "rollup.get_rollup_caps": "rollup capabilities are not emulated",
    "rollup.get_rollup_index_caps": "rollup capabilities are not emulated",
    "rollup.rollup_search": "searching rollup indices through the rollup endpoint is not emulated",
    "ml.evaluate_data_frame": "evaluation runs no job; not emulated",
    "ml.explain_data_frame_analytics": "memory estimation is not emulated",
    "ml.preview_data_frame_analytics": "preview runs no job; not emulated",
    "security.get_user": "reading users back is not emulated (scenarios only create them)",
    "security.get_role": "reading roles back is not emulated (scenarios only create them)",
    "security.enable_user": "user state changes are not emulated",
    "security.disable_user": "user state changes are not emulated",
    "security.get_user_privileges": "privilege introspection is not emulated",
    "security.clear_cached_roles": "the mock has no role cache",
    "security.bulk_put_role": "bulk role APIs are not emulated",
    "security.bulk_delete_role": "bulk role APIs are not emulated",
    "security.query_role": "role queries are not emulated",
    "security.query_user": "user queries are not emulated",
    "security.delete_role_mapping": "role mappings are not emulated",
    "security.get_role_mapping": "role mappings are not emulated",
    "security.put_role_mapping": "role mappings are not emulated",
    "security.activate_user_profile": "user profiles are not emulated",
    "security.disable_user_profile": "user profiles are not emulated",
    "security.enable_user_profile": "user profiles are not emulated",
    "security.get_user_profile": "user profiles are not emulated",
    "security.has_privileges_user_profile": "user profiles are not emulated",
    "security.suggest_user_profiles": "user profiles are not emulated",
    "security.update_user_profile_data": "user profiles are not emulated",
}
DOCUMENT_APIS = ("info", "index", "create", "get", "delete", "bulk", "search", "count", "reindex",
                 "update_by_query", "delete_by_query", "indices.refresh", "indices.create", "indices.delete",
                 "indices.exists", "indices.get_mapping", "indices.put_alias", "indices.get_alias",
                 "indices.put_template", "indices.get_template", "indices.delete_template", "indices.exists_template")


def swept_methods() -> list[str]:
    """The client methods in the swept namespaces: rollup and tasks whole, the ML data frame analytics methods,
    the security user and role methods, and the document and index APIs the scenarios and fixtures use."""
    client = Elasticsearch("http://localhost:9200")
    names = set(DOCUMENT_APIS)
    for namespace, keep in (("rollup", ""), ("tasks", ""), ("ml", "data_frame"), ("security", "user"),
                            ("security", "role")):
        names |= {f"{namespace}.{m}" for m, f in inspect.getmembers(getattr(client, namespace), inspect.ismethod)
                  if not m.startswith("_") and m != "perform_request" and keep in m}
    return sorted(names)


def _method(client: Elasticsearch, name: str) -> Callable[..., Any]:
    target: Any = client
    for part in name.split("."):
        target = getattr(target, part)
    return target


def test_every_swept_method_is_served_or_out_of_scope_with_a_reason():
    unaccounted = [m for m in swept_methods() if m not in SERVED and m not in OUT_OF_SCOPE]
    assert unaccounted == []
    assert set(SERVED) | set(OUT_OF_SCOPE) <= set(swept_methods())


@pytest.fixture(scope="module")
def mock() -> MockServer:
    with MockServer(MockSettings()) as server:
        yield server


def recording_client(server: MockServer) -> tuple[Elasticsearch, list[Sent]]:
    sent: list[Sent] = []

    class Recorder(Urllib3HttpNode):
        def perform_request(self, method, target, body=None, headers=None, **options):
            sent.append(Sent(method, target, body or b"", dict(headers or {})))
            return super().perform_request(method, target, body=body, headers=headers, **options)

    return Elasticsearch(server.url, node_class=Recorder), sent


@pytest.mark.parametrize("name", sorted(SERVED))
def test_every_call_reaches_its_own_handler(mock, name):
    client, sent = recording_client(mock)
    function = _method(client, name)
    failures = []
    for label, arguments in variants(name, function):
        sent.clear()
        try:
            answer = function(**arguments)
            body = answer.body if hasattr(answer, "body") else None
        except ApiError as error:
            body = error.body
        handler = routed_to(mock, sent[-1])
        if handler is not SERVED[name] or routing_failure(body):
            failures.append(f"{label}: {sent[-1].method} {sent[-1].target} -> "
                            f"{getattr(handler, '__qualname__', handler)}; answer {str(body)[:200]}")
    assert failures == [], "\n".join(failures)
