"""results.json: rewritten (atomically) after every event, so an interrupted run still leaves a valid file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.events import Event, ResourcesSwept, RunFinished, RunStarted, ScenarioFinished, ScenariosCollected
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
        self.records: list[str] = []  # each record serialised once, not on every rewrite
        self.implicit: dict[str, dict[str, Any]] = {}

    def handle(self, event: Event) -> None:
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
            case ScenarioFinished(record=record):
                label = record["target"]
                if label in self.implicit:
                    self._add_target(self.implicit.pop(label))
                counts = self.head["summary"].setdefault(label, dict.fromkeys(OUTCOMES, 0))
                counts[record["outcome"]] += 1
                self.records.append(json.dumps(record))
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
        head = json.dumps(self.head, indent=2)
        scenarios = ",\n    ".join(self.records)
        body = f'[\n    {scenarios}\n  ]' if self.records else "[]"
        write_atomic(self.path, f'{head[:-2]},\n  "scenarios": {body}\n}}\n')
