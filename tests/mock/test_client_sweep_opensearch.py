"""Every method of opensearch-py's namespaces the OpenSearch flavour serves (plugins.rollups, tasks, and the
document and index APIs), called with every query parameter (all at once and each alone), reaches that API's own
handler in the mock. Methods the mock does not serve are listed with the reason."""

from __future__ import annotations

import inspect
from typing import Any, Callable
from urllib.parse import urlencode

import pytest
from opensearchpy import OpenSearch, TransportError, Urllib3HttpConnection

from mockserver.families.opensearch_rollup import routes as rollups
from mockserver.server import MockServer
from mockserver.settings import MockSettings
from tests.mock.client_sweep import SHARED_APIS, Sent, method_of, misrouted, opensearch_variants

SERVED: dict[str, Callable[..., Any]] = {
    **SHARED_APIS,
    "plugins.rollups.put": rollups.put_job, "plugins.rollups.get": rollups.get_job,
    "plugins.rollups.delete": rollups.delete_job, "plugins.rollups.start": rollups.start_job,
    "plugins.rollups.stop": rollups.stop_job, "plugins.rollups.explain": rollups.explain_jobs,
}
OUT_OF_SCOPE: dict[str, str] = {}  # every method of the swept namespaces is served
BODIES: dict[str, Any] = {
    "index": {"message": "hello"}, "create": {"message": "hello"},
    "bulk": [{"index": {"_index": "logs"}}, {"message": "hello"}],
    "delete_by_query": {"query": {"match_all": {}}}, "indices.put_template": {"index_patterns": ["logs*"]},
    "cluster.put_settings": {"persistent": {"xpack.ml.max_lazy_ml_nodes": 1}},
    "reindex": {"source": {"index": "logs"}, "dest": {"index": "logs-copy"}},
    "plugins.rollups.put": {"rollup": {
        "source_index": "logs", "target_index": "logs-rollup", "enabled": False, "page_size": 10,
        "schedule": {"interval": {"period": 1, "unit": "Minutes", "start_time": 1700000000000}},
        "description": "sweep", "delay": 0, "continuous": False,
        "dimensions": [{"date_histogram": {"source_field": "@timestamp", "fixed_interval": "1h"}}],
        "metrics": [{"source_field": "value", "metrics": [{"max": {}}]}]}},
}
# without its task id, tasks.get is a list (GET /_tasks); the alias APIs take the index and alias in the path here; the forms that carry them in the body are not served
PATHS = {"indices.put_alias": ("index", "name"), "tasks.get": ("task_id",)}


def swept_methods() -> list[str]:
    client = OpenSearch("http://localhost:9200")
    names = set(SHARED_APIS)
    for namespace, target in (("plugins.rollups", client.plugins.rollups), ("tasks", client.tasks)):
        names |= {f"{namespace}.{m}" for m, _ in inspect.getmembers(target, inspect.ismethod) if not m.startswith("_")}
    return sorted(names)


def test_every_swept_method_is_served_or_out_of_scope_with_a_reason():
    assert [m for m in swept_methods() if m not in SERVED and m not in OUT_OF_SCOPE] == []
    assert set(SERVED) | set(OUT_OF_SCOPE) <= set(swept_methods())


@pytest.fixture(scope="module")
def mock() -> MockServer:
    with MockServer(MockSettings(flavour="opensearch")) as server:
        yield server


def recording_client(server: MockServer) -> tuple[OpenSearch, list[Sent]]:
    sent: list[Sent] = []

    class Recorder(Urllib3HttpConnection):
        def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
            target = f"{url}?{urlencode(params)}" if params else url
            sent.append(Sent(method, target, body or b"", {**self.headers, **(headers or {})}))
            return super().perform_request(method, url, params, body, timeout, ignore, headers)

    return OpenSearch(server.url, connection_class=Recorder), sent


@pytest.mark.parametrize("name", sorted(SERVED))
def test_every_call_reaches_its_own_handler(mock, name):
    client, sent = recording_client(mock)
    function = method_of(client, name)
    calls = opensearch_variants(name, function, BODIES, PATHS.get(name, ()))
    failures = misrouted(mock, function, calls, sent, SERVED[name], TransportError, lambda e: e.info)
    assert failures == [], "\n".join(failures)
