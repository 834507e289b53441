"""The rules spec files follow, each a generator of problems: the loader stops at the first, lint reports them all."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from conformance.documents import Document, LoadError, Problem, parse_once
from conformance.matchers import matcher_problem
from conformance.paths import LIBRARY_NAME, SOURCES
from conformance.schemas import store
from conformance.sources import load_sources
from conformance.variables import UndefinedVariable, Variables

PHASES = ("setup", "steps", "teardown")
_READ_ONLY_ACTIONS = ("_search", "_count", "_refresh", "_explain", "_stats", "_mapping")


@dataclass(frozen=True)
class RawStep:
    """A step as written, in the file that holds it (a scenario or the step library it includes)."""

    document: Document
    location: list[Any]
    data: dict[str, Any]

    @property
    def checkable(self) -> bool:
        """Whether the step satisfies the schema, so that its content can be checked further."""
        return self.document.valid(self.location)

    def expectations(self) -> Iterator[tuple[list[Any], dict[str, Any]]]:
        """Each expectation (`expect`, or each `one_of` alternative) with its location."""
        if "expect" in self.data:
            yield self.location + ["expect"], self.data["expect"]
        for i, alternative in enumerate(self.data.get("one_of", ())):
            yield self.location + ["one_of", i], alternative


def scenario_problems(document: Document) -> Iterator[Problem]:
    """Everything wrong with a parsed scenario file, in file order within each rule."""
    yield from document.schema_problems
    data = document.data
    if not isinstance(data, dict):
        return
    requires = data.get("requires") if isinstance(data.get("requires"), dict) else {}
    yield from _specifier_problems(document, ["requires", "version"], requires.get("version"))
    yield from _source_problems(document, ["docs"], data.get("docs"))
    consent = requires.get("consent") if isinstance(requires.get("consent"), list) else ()
    required = requires.get("fixtures") if isinstance(requires.get("fixtures"), list) else ()
    defined = Variables({"run": "", "target": {"flavour": "", "version": ""}})
    steps = [step for phase in PHASES for step in walk_steps(document, [phase], data.get(phase))]
    used = {s.data["fixture"] for s in steps if isinstance(s, RawStep) and isinstance(s.data.get("fixture"), str)}
    for step in steps:
        if isinstance(step, Problem):
            yield step
            continue
        if step.checkable:
            yield from _content_problems(step)
            yield from _safety_problems(step, consent)
            yield from _variable_problems(step, defined, document.path)
            yield from _fixture_problems(step, required, used)
        for name in _captured(step.data):
            defined[name] = _Captured()


def catalogue_problems(document: Document) -> Iterator[Problem]:
    """Everything wrong with a parsed sentence catalogue."""
    yield from document.schema_problems
    yield from _source_problems(document, [], document.data)


def walk_steps(document: Document, location: list[Any], steps: Any) -> Iterator[RawStep | Problem]:
    """The steps of a list in order, with `use:` replaced by the library steps it names (or the problem with it)."""
    if not isinstance(steps, list):
        return
    for i, step in enumerate(steps):
        here = location + [i]
        if not isinstance(step, dict):
            continue
        if "use" not in step:
            yield RawStep(document, here, step)
        elif isinstance(step["use"], str):
            yield from _library_steps(document, here, step["use"])


def _library_steps(document: Document, location: list[Any], name: str) -> Iterator[RawStep | Problem]:
    path = document.path.parent / LIBRARY_NAME
    if not path.is_file():
        yield document.problem(location, f"`use: {name}` needs {path}, which does not exist")
        return
    try:
        library = parse_once(path, "library.schema.json")
    except LoadError as error:
        yield error.problem
        return
    yield from library.schema_problems
    if not isinstance(library.data, dict) or name not in library.data:
        names = ", ".join(sorted(library.data)) if isinstance(library.data, dict) else "nothing"
        yield document.problem(location, f"`use: {name}`: no step list {name!r} in {path} (it has: {names})")
        return
    yield from walk_steps(library, [name], library.data[name])


def _specifier_problems(document: Document, location: list[Any], text: Any) -> Iterator[Problem]:
    if not isinstance(text, str):
        return
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        yield document.problem(location, f"{'/'.join(map(str, location))}: {text!r} is not a version range "
                                         f"(use e.g. \">=8.15,<10\")")


def _source_problems(document: Document, location: list[Any], entries: Any) -> Iterator[Problem]:
    """Each `source` that names no document of specs/sources.yaml."""
    try:
        known = load_sources()
    except LoadError as error:
        yield error.problem
        return
    for i, entry in enumerate(entries if isinstance(entries, list) else ()):
        source = entry.get("source") if isinstance(entry, dict) else None
        if isinstance(source, str) and source not in known:
            yield document.problem(location + [i, "source"], f"unknown source {source!r}: not an id in "
                                                             f"{SOURCES.name} (known: {', '.join(sorted(known))})")


def _content_problems(step: RawStep) -> Iterator[Problem]:
    """Schema references, version ranges and matcher arguments of a step's expectations."""
    document = step.document
    for location, expectation in step.expectations():
        schema = expectation.get("schema")
        if schema is not None and not store().exists(schema):
            yield document.problem(location + ["schema"], f"unknown schema {schema!r}: no such file in "
                                                          f"specs/schemas/ or no such JSON pointer in it")
        yield from _specifier_problems(document, location + ["when", "version"],
                                      expectation.get("when", {}).get("version"))
        for key in ("body", "headers"):
            for path, spec in expectation.get(key, {}).items():
                problem = matcher_problem(spec)
                if problem:
                    yield document.problem(location + [key, path], f"{key} {path}: {problem}")


def _fixture_problems(step: RawStep, required: Iterable[str], used: set[str]) -> Iterator[Problem]:
    """An optional fixture the scenario also requires, and a `when` on a fixture no step of the scenario uses."""
    document, fixture = step.document, step.data.get("fixture")
    if step.data.get("optional") and fixture in required:
        yield document.problem(step.location + ["optional"], f"fixture {fixture} is optional here but listed in "
                                                             f"requires.fixtures: drop one or the other")
    for location, expectation in step.expectations():
        for key, name in expectation.get("when", {}).items():
            if key in ("fixture", "no_fixture") and name not in used:
                yield document.problem(location + ["when", key], f"when.{key}: no step of this scenario uses "
                                                                 f"fixture {name} (misspelt, or a step missing?)")


def _safety_problems(step: RawStep, consent: Iterable[str]) -> Iterator[Problem]:
    """A scenario may change only what it created, unless it asks for a disposable cluster."""
    request = step.data.get("request")
    if request is None or request["method"] in ("GET", "HEAD") or "disposable_cluster" in consent:
        return
    method, path, params = request["method"], request["path"], request.get("params", {})
    segments = path.strip("/").split("/")
    if segments[-1] in _READ_ONLY_ACTIONS:
        return
    if any(_reaches_others(str(text)) for text in segments + list(params.values())):
        yield step.document.problem(step.location, f"{method} {path} can touch resources this suite did not "
                                                   f"create: add `consent: [disposable_cluster]` to requires")
    elif "${" not in json.dumps([path, params, request.get("body"), request.get("ndjson")]):
        yield step.document.problem(step.location, f"{method} {path} names no run-unique resource: use ${{run}} "
                                                   f"or a captured value in its path, params or body")


def _reaches_others(text: str) -> bool:
    """`_all`, or a wildcard not confined to this run's names (`${run}-*` is confined; `*`, `job-*` are not)."""
    return any(p == "_all" or ("*" in p and not p.startswith("${")) for p in text.split(","))


class _Captured(dict):
    """Stands for a value captured at run time: any field of it may exist."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> _Captured:
        return self

    def __str__(self) -> str:
        return ""


def _variable_problems(step: RawStep, defined: Variables, scenario: Path) -> Iterator[Problem]:
    """Each `${name}` the step uses before any earlier step (or the run) defines it."""
    parts = [(step.location + [key], step.data.get(key)) for key in ("request", "args", "capture")]
    parts += [(location + [key], expectation.get(key))
              for location, expectation in step.expectations() for key in ("body", "headers")]
    via = "" if step.document.path == scenario else f" (included by {scenario})"
    for where, value in parts:
        for location, text in _strings(where, value):
            try:
                defined.expand(text)
            except UndefinedVariable as exc:
                yield step.document.problem(location, f"{exc}: neither ${{run}}, ${{target.flavour}}, "
                                                      f"${{target.version}} nor captured by an earlier step{via}")


def _strings(location: list[Any], value: Any) -> Iterator[tuple[list[Any], str]]:
    """Every string in a value, keys included, with its location."""
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(location + [key], key)
            yield from _strings(location + [key], item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(location + [i], item)


def _captured(step: dict[str, Any]) -> list[str]:
    capture = step.get("capture")
    return [name for name in capture if isinstance(name, str)] if isinstance(capture, dict) else []
