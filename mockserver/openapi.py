"""An OpenAPI 3.1 description of what a mock cluster serves, generated from its route table.

Paths and methods come from the routes, parameters from their declared parsers (each parser describes the values
it accepts as a JSON Schema, `params.json_schema`; the parameters every route takes are described once, in the
components, as are the error answers every route shares), request bodies from their body policy and the schema the route
declares (`Route.request_schema`, a definition in its family's file in `specs/schemas/`). Response bodies come
from the JSON Schemas in `specs/schemas/`: a route's successful answers are described by the schemas the
scenarios assert for that route, and every error by the real error envelope or the routing layer's plain shape.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml
from jsonschema import Draft202012Validator

from mockserver.params import ALWAYS_ACCEPTED, Param, boolean, json_schema, string
from mockserver.errors import ApiError
from mockserver.routing import Body, Route, Router
from mockserver.settings import MockSettings
from mockserver.timevalue import TimeValue

SPECS = Path(__file__).resolve().parent.parent / "specs"
_EXPRESSION = re.compile(r"\$\{[^}]*\}")
_ENVELOPE = "#/components/schemas/error.envelope"
_ROUTING = "#/components/schemas/error.routing"
_SHARED_RESPONSES = {  # the answers most routes give alike, described once in the components
    "success": ("success", {}),
    "not_found": ("not found: the error envelope, or the lookup's own body without an error (`{}`, "
                  "`{\"found\": false}`)",
                  {"anyOf": [{"$ref": _ENVELOPE}, {"type": "object", "not": {"required": ["error"]}}]}),
    "client_error": ("the error envelope, or the routing layer's plain 405 / no handler",
                     {"anyOf": [{"$ref": _ENVELOPE}, {"$ref": _ROUTING}]}),
    "server_error": ("an error a real cluster answers with a 5xx (e.g. a timeout)", {"$ref": _ENVELOPE}),
}
_JSON = "application/json"
LIBRARY = "library.yaml"  # a folder's shared step lists
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where installed: the scenarios parse ~10x faster
# the parameters every route takes besides its own (`ALWAYS_ACCEPTED`), described where their type is known
_COMMON = {"pretty": boolean, "human": boolean, "error_trace": boolean}

Link = tuple[str, str]  # (method, path as a scenario sends it)


def document(routes: Iterable[Route[Any]], settings: MockSettings, specs: Path = SPECS) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these routes on a cluster with these settings."""
    routes = list(routes)
    answers = _scenario_answers(Router([(route, None) for route in routes]), specs, settings.flavour)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(_openapi_path(route), {})[route.method.lower()] = _operation(route, answers.get(id(route), {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": f"stopcheck mock ({settings.product} {settings.version})", "version": str(settings.version),
                 "description": "The job-lifecycle APIs the stopcheck mock cluster serves, as its route table "
                                "declares them."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": _components(specs / "schemas"),
            "parameters": {name: _parameter(name, "query", Param(name, _COMMON.get(name, string)))
                           for name in sorted(ALWAYS_ACCEPTED)},
            "responses": {name: _json_response(*answer) for name, answer in _SHARED_RESPONSES.items()},
        },
    }


# operations -----------------------------------------------------------------------------------------------------
def _openapi_path(route: Route[Any]) -> str:
    return "/" + "/".join(route.segments)


def _operation(route: Route[Any], answers: dict[int, set[str]]) -> dict[str, Any]:
    declared = {param.name: param for param in route.params}
    placeholders = [name for _, name in route.placeholders]
    parameters = [_parameter(name, "path", declared.get(name)) for name in placeholders]
    parameters += [_parameter(param.name, "query", param) for param in route.params if param.name not in placeholders]
    parameters += [{"$ref": f"#/components/parameters/{name}"} for name in sorted(ALWAYS_ACCEPTED - declared.keys())]
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()}{_openapi_path(route)}",
        "parameters": parameters,
        "responses": _responses(route, answers),
    }
    if route.action:
        operation["description"] = f"Transport action `{route.action}`."
    if route.body is not Body.NONE:
        operation["requestBody"] = _request_body(route)
    return operation


def _parameter(name: str, where: str, param: Param | None) -> dict[str, Any]:
    schema = dict(json_schema(param.parse)) if param else {"type": "string"}
    if where == "path":
        schema.setdefault("minLength", 1)  # an empty segment is another path
    elif param is not None and (default := _json_value(param.default)) is not None:
        if Draft202012Validator(schema).is_valid(default):  # a default outside the values the parser describes
            schema["default"] = default                     # (unlimited, a sentinel) is not a value to send
    described: dict[str, Any] = {"name": name, "in": where, "required": where == "path", "schema": schema}
    if schema.get("type") == "array":
        described |= {"style": "form" if where == "query" else "simple", "explode": False}
    return described


def _json_value(value: Any) -> Any:
    """A parameter's default as JSON, or None when it has no JSON form (absent, unlimited)."""
    if isinstance(value, TimeValue):
        return value.string_rep()
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (bool, int, float, str)) else None


def _request_body(route: Route[Any]) -> dict[str, Any]:
    """The body the route's policy takes, described by the schema the route declares (any object without one)."""
    if route.body is Body.NDJSON:
        return {"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}
    schema = {"$ref": _component_ref(route.request_schema)} if route.request_schema else {"type": "object"}
    return {"required": route.body is Body.REQUIRED, "content": {_JSON: {"schema": schema}}}


def _responses(route: Route[Any], answers: dict[int, set[str]]) -> dict[str, Any]:
    if route.method == "HEAD":  # the status is the answer
        return {"2XX": {"description": "found"}, "4XX": {"description": "not found, or refused"},
                "5XX": {"description": "an error a real cluster answers with a 5xx"}}
    responses: dict[str, Any] = {}
    for status, refs in sorted(answers.items()):
        schemas = [{"$ref": _component_ref(ref)} for ref in sorted(refs)]
        responses[str(status)] = _json_response(f"{status} as the scenarios assert it",
                                                schemas[0] if len(schemas) == 1 else {"anyOf": schemas})
    if not any(200 <= status < 300 for status in answers):
        responses["2XX"] = {"$ref": "#/components/responses/success"}
    responses.setdefault("404", {"$ref": "#/components/responses/not_found"})
    responses["4XX"] = {"$ref": "#/components/responses/client_error"}
    responses["5XX"] = {"$ref": "#/components/responses/server_error"}
    return responses


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


# the schemas the scenarios assert, linked to the routes they reach -------------------------------------------
def _scenario_answers(router: Router, specs: Path, flavour: str) -> dict[int, dict[int, set[str]]]:
    """For each route (by id), the schema references the scenarios of this flavour assert for its answers, by
    status."""
    answers: dict[int, dict[int, set[str]]] = {}
    for (method, path), status, ref in _asserted_schemas(specs / "scenarios", flavour):
        try:
            route, _ = router.match(method, _EXPRESSION.sub("x", path).split("?")[0].strip("/").split("/"), path)
        except ApiError:  # a step on a route of another flavour, or one that is meant to fail routing
            continue
        answers.setdefault(id(route), {}).setdefault(status, set()).add(ref)
    return answers


@lru_cache(maxsize=4)
def _asserted_schemas(scenarios: Path, flavour: str) -> tuple[tuple[Link, int, str], ...]:
    """(request, status, schema) of every step a scenario of this flavour runs with an asserted schema; a step
    library counts for the flavours of the scenarios beside it."""
    found: list[tuple[Link, int, str]] = []
    for folder in sorted({file.parent for file in scenarios.rglob("*.yaml")}):
        documents = {file.name: yaml.load(file.read_text(), Loader=_YAML_LOADER)
                     for file in sorted(folder.glob("*.yaml"))}
        scenarios_here = [doc for name, doc in documents.items() if name != LIBRARY and isinstance(doc, dict)]
        for name, doc in documents.items():
            if _runs_on(flavour, scenarios_here if name == LIBRARY else [doc]):
                found += _schemas_of_steps(doc)
    return tuple(found)


def _runs_on(flavour: str, scenarios: list[Any]) -> bool:
    def required(scenario: Any) -> Any:
        requires = scenario.get("requires") if isinstance(scenario, dict) else None
        return requires.get("flavour", flavour) if isinstance(requires, dict) else flavour

    return any(required(scenario) == flavour for scenario in scenarios)


def _schemas_of_steps(document: Any) -> list[tuple[Link, int, str]]:
    found = []
    for step in _dicts(document, lambda node: "request" in node):
        request = step["request"]
        if not isinstance(request, dict) or "method" not in request or "path" not in request:
            continue
        expected = {key: value for key, value in step.items() if key != "request"}
        for expectation in _dicts(expected, lambda node: isinstance(node.get("schema"), str) and "status" in node):
            statuses = expectation["status"]
            for status in statuses if isinstance(statuses, list) else [statuses]:
                if isinstance(status, int) and not expectation["schema"].startswith("error.schema.json"):
                    found.append(((request["method"], request["path"]), status, expectation["schema"]))
    return found


def _dicts(node: Any, keep: Callable[[dict[str, Any]], bool]) -> Iterator[dict[str, Any]]:
    """Every mapping nested in a YAML document that `keep` accepts, outermost first."""
    if isinstance(node, dict):
        if keep(node):
            yield node
        for value in node.values():
            yield from _dicts(value, keep)
    elif isinstance(node, list):
        for value in node:
            yield from _dicts(value, keep)


# components: every definition of specs/schemas/*.schema.json, named <file>.<definition> ------------------------
def _component_ref(ref: str) -> str:
    """`rollup.schema.json#/$defs/job` -> `#/components/schemas/rollup.job` (a whole file: its root)."""
    file, _, pointer = ref.partition("#")
    stem = file.removesuffix(".schema.json")
    name = pointer.removeprefix("/$defs/") if pointer else ""
    return f"#/components/schemas/{stem}.{name}" if name else f"#/components/schemas/{stem}"


@lru_cache(maxsize=4)
def _cached_components(directory: Path) -> str:
    components: dict[str, Any] = {}
    for file in sorted(directory.glob("*.schema.json")):
        schema = json.loads(file.read_text())
        for name, definition in schema.pop("$defs", {}).items():
            components[f"{file.name.removesuffix('.schema.json')}.{name}"] = _relinked(definition, file.name)
        if "$ref" in schema:  # a file whose root is one of its definitions (error.schema.json: the envelope)
            components[file.name.removesuffix(".schema.json")] = _relinked({"$ref": schema["$ref"]}, file.name)
    return json.dumps(components)


def _components(directory: Path) -> dict[str, Any]:
    return json.loads(_cached_components(directory))  # a fresh copy for each document


def _relinked(node: Any, file: str) -> Any:
    """A schema with its `$ref`s pointing into the components (a local `#/$defs/x` is one of its own file)."""
    if isinstance(node, dict):
        return {key: (_component_ref(file + value if value.startswith("#") else value) if key == "$ref" else
                      _relinked(value, file)) for key, value in node.items()}
    if isinstance(node, list):
        return [_relinked(value, file) for value in node]
    return node
