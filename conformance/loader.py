"""Loads scenario and catalogue files into the validated model, with errors that name file and line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from conformance.durations import seconds
from conformance.matchers import matcher_problem
from conformance.model import (DocRef, Expectation, Polling, RequestSpec, Requirements, Scenario, Sentence, Source,
                               Step)
from conformance.paths import CATALOGUE_NAME, LIBRARY_NAME, NOT_SCENARIOS, SOURCES
from conformance.schemas import store

DEFAULT_POLLING = Polling(timeout=30.0, interval=0.25)
_READ_ONLY_ACTIONS = ("_search", "_count", "_refresh", "_explain", "_stats", "_mapping")


class LoadError(Exception):
    """A malformed scenario or catalogue file: where and what."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class _Document:
    path: Path
    node: yaml.Node
    data: Any

    def line(self, location: Iterable[Any]) -> int:
        """The 1-based line of the value at a path of keys and indices (the closest existing parent)."""
        node = self.node
        for key in location:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if k.value == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                found = node.value[key]
            else:
                found = None
            if found is None:
                break
            node = found
        return node.start_mark.line + 1

    def error(self, location: Iterable[Any], message: str) -> LoadError:
        return LoadError(self.path, self.line(location), message)


def _parse(path: Path) -> _Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, 1, f"cannot read file: {exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        hint = ""
        if "${" in text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else False:
            hint = " (inside { } flow mappings, quote values that contain ${...})"
        raise LoadError(path, line, f"YAML syntax error: {exc.problem or exc}{hint}") from None
    except yaml.YAMLError as exc:
        raise LoadError(path, 1, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise LoadError(path, 1, "the file is empty")
    return _Document(path, node, data)


def _validate(document: _Document, schema: str) -> None:
    error = store().first_error(schema, document.data)
    if error is None:
        return
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    raise document.error(error.absolute_path, f"{where}: {_describe(error)}")


def _describe(error: Any) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        kinds = "a request step (`request:`) or a fixture step (`fixture:`)"
        return f"not a valid step: expected {kinds}; {_deepest(error)}"
    return error.message


def _deepest(error: Any) -> str:
    context = sorted(error.context, key=lambda e: -len(e.absolute_path))
    return context[0].message if context else error.message


def load_scenario(path: Path) -> Scenario:
    document = _parse(path)
    _validate(document, "scenario.schema.json")
    data = document.data
    requires = data["requires"]
    _check_sources(document, "docs", data["docs"])
    _check_specifier(document, ["requires", "version"], requires.get("version"))
    scenario = Scenario(
        id=data["id"], title=data["title"], path=path, line=1,
        docs=tuple(DocRef(d["source"], d["quote"], d.get("note", ""), document.line(["docs", i, "quote"]))
                   for i, d in enumerate(data["docs"])),
        requires=Requirements(requires["flavour"], requires.get("version", ""),
                              tuple(requires.get("features", ())), tuple(requires.get("fixtures", ())),
                              tuple(requires.get("consent", ()))),
        setup=_steps(document, "setup"), steps=_steps(document, "steps"), teardown=_steps(document, "teardown"),
    )
    _check_safety(scenario)
    return scenario


def _check_specifier(document: _Document, location: list[Any], text: str | None) -> None:
    if text is None:
        return
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise document.error(location, f"{'/'.join(map(str, location))}: {text!r} is not a version range "
                                       f"(use e.g. \">=8.15,<10\")") from None


def _steps(document: _Document, phase: str) -> tuple[Step, ...]:
    return _step_list(document, [phase], document.data.get(phase, []))


def _step_list(document: _Document, location: list[Any], raw_steps: list[dict[str, Any]]) -> tuple[Step, ...]:
    steps: list[Step] = []
    for i, raw in enumerate(raw_steps):
        if "use" in raw:
            library, library_location, included = _library_steps(document, location + [i], raw["use"])
            steps += _step_list(library, library_location, included)
        else:
            steps.append(_step(document, location + [i], raw))
    return tuple(steps)


@lru_cache(maxsize=64)
def _library(path: Path, mtime_ns: int, size: int) -> _Document:
    """A validated step library, parsed once per version of the file however many scenarios `use` it."""
    library = _parse(path)
    _validate(library, "library.schema.json")
    return library


def _library_steps(document: _Document, location: list[Any], name: str) -> tuple[_Document, list[Any], Any]:
    path = document.path.parent / LIBRARY_NAME
    if not path.is_file():
        raise document.error(location, f"`use: {name}` needs {path}, which does not exist")
    stat = path.stat()
    library = _library(path, stat.st_mtime_ns, stat.st_size)
    if name not in library.data:
        raise document.error(location, f"`use: {name}`: no step list {name!r} in {path} "
                                       f"(it has: {', '.join(sorted(library.data))})")
    return library, [name], library.data[name]


def _step(document: _Document, location: list[Any], raw: dict[str, Any]) -> Step:
    line = document.line(location)
    name = raw.get("name", "")
    if "fixture" in raw:
        return Step(name or f"fixture {raw['fixture']}", line, document.path, fixture=raw["fixture"],
                    fixture_args=raw.get("args", {}), capture=raw.get("capture", {}))
    request = raw["request"]
    spec = RequestSpec(request["method"], request["path"], request.get("params", {}), request.get("body"),
                       request.get("ndjson"), request.get("headers", {}))
    alternatives = [raw["expect"]] if "expect" in raw else raw.get("one_of", [{}])
    expectations = tuple(_expectation(document, location + (["expect"] if "expect" in raw else ["one_of", i]), alt)
                         for i, alt in enumerate(alternatives))
    polling = None
    if "eventually" in raw:
        polling = Polling(seconds(raw["eventually"].get("timeout", "30s")),
                          seconds(raw["eventually"].get("interval", "250ms")))
    return Step(name or f"{spec.method} {spec.path}", line, document.path, request=spec, expectations=expectations,
                capture=raw.get("capture", {}), eventually=polling)


def _expectation(document: _Document, location: list[Any], raw: dict[str, Any]) -> Expectation:
    status = raw.get("status", ())
    schema = raw.get("schema")
    if schema is not None and not store().exists(schema):
        raise document.error(location + ["schema"], f"unknown schema {schema!r}: no such file in specs/schemas/ "
                                                    f"or no such JSON pointer in it")
    when = raw.get("when", {})
    _check_specifier(document, location + ["when", "version"], when.get("version"))
    for key in ("body", "headers"):
        for path, spec in raw.get(key, {}).items():
            problem = matcher_problem(spec)
            if problem:
                raise document.error(location + [key, path], f"{key} {path}: {problem}")
    return Expectation(status=(status,) if isinstance(status, int) else tuple(status), schema=schema,
                       body=raw.get("body", {}), headers=raw.get("headers", {}), when=when)


def _check_safety(scenario: Scenario) -> None:
    """A scenario may change only what it created, unless it asks for a disposable cluster."""
    if "disposable_cluster" in scenario.requires.consent:
        return
    for step in scenario.setup + scenario.steps + scenario.teardown:
        request = step.request
        if request is None or request.method in ("GET", "HEAD"):
            continue
        segments = request.path.strip("/").split("/")
        if segments[-1] in _READ_ONLY_ACTIONS:
            continue
        params = [str(v) for v in request.params.values()]
        if any(_reaches_others(text) for text in segments + params):
            raise LoadError(step.file, step.line, f"{request.method} {request.path} can touch resources this suite "
                                                  f"did not create: add `consent: [disposable_cluster]` to requires")
        if "${" not in json.dumps([request.path, request.params, request.body, request.ndjson]):
            raise LoadError(step.file, step.line, f"{request.method} {request.path} names no run-unique resource: "
                                                  f"use ${{run}} or a captured value in its path, params or body")


def _reaches_others(text: str) -> bool:
    """`_all`, or a wildcard not confined to this run's names (`${run}-*` is confined; `*`, `job-*` are not)."""
    parts = text.split(",")
    return any(p == "_all" or ("*" in p and not p.startswith("${")) for p in parts)


def load_sources(path: Path = SOURCES) -> dict[str, Source]:
    """The documentation sources by id (specs/sources.yaml unless told otherwise)."""
    stat = path.stat() if path.is_file() else None
    return _sources(path, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=4)
def _sources(path: Path, mtime_ns: int, size: int) -> dict[str, Source]:
    document = _parse(path)
    _validate(document, "sources.schema.json")
    sources: dict[str, Source] = {}
    for i, entry in enumerate(document.data):
        if entry["id"] in sources:
            raise document.error([i, "id"], f"duplicate source id {entry['id']!r}")
        sources[entry["id"]] = Source(**entry)
    return sources


def _check_sources(document: _Document, key: str | None, entries: list[dict[str, Any]]) -> None:
    """Every `source` names a document of the source catalogue."""
    sources = load_sources()
    for i, entry in enumerate(entries):
        if entry["source"] not in sources:
            location = ([key] if key else []) + [i, "source"]
            raise document.error(location, f"unknown source {entry['source']!r}: not an id in {SOURCES.name} "
                                           f"(known: {', '.join(sources)})")


def load_catalogue(path: Path) -> list[Sentence]:
    document = _parse(path)
    _validate(document, "sentences.schema.json")
    _check_sources(document, None, document.data)
    return [Sentence(s["source"], s["quote"], s.get("verdict", "confirmed"), s.get("note", ""),
                     document.line([i, "quote"])) for i, s in enumerate(document.data)]


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """Every scenario file under the given files and folders (catalogues excluded)."""
    found: list[Path] = []
    for path in paths:
        candidates = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
        found += [p for p in candidates if p.suffix in (".yaml", ".yml") and p.name not in NOT_SCENARIOS]
    return found


def catalogue_files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found += sorted(path.rglob(CATALOGUE_NAME)) if path.is_dir() else [path] * (path.name == CATALOGUE_NAME)
    return found
