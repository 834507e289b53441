"""Loads scenario and catalogue files into the validated model, with errors that name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from conformance.checks import PHASES, RawStep, catalogue_problems, scenario_problems, walk_steps
from conformance.documents import LoadError, Problem, parse
from conformance.durations import seconds
from conformance.file_versions import once_per_version
from conformance.model import DocRef, Expectation, Polling, RequestSpec, Requirements, Scenario, Sentence, Step
from conformance.paths import CATALOGUE_NAME
from conformance.sources import load_sources

__all__ = ["LoadError", "load_scenarios", "load_scenario", "load_catalogue", "load_sources", "catalogue_files"]


def _refuse(problems: Iterator[Problem]) -> None:
    """Raise the first problem, if any: running needs a sound file, and one clear error says why not."""
    problem = next(problems, None)
    if problem is not None:
        raise LoadError.of(problem)


def load_scenarios(path: Path, dialect: str | None = None, api_spec: Path | None = None) -> list[Scenario]:
    """The scenarios of a file: a stopcheck scenario, or a peer test file in its dialect (judged by content, or
    named by `dialect`), which gives one scenario per upstream test or story (`api_spec`: see `dialects.load`)."""
    from conformance import dialects  # imported here: only peer files need the dialects' libraries

    if dialect is None:
        dialect = dialects.detect(path)
    return dialects.load(path, dialect, api_spec=api_spec) if dialect else [load_scenario(path)]


@once_per_version(maxsize=1024)
def load_scenario(path: Path) -> Scenario:
    """A stopcheck scenario file, checked; read once per version of the file (a run collects it, then lists the
    documented sentences it covers)."""
    document = parse(path, "scenario.schema.json")
    _refuse(scenario_problems(document))
    data = document.data
    requires = data["requires"]
    return Scenario(
        id=data["id"], title=data["title"], path=path, line=1,
        docs=tuple(DocRef(d["source"], d["quote"], d.get("note", ""), document.line(["docs", i, "quote"]))
                   for i, d in enumerate(data["docs"])),
        requires=Requirements(requires["flavour"], requires.get("version", ""),
                              tuple(requires.get("features", ())), tuple(requires.get("fixtures", ())),
                              tuple(requires.get("consent", ()))),
        **{phase: tuple(_step(s) for s in walk_steps(document, [phase], data.get(phase, []))) for phase in PHASES},
    )


def _step(raw: RawStep | Problem) -> Step:
    assert isinstance(raw, RawStep), raw  # a checked scenario's steps all resolve
    data, line, file = raw.data, raw.document.line(raw.location), raw.document.path
    name = data.get("name", "")
    if "fixture" in data:
        return Step(name or f"fixture {data['fixture']}", line, file, fixture=data["fixture"],
                    fixture_args=data.get("args", {}), capture=data.get("capture", {}),
                    optional=data.get("optional", False))
    request = data["request"]
    spec = RequestSpec(request["method"], request["path"], request.get("params", {}), request.get("body"),
                       request.get("ndjson"), request.get("headers", {}))
    expectations = tuple(_expectation(raw_expectation) for _, raw_expectation in raw.expectations()) \
        or (Expectation(),)
    polling = None
    if "eventually" in data:
        polling = Polling(seconds(data["eventually"].get("timeout", "30s")),
                          seconds(data["eventually"].get("interval", "250ms")))
    return Step(name or f"{spec.method} {spec.path}", line, file, request=spec, expectations=expectations,
                capture=data.get("capture", {}), eventually=polling)


def _expectation(raw: dict[str, Any]) -> Expectation:
    status = raw.get("status", ())
    return Expectation(status=(status,) if isinstance(status, int) else tuple(status), schema=raw.get("schema"),
                       body=raw.get("body", {}), headers=raw.get("headers", {}), when=raw.get("when", {}))


def load_catalogue(path: Path) -> list[Sentence]:
    document = parse(path, "sentences.schema.json")
    _refuse(catalogue_problems(document))
    return [Sentence(s["source"], s["quote"], s.get("verdict", "confirmed"), s.get("note", ""),
                     document.line([i, "quote"])) for i, s in enumerate(document.data)]


def catalogue_files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found += sorted(path.rglob(CATALOGUE_NAME)) if path.is_dir() else [path] * (path.name == CATALOGUE_NAME)
    return found
