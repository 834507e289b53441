"""Adding an API family touches three places only: a scenario folder, a schema file and a mock package (plus the
entry of its document in the source catalogue).

This test follows docs/architecture.md ("Adding an API family") for a toy family, with all three places in a
temporary folder: the package is found by discovery (it sits on `mockserver.families.__path__`), its route is
served, its fixture listed, and its scenario runs green against the mock through the conformance plugin."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap

import pytest

import conformance.paths
import mockserver.families
from conformance.cli import plugin_options
from conformance.paths import SCHEMAS, SOURCES
from tests.nested_runs import NESTED_RUN_OPTIONS

PACKAGE = {
    "__init__.py": '''
        """A toy family: a counter per name."""

        from mockserver.families.toy.models import Counters
        from mockserver.families.toy.routes import ROUTES, reset
        from mockserver.family import Family

        FAMILY = Family(name="toy", create_state=lambda environment: Counters(), routes=ROUTES,
                        fixtures={"toy_reset": reset})
    ''',
    "models.py": '''
        from mockserver.errors import ResourceNotFound
        from mockserver.family import Hooks


        class Counters(Hooks):
            def __init__(self) -> None:
                self.counts: dict[str, int] = {}

            def bump(self, name: str) -> int:
                if name.startswith("_"):
                    raise ResourceNotFound(f"no counter [{name}]")
                self.counts[name] = self.counts.get(name, 0) + 1
                return self.counts[name]
    ''',
    "routes.py": '''
        from typing import Any

        from mockserver.families.toy.models import Counters
        from mockserver.params import Param, boolean
        from mockserver.routing import Call, Route


        async def bump(call: Call[Counters]) -> dict[str, Any]:
            count = call.state.bump(call.path_params["name"])
            return {"name": call.path_params["name"], "count": count, "loud": call.params["loud"]}


        def reset(counters: Counters, args: dict[str, Any]) -> dict[str, Any]:
            counters.counts.clear()
            return {"reset": True}


        ROUTES = (Route("POST", "/_toy/{name}/_bump", bump, params=(Param("loud", boolean, False),)),)
    ''',
}
SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "toy.schema.json", "type": "object",
          "required": ["name", "count", "loud"], "properties": {"count": {"type": "integer", "minimum": 1}}}
SOURCE = """\
- id: toy-counters
  product: Elasticsearch
  title: Counters API
  versions: any
  url: https://example.com/toy/counters
  format: markdown
  file: toy-counters.md
"""
SENTENCES = """\
- source: toy-counters
  quote: Bumping a counter answers its new count.
"""
SCENARIO = """\
id: toy.bump
title: Bumping a counter twice answers 1 then 2
docs:
  - source: toy-counters
    quote: Bumping a counter answers its new count.
requires:
  flavour: elasticsearch
steps:
  - name: first bump
    request: {method: POST, path: "/_toy/${run}-c/_bump"}
    expect: {status: 200, schema: toy.schema.json, body: {count: 1, loud: false}}
  - name: second bump, loudly
    request: {method: POST, path: "/_toy/${run}-c/_bump", params: {loud: "true"}}
    expect: {status: 200, schema: toy.schema.json, body: {count: 2, loud: true}}
  - name: a bad parameter is the real 400
    request: {method: POST, path: "/_toy/${run}-c/_bump", params: {loud: maybe}}
    expect: {status: 400, body: {error.type: illegal_argument_exception}}
"""


@pytest.fixture
def toy_checkout(pytester, monkeypatch):
    """The three places, and nothing else: the mock package, the schema file and the scenario folder."""
    root = pytester.path
    package = root / "families" / "toy"
    package.mkdir(parents=True)
    for name, text in PACKAGE.items():
        (package / name).write_text(textwrap.dedent(text).lstrip())
    schemas = root / "specs" / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    (schemas / "toy.schema.json").write_text(json.dumps(SCHEMA))
    scenarios = root / "specs" / "scenarios" / "toy"
    scenarios.mkdir(parents=True)
    (scenarios / "sentences.yaml").write_text(SENTENCES)
    (scenarios / "bump.yaml").write_text(SCENARIO)

    sources = root / "specs" / "sources.yaml"
    sources.write_text(SOURCES.read_text() + SOURCE)

    monkeypatch.setattr(mockserver.families, "__path__", [*mockserver.families.__path__, str(root / "families")])
    monkeypatch.setattr(conformance.paths, "SCHEMAS", schemas)
    monkeypatch.setattr(conformance.paths, "SOURCES", sources)
    yield scenarios
    for name in [n for n in sys.modules if n.startswith("mockserver.families.toy")]:
        del sys.modules[name]


def test_a_toy_family_is_discovered_served_and_checked(pytester, toy_checkout):
    result = pytester.runpytest_inprocess(str(toy_checkout / "bump.yaml"), "--stopcheck", "-p", "no:cacheprovider",
                                          *NESTED_RUN_OPTIONS, *plugin_options(), "--stopcheck-target", "mock")
    result.assert_outcomes(passed=1)


def test_the_toy_family_offers_its_fixture_and_typed_errors(toy_checkout, start_mock):
    from urllib.request import Request, urlopen

    server = start_mock()
    with urlopen(f"{server.url}/_stopcheck/fixtures") as response:
        assert "toy_reset" in json.load(response)["fixtures"]
    with pytest.raises(Exception) as missing:
        urlopen(Request(f"{server.url}/_toy/_hidden/_bump", method="POST"))
    assert missing.value.code == 404
    assert json.load(missing.value)["error"]["reason"] == "no counter [_hidden]"
