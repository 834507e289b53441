"""`stopcheck lint`: every problem of every spec file in one pass, without running anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from conformance.checks import catalogue_problems, scenario_problems
from conformance.coverage import normalise
from conformance.documents import Document, LoadError, Problem, parse
from conformance.discovery import scenario_files
from conformance.loader import catalogue_files, load_sources
from conformance.model import Source
from conformance.paths import SCENARIOS, SOURCES, SOURCES_DIR_VARIABLE
from conformance.sources import sources_problems


def lint(paths: list[Path], originals: Path | None = None) -> list[Problem]:
    """Every problem found, each once; empty when all is well.

    Scenario quotes are checked against the sentence catalogues (the project's and any among `paths`); with
    `originals`, a folder of the documents the catalogues were taken from, the catalogues are checked against them."""
    problems: dict[Problem, None] = {}
    problems.update(dict.fromkeys(_file_problems(SOURCES, "sources.schema.json", sources_problems)[1]))
    scenarios = []
    for path in scenario_files(paths):
        document, found = _file_problems(path, "scenario.schema.json", scenario_problems)
        problems.update(dict.fromkeys(found))
        if document is not None and isinstance(document.data, dict):
            scenarios.append(document)
    catalogues = []
    for path in catalogue_files(paths):
        document, found = _file_problems(path, "sentences.schema.json", catalogue_problems)
        problems.update(dict.fromkeys(found))
        catalogues += [document] if document is not None else []
    problems.update(dict.fromkeys(_duplicate_ids(scenarios)))
    problems.update(dict.fromkeys(_uncatalogued_quotes(scenarios, catalogues + _project_catalogues(catalogues))))
    if originals is not None:
        problems.update(dict.fromkeys(_unfaithful_sentences(catalogues, originals)))
    return sorted(problems, key=lambda p: (str(p.path), p.line))


def render(problem: Problem, style: str = "text") -> str:
    """`file:line: message`, or a GitHub Actions error annotation."""
    if style == "text":
        return str(problem)
    path = problem.path.resolve()
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    return f"::error file={_escape(str(shown), True)},line={problem.line}::{_escape(problem.message)}"


def _escape(text: str, in_property: bool = False) -> str:
    """GitHub workflow-command escaping: `%`, CR and LF always; `:` and `,` inside properties too."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if in_property else text


def _file_problems(path: Path, schema: str, rules: Callable[[Document], Iterator[Problem]]
                   ) -> tuple[Document | None, list[Problem]]:
    try:
        document = parse(path, schema)
    except LoadError as error:
        return None, [error.problem]
    return document, list(rules(document))


def _project_catalogues(linted: list[Document]) -> list[Document]:
    """The project's sentence catalogues not among those linted, for looking quotes up (their problems are theirs)."""
    paths = {document.path.resolve() for document in linted}
    found = []
    for path in catalogue_files([SCENARIOS]):
        if path.resolve() not in paths:
            found += _file_problems(path, "sentences.schema.json", catalogue_problems)[:1]
    return [document for document in found if document is not None]


def _entries(document: Document, key: Any) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    """The `{source, quote}` entries of a scenario's docs (key "docs") or of a catalogue (key None)."""
    entries = document.data.get(key) if key else document.data
    for i, entry in enumerate(entries if isinstance(entries, list) else ()):
        location = ([key] if key else []) + [i]
        if isinstance(entry, dict) and isinstance(entry.get("source"), str) and isinstance(entry.get("quote"), str):
            yield location, entry


def _duplicate_ids(scenarios: Iterable[Document]) -> Iterator[Problem]:
    seen: dict[str, Path] = {}
    for document in scenarios:
        scenario_id = document.data.get("id")
        if scenario_id in seen:
            yield document.problem(["id"], f"duplicate scenario id {scenario_id!r} (also in {seen[scenario_id]})")
        elif isinstance(scenario_id, str):
            seen[scenario_id] = document.path


def _uncatalogued_quotes(scenarios: Iterable[Document], catalogues: Iterable[Document]) -> Iterator[Problem]:
    """Each scenario quote that is not part of a catalogue sentence of the same source."""
    known = _known_sources()
    sentences: dict[str, list[str]] = {}
    for catalogue in catalogues:
        for _, entry in _entries(catalogue, None):
            sentences.setdefault(entry["source"], []).append(normalise(entry["quote"]))
    for document in scenarios:
        for location, entry in _entries(document, "docs"):
            source, quote = entry["source"], normalise(entry["quote"])
            if source not in sentences:
                if source in known:
                    yield document.problem(location + ["source"], f"no sentence catalogue lists {source}")
            elif not any(quote in sentence for sentence in sentences[source]):
                yield document.problem(location + ["quote"], f"quote not in any sentence catalogue entry of "
                                                             f"{source}: {entry['quote'][:80]!r}")


def _known_sources() -> dict[str, Source]:
    try:
        return load_sources()
    except LoadError:
        return {}  # reported with the source catalogue's problems


def _unfaithful_sentences(catalogues: Iterable[Document], originals: Path) -> Iterator[Problem]:
    """Each catalogue sentence that is not verbatim in the original document it says it quotes."""
    if not originals.is_dir():
        yield Problem(originals, 1, f"${SOURCES_DIR_VARIABLE} names no folder")
        return
    sources = _known_sources()
    texts: dict[str, str] = {}
    for catalogue in catalogues:
        for location, entry in _entries(catalogue, None):
            source = sources.get(entry["source"])
            if source is None:
                continue
            original = originals / source.file
            if source.id not in texts:
                texts[source.id] = normalise(original.read_text(encoding="utf-8")) if original.is_file() else ""
            if not texts[source.id]:
                yield catalogue.problem(location + ["source"], f"{source.id}: no {original} to check against")
            elif normalise(entry["quote"]) not in texts[source.id]:
                yield catalogue.problem(location + ["quote"], f"quote not found verbatim in {source.id} "
                                                              f"({source.file}): {entry['quote'][:80]!r}")
