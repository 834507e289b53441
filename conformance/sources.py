"""The source catalogue, specs/sources.yaml: the documents the scenarios check, by id."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from conformance.documents import Document, LoadError, Problem, parse_once
from conformance.model import Source
from conformance import paths


def load_sources(path: Path | None = None) -> dict[str, Source]:
    """The documents by id (of `conformance.paths.SOURCES` by default); a `LoadError` names the first problem of a
    broken catalogue."""
    document = parse_once(path or paths.SOURCES, "sources.schema.json")
    problem = next(sources_problems(document), None)
    if problem is not None:
        raise LoadError.of(problem)
    return {entry["id"]: Source(**entry) for entry in document.data}


def sources_problems(document: Document) -> Iterator[Problem]:
    """Everything wrong with a parsed source catalogue: its schema, and ids used twice."""
    yield from document.schema_problems
    seen: set[str] = set()
    for i, entry in enumerate(document.data if isinstance(document.data, list) else ()):
        source = entry.get("id") if isinstance(entry, dict) else None
        if source in seen:
            yield document.problem([i, "id"], f"duplicate source id {source!r}")
        seen.add(source)
