"""Every method of the official Elasticsearch client's namespaces the mock serves, called with every optional
parameter (all at once and each alone), reaches that API's own handler in the mock: never another route, never
"no handler", never an unrecognized parameter. Methods the mock does not serve are listed with the reason."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import pytest
from elastic_transport import Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch

from mockserver.families.ml import routes as ml
from mockserver.families.rollup import routes as rollup
from mockserver.families.security import routes as security
from mockserver.server import MockServer
from mockserver.settings import MockSettings
from mockserver.version import Version
from tests.mock.client_sweep import SHARED_APIS, Sent, method_of, misrouted, variants

SERVED: dict[str, Callable[..., Any]] = {
    **SHARED_APIS,
    "rollup.put_job": rollup.put_job, "rollup.start_job": rollup.start_job, "rollup.stop_job": rollup.stop_job,
    "rollup.delete_job": rollup.delete_job, "rollup.get_jobs": rollup.get_jobs,
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


def swept_methods() -> list[str]:
    """The client methods in the swept namespaces: rollup and tasks whole, the ML data frame analytics methods,
    the security user and role methods, and the document and index APIs the scenarios and fixtures use."""
    client = Elasticsearch("http://localhost:9200")
    names = set(SHARED_APIS)
    for namespace, keep in (("rollup", ""), ("tasks", ""), ("ml", "data_frame"), ("security", "user"),
                            ("security", "role")):
        names |= {f"{namespace}.{m}" for m, f in inspect.getmembers(getattr(client, namespace), inspect.ismethod)
                  if not m.startswith("_") and m != "perform_request" and keep in m}
    return sorted(names)


def test_every_swept_method_is_served_or_out_of_scope_with_a_reason():
    unaccounted = [m for m in swept_methods() if m not in SERVED and m not in OUT_OF_SCOPE]
    assert unaccounted == []
    assert set(SERVED) | set(OUT_OF_SCOPE) <= set(swept_methods())


@pytest.fixture(scope="module", params=["8.17.0", "9.1.0"])
def mock(request) -> MockServer:
    with MockServer(MockSettings(version=Version.parse(request.param))) as server:
        yield server


def recording_client(server: MockServer) -> tuple[Elasticsearch, list[Sent]]:
    sent: list[Sent] = []
    major = server.cluster.settings.version.major

    class Recorder(Urllib3HttpNode):
        def perform_request(self, method, target, body=None, headers=None, **options):
            if major >= 9:  # the 9.x client sends the same paths with `compatible-with=9` media types
                headers = {k: v.replace("compatible-with=8", "compatible-with=9") for k, v in (headers or {}).items()}
            sent.append(Sent(method, target, body or b"", dict(headers or {})))
            return super().perform_request(method, target, body=body, headers=headers, **options)

    return Elasticsearch(server.url, node_class=Recorder), sent


@pytest.mark.parametrize("name", sorted(SERVED))
def test_every_call_reaches_its_own_handler(mock, name):
    client, sent = recording_client(mock)
    function = method_of(client, name)
    failures = misrouted(mock, function, variants(name, function), sent, SERVED[name], ApiError, lambda e: e.body)
    assert failures == [], "\n".join(failures)
