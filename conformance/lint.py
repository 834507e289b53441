"""`stopcheck lint`: check scenario and catalogue files without running them."""

from __future__ import annotations

from pathlib import Path

from conformance.coverage import normalise
from conformance.loader import LoadError, catalogue_files, load_catalogue, load_scenario, scenario_files


def lint(paths: list[Path], seeds: Path | None) -> list[str]:
    """Every problem found, as `file:line: message`; empty when all is well."""
    problems: list[str] = []
    seen: dict[str, Path] = {}
    seed_texts = {p.name: normalise(p.read_text()) for p in seeds.glob("*.txt")} if seeds else {}
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
        quoted += [(path, d.line, d.seed, d.quote) for d in scenario.docs]
    for path in catalogue_files(paths):
        try:
            quoted += [(path, s.line, s.seed, s.quote) for s in load_catalogue(path)]
        except LoadError as error:
            problems.append(str(error))
    if seed_texts:
        for path, line, seed, quote in quoted:
            if seed not in seed_texts:
                problems.append(f"{path}:{line}: unknown seed document {seed}")
            elif normalise(quote) not in seed_texts[seed]:
                problems.append(f"{path}:{line}: quote not found verbatim in {seed}: {quote[:80]!r}")
    return problems
