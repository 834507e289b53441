"""results.json: rewritten (atomically) after every event that changes it, so an interrupted run still leaves a
valid file. What no later event changes (records, documented sentences, sources) is serialised once, not on every
rewrite, and the records so far are kept as the bytes of the file's `scenarios` list: a rewrite then costs one copy
of those bytes, not the encoding, joining and copying of every record again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.events import (Event, ResourcesSwept, RunFinished, RunStarted, ScenarioFinished, ScenariosCollected,
                                ScenarioStarted)
from conformance.discovery import scenario_set
from conformance.handlers.files import write_atomic
from conformance.sources import load_sources

FORMAT_VERSION = 1
OUTCOMES = ("passed", "failed", "error", "skipped", "expected-fail")


def documented_sources(ids: set[str]) -> dict[str, dict[str, str]]:
    """The catalogue entries of the given sources, as results.json carries them."""
    return {source.id: {"title": source.title, "product": source.product, "url": source.url,
                        "versions": source.versions}
            for source in load_sources().values() if source.id in ids}


class ResultsJson:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "results.json"
        self.head: dict[str, Any] = {}
        self.scenarios = bytearray()  # the records so far, as in the file: each on a line of its own, comma-separated
        self.encoded: dict[str, str] = {}  # head fields that no longer change, serialised as they appear in the file
        self.implicit: dict[str, dict[str, Any]] = {}

    def handle(self, event: Event) -> None:
        if isinstance(event, ScenarioStarted):
            return  # nothing of it goes into the file
        match event:
            case RunStarted():
                self._start(event)
            case ScenariosCollected(scenario_set=scenario_set, sentences=sentences):
                self.head["scenario_set"] = scenario_set
                self.head["sentences"] = [
                    {"family": family, "source": row.sentence.source, "quote": row.sentence.quote,
                     "verdict": row.sentence.verdict, "note": row.sentence.note or None,
                     "scenarios": list(row.scenarios)}
                    for family, rows in sorted(sentences.items()) for row in rows]
                self.head["sources"] = documented_sources({s["source"] for s in self.head["sentences"]})
                for field in ("scenario_set", "sentences", "sources"):
                    self.encoded[field] = _encode(self.head[field])
            case ScenarioFinished(record=record):
                label = record["target"]
                if label in self.implicit:
                    self._add_target(self.implicit.pop(label))
                counts = self.head["summary"].setdefault(label, dict.fromkeys(OUTCOMES, 0))
                counts[record["outcome"]] += 1
                self.scenarios += (b",\n    " if self.scenarios else b"\n    ") + json.dumps(record).encode()
            case ResourcesSwept(target=label):
                target = self.head["targets"].get(label) or self.implicit.get(label)
                if target is not None:
                    target["leaks"] = {"removed": list(event.removed), "left": list(event.left),
                                       "problems": list(event.problems)}
            case RunFinished(finished=finished, complete=complete):
                self.head["finished"], self.head["complete"] = finished, complete
        self._write()

    def _start(self, event: RunStarted) -> None:
        self.head = {
            "format_version": FORMAT_VERSION, "stopcheck_version": event.stopcheck_version, "run": event.run,
            "started": event.started, "finished": None, "complete": False,
            "scenario_set": scenario_set([]), "targets": {}, "summary": {},
            "expectations": event.expectations, "sentences": [], "sources": {}}
        for target in ({**record, "leaks": None} for record in event.targets):
            if target["label"] in event.implicit:
                self.implicit[target["label"]] = target
            else:
                self._add_target(target)

    def _add_target(self, target: dict[str, Any]) -> None:
        self.head["targets"][target["label"]] = target
        self.head["summary"].setdefault(target["label"], dict.fromkeys(OUTCOMES, 0))

    def _write(self) -> None:
        """The file as `json.dumps(..., indent=2)` would write it, the records each on one line."""
        fields = [f"{json.dumps(key)}: {self.encoded.get(key) or _encode(value)}" for key, value in self.head.items()]
        head = ("{\n  " + ",\n  ".join(fields) + ',\n  "scenarios": [').encode()
        write_atomic(self.path, head + self.scenarios + b"\n  ]\n}\n" if self.scenarios else head + b"]\n}\n")


def _encode(value: Any) -> str:
    """A field's value as it appears in the file: indented by 2, one level deep (JSON strings hold no newline)."""
    return json.dumps(value, indent=2).replace("\n", "\n  ")
