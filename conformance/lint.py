"""`stopcheck lint`: check scenario and catalogue files without running them."""

from __future__ import annotations

from pathlib import Path

from conformance.coverage import normalise
from conformance.loader import LoadError, catalogue_files, load_catalogue, load_scenario, load_sources, scenario_files
from conformance.model import Sentence
from conformance.paths import SCENARIOS, SOURCES_DIR_VARIABLE


def lint(paths: list[Path], originals: Path | None = None) -> list[str]:
    """Every problem found, as `file:line: message`; empty when all is well.

    Scenario quotes are checked against the sentence catalogues; with `originals` (a folder of the documents the
    catalogues were taken from), the catalogues are checked against those documents too."""
    problems: list[str] = []
    seen: dict[str, Path] = {}
    quoted: list[tuple[Path, int, str, str]] = []
    for path in scenario_files(paths):
        try:
            scenario = load_scenario(path)
        except LoadError as error:
            problems.append(str(error))
            continue
        if scenario.id in seen:
            problems.append(f"{path}:1: duplicate scenario id {scenario.id!r} (also in {seen[scenario.id]})")
        seen[scenario.id] = path
        quoted += [(path, d.line, d.source, d.quote) for d in scenario.docs]
    catalogue: dict[Path, list[Sentence]] = {}
    for path in dict.fromkeys(catalogue_files([SCENARIOS, *paths])):
        try:
            catalogue[path] = load_catalogue(path)
        except LoadError as error:
            problems.append(str(error))
    sentences: dict[str, list[str]] = {}
    for entries in catalogue.values():
        for sentence in entries:
            sentences.setdefault(sentence.source, []).append(normalise(sentence.quote))
    for path, line, source, quote in quoted:
        if not any(normalise(quote) in sentence for sentence in sentences.get(source, ())):
            problems.append(f"{path}:{line}: quote not in the sentence catalogue of {source}: {quote[:80]!r}")
    if originals is not None:
        problems += _against_originals(catalogue, originals)
    return problems


def _against_originals(catalogue: dict[Path, list[Sentence]], originals: Path) -> list[str]:
    if not originals.is_dir():
        return [f"{originals}:1: ${SOURCES_DIR_VARIABLE} names no folder"]
    texts = {}
    for source in load_sources().values():
        original = originals / source.file
        texts[source.id] = normalise(original.read_text(encoding="utf-8")) if original.is_file() else None
    problems = []
    for path, entries in catalogue.items():
        for sentence in entries:
            text = texts[sentence.source]
            if text is None:
                problems.append(f"{path}:{sentence.line}: no {originals / load_sources()[sentence.source].file} "
                                f"to check {sentence.source} against")
            elif normalise(sentence.quote) not in text:
                problems.append(f"{path}:{sentence.line}: quote not found verbatim in {sentence.source}: "
                                f"{sentence.quote[:80]!r}")
    return problems
