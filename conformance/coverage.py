"""Which documented sentences the scenarios check, and which they do not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from conformance.discovery import scenario_files
from conformance.loader import catalogue_files, load_catalogue, load_scenario, load_sources
from conformance.model import Scenario, Sentence, Source

_MARKS = {"confirmed": " ", "disputed": "~", "contradicted": "!"}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class CoverageRow:
    sentence: Sentence
    scenarios: tuple[str, ...]


def coverage(root: Path) -> list[CoverageRow]:
    scenarios = [load_scenario(p) for p in scenario_files([root])]
    sentences = [s for p in catalogue_files([root]) for s in load_catalogue(p)]
    return [CoverageRow(s, tuple(sorted(sc.id for sc in scenarios if _quotes(sc, s)))) for s in sentences]


def _quotes(scenario: Scenario, sentence: Sentence) -> bool:
    wanted = normalise(sentence.quote)
    return any(d.source == sentence.source and (wanted in normalise(d.quote) or normalise(d.quote) in wanted)
               for d in scenario.docs)


def render(rows: list[CoverageRow], outcomes: dict[str, str] | None = None) -> str:
    """A listing a person reads: each sentence, its verdict and the scenarios checking it (with their outcome in
    a run, when `outcomes` maps scenario ids to outcomes)."""
    lines = ["Legend: ' ' confirmed by real clusters, '~' disputed (docs and code differ), "
             "'!' contradicted by real clusters", ""]
    sources = load_sources()
    source = None
    for row in sorted(rows, key=lambda r: r.sentence.source):
        if row.sentence.source != source:
            source = row.sentence.source
            lines += ["", _heading(sources[source])]
        labels = [f"{sid} ({outcomes.get(sid, 'not run')})" if outcomes is not None else sid for sid in row.scenarios]
        checked = ", ".join(labels) if labels else "NOT COVERED"
        lines.append(f" {_MARKS[row.sentence.verdict]} \"{row.sentence.quote}\"")
        if row.sentence.note:
            lines.append(f"      note: {row.sentence.note}")
        lines.append(f"      checked by: {checked}")
    covered = sum(1 for r in rows if r.scenarios)
    lines += ["", f"{covered}/{len(rows)} documented sentences covered"]
    return "\n".join(lines).lstrip("\n")


def _heading(source: Source) -> str:
    return f"{source.product}: {source.title} ({source.versions}) <{source.url}>"
