"""The OpenAPI description of the mock: generated from the route table, accepted by a real validator, served
by the mock and printed by `stopcheck mock --openapi`."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from conformance.cli import main
from mockserver.cluster import Cluster
from mockserver.params import ALWAYS_ACCEPTED, json_schema
from mockserver.settings import MockSettings
from tests.robustness.descriptions import described as _document


def _parameters(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An operation's parameters by name, those shared by every route looked up in the components."""
    shared = document["components"]["parameters"]
    parameters = [shared[p["$ref"].removeprefix("#/components/parameters/")] if "$ref" in p else p
                  for p in operation["parameters"]]
    return {p["name"]: p for p in parameters}


@pytest.mark.slow
@pytest.mark.parametrize("flavour", ["elasticsearch", "opensearch"])
def test_the_validator_accepts_the_description(flavour):
    from openapi_spec_validator import validate  # a fifth of a second to import, for this test only

    validate(_document(flavour))


@pytest.mark.parametrize("flavour", ["elasticsearch", "opensearch"])
def test_every_route_and_declared_parameter_is_described_with_its_parser_type(flavour):
    settings = MockSettings(flavour=flavour)
    document = _document(flavour)
    for route, _ in Cluster(settings).routes():
        operation = document["paths"]["/" + "/".join(route.segments)][route.method.lower()]
        described = _parameters(document, operation)
        assert described.keys() >= ALWAYS_ACCEPTED
        for param in route.params:
            schema = described[param.name]["schema"]
            assert {k: v for k, v in schema.items() if k not in ("default", "minLength")} == json_schema(param.parse)


def test_defaults_types_and_linked_response_schemas_of_a_stop():
    document = _document("elasticsearch")
    stop = document["paths"]["/_rollup/job/{id}/_stop"]["post"]
    params = _parameters(document, stop)
    assert params["id"] == {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
    assert params["timeout"]["schema"]["default"] == "30s"
    assert params["wait_for_completion"]["schema"] == {"type": "boolean", "default": False}
    assert params["pretty"] == {"name": "pretty", "in": "query", "required": False, "schema": {"type": "boolean"}}
    assert stop["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/rollup.stop_response"}
    assert "requestBody" not in stop


def test_lists_are_comma_separated_and_bodies_follow_the_body_policy():
    paths = _document("elasticsearch")["paths"]
    nodes = next(p for p in paths["/_tasks"]["get"]["parameters"] if p["name"] == "nodes")
    assert (nodes["schema"]["type"], nodes["style"], nodes["explode"]) == ("array", "form", False)
    assert paths["/_rollup/job/{id}"]["put"]["requestBody"]["required"] is True


def test_errors_are_the_envelope_and_refs_resolve_into_the_components():
    described = _document("opensearch")
    schemas = described["components"]["schemas"]
    assert set(schemas["error.envelope"]["required"]) == {"error", "status"}
    refs = set()

    def collect(node):
        if isinstance(node, dict):
            refs.update(v for k, v in node.items() if k == "$ref")
            [collect(v) for v in node.values()]
        elif isinstance(node, list):
            [collect(v) for v in node]

    collect(described)
    assert refs and all(ref.startswith("#/components/") for ref in refs)
    for ref in refs:  # each names a component of its kind
        _, _, kind, name = ref.split("/", 3)
        assert name in described["components"][kind], ref


def test_the_mock_serves_the_description_the_command_prints(es_mock, capsys):
    with urllib.request.urlopen(f"{es_mock.url}/_stopcheck/openapi.json") as response:
        served = json.load(response)
    assert main(["mock", "--openapi"]) == 0
    printed = capsys.readouterr().out
    assert served == json.loads(printed) == _document("elasticsearch"), "the description the validator accepts"
