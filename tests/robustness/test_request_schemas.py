"""The request bodies the mock's OpenAPI description declares, from the `$defs` of each family's schema file: the
description stays valid, every body the scenarios send to a route where they expect success fits that route's
schema, and the mock accepts bodies generated from the schemas (`test_generated_bodies.py`)."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from conformance.documents import safe_loader
from conformance.schemas import store
from mockserver.cluster import Cluster
from mockserver.errors import ApiError
from mockserver.openapi import SPECS, _component_ref
from mockserver.routing import Route, Router
from mockserver.settings import MockSettings
from tests.robustness.descriptions import described

FLAVOURS = ("elasticsearch", "opensearch")
_EXPRESSION = re.compile(r"\$\{[^}]*\}")
DESCRIBED = {  # the job families' bodies, by flavour: (method, path) -> component
    "elasticsearch": {("PUT", "/_rollup/job/{id}"): "rollup.put_job_request",
                      ("PUT", "/_ml/data_frame/analytics/{id}"): "ml.put_job_request",
                      ("POST", "/_ml/data_frame/analytics/{id}/_update"): "ml.update_request",
                      ("POST", "/_ml/data_frame/analytics/{id}/_start"): "ml.start_request",
                      ("POST", "/_ml/data_frame/analytics/{id}/_stop"): "ml.stop_request"},
    "opensearch": {("PUT", "/_plugins/_rollup/jobs/{id}"): "opensearch_rollup.put_job_request",
                   ("PUT", "/_opendistro/_rollup/jobs/{id}"): "opensearch_rollup.put_job_request"},
}


def routes(flavour: str) -> list[Route[Any]]:
    return [route for route, _ in Cluster(MockSettings(flavour=flavour)).routes()]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_job_families_bodies_are_described_by_their_schemas(flavour):
    document = described(flavour)  # the validator accepts it: test_openapi.py
    for (method, path), component in DESCRIBED[flavour].items():
        body = document["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{component}"}
        assert component in document["components"]["schemas"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_declared_request_schema_exists(flavour):
    schemas = store()
    for route in routes(flavour):
        if route.request_schema:
            assert schemas.exists(route.request_schema), route.request_schema
            assert _component_ref(route.request_schema).startswith("#/components/schemas/")


def sent_bodies(flavour: str) -> Iterator[tuple[str, Route[Any], Any, list[int]]]:
    """(where, route, body, expected statuses) of every body a scenario sends to a route with a request schema."""
    router = Router([(route, None) for route in routes(flavour)])
    for file in sorted((SPECS / "scenarios").rglob("*.yaml")):
        for step in _steps(safe_loader(file.read_text()).get_single_data()):
            request = step["request"]
            path = _EXPRESSION.sub("x", request["path"]).split("?")[0]
            try:
                route, _ = router.match(request["method"], path.strip("/").split("/"), path)
            except ApiError:  # a route of the other flavour, or one the step means to miss
                continue
            if route.request_schema:
                yield f"{file.parent.name}/{file.name}: {request['method']} {request['path']}", route, \
                    _expanded(request["body"]), _statuses(step)


def _steps(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("request"), dict) and "body" in node["request"]:
            yield node
        for value in node.values():
            yield from _steps(value)
    elif isinstance(node, list):
        for value in node:
            yield from _steps(value)


def _statuses(step: dict[str, Any]) -> list[int]:
    """Every status a step's expectations accept."""
    found: list[int] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            status = node.get("status")
            found.extend(s for s in (status if isinstance(status, list) else [status]) if isinstance(s, int))
            for key, value in node.items():
                if key != "request":
                    collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(step)
    return found


def _expanded(body: Any) -> Any:
    """A body with its `${...}` variables as a scenario run gives them: text within a string; a value that is one
    variable (a captured value of any type) stays as it is, whose errors are left out."""
    if isinstance(body, str):
        return body if _EXPRESSION.fullmatch(body) else _EXPRESSION.sub("x", body)
    if isinstance(body, dict):
        return {key: _expanded(value) for key, value in body.items()}
    if isinstance(body, list):
        return [_expanded(value) for value in body]
    return body


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_bodies_scenarios_expect_to_succeed_fit_their_schemas(flavour):
    schemas = store()
    checked = 0
    for where, route, body, statuses in sent_bodies(flavour):
        if statuses and all(200 <= status < 300 for status in statuses):
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in schemas.errors(route.request_schema, body)
                      if not (isinstance(e.instance, str) and _EXPRESSION.fullmatch(e.instance))]
            assert not errors, (where, errors)
            checked += 1
    assert checked >= 10  # the scenarios do put jobs of each family


def test_bodies_a_real_cluster_refuses_do_not_fit():
    schemas = store()
    refused = {
        "opensearch_rollup.schema.json#/$defs/put_job_request": [
            {"source_index": "x"}, {"rollup": {"source_index": "x"}}, {"a": {}, "b": {}},
            {"rollup": {"schedule": {"interval": {"period": 1, "unit": "Weeks"}}, "description": "", "page_size": 1,
                        "source_index": "a", "target_index": "b",
                        "dimensions": [{"terms": {"source_field": "f"}}]}}],
        "rollup.schema.json#/$defs/put_job_request": [
            {"index_pattern": "*", "rollup_index": "r", "cron": "* * * * * ?", "page_size": 1,
             "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}},
            {"index_pattern": "s", "rollup_index": "R", "cron": "* * * * * ?", "page_size": 1,
             "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}],
        "ml.schema.json#/$defs/put_job_request": [
            {"source": {"index": "s"}, "dest": {"index": "d"}, "analysis": {"regression": {}}},
            {"source": {"index": []}, "dest": {"index": "d"}, "analysis": {"outlier_detection": {}}},
            {"source": {"index": "s"}, "dest": {"index": "d"}, "analysis": {"outlier_detection": {}},
             "model_memory_limit": "512b"}],
    }
    for ref, bodies in refused.items():
        for body in bodies:
            assert schemas.errors(ref, body), (ref, body)
