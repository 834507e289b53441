"""coverage.txt: each documented sentence of the run's families with the outcomes of the scenarios checking it."""

from __future__ import annotations

from pathlib import Path

from conformance.coverage import CoverageRow, render
from conformance.events import Event, RunFinished, ScenarioFinished, ScenariosCollected
from conformance.handlers.files import write_atomic


class CoverageText:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "coverage.txt"
        self.rows: list[CoverageRow] = []
        self.outcomes: dict[str, dict[str, list[str]]] = {}  # scenario id -> outcome -> target labels

    def handle(self, event: Event) -> None:
        match event:
            case ScenariosCollected(sentences=sentences):
                self.rows = [row for rows in sentences.values() for row in rows]
            case ScenarioFinished(record=record):
                by_outcome = self.outcomes.setdefault(record["id"], {})
                by_outcome.setdefault(record["outcome"], []).append(record["target"])
            case RunFinished() if self.rows:
                write_atomic(self.path, render(self.rows, {sid: _describe(o) for sid, o in self.outcomes.items()})
                             + "\n")


def _describe(by_outcome: dict[str, list[str]]) -> str:
    """`passed`, or where outcomes differ between targets: `passed on A, B; failed on C`."""
    if len(by_outcome) == 1:
        return next(iter(by_outcome))
    return "; ".join(f"{outcome} on {', '.join(labels)}" for outcome, labels in sorted(by_outcome.items()))
