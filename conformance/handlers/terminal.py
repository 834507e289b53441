"""What a person watching the run sees, through pytest's own terminal reporter: the targets in the header, a
progress line per target while it runs (done/total, failures so far, the longest-running scenario), and a
summary per target at the end."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from conformance.events import Event, ResourcesSwept, RunFinished, RunStarted, ScenarioFinished, ScenariosCollected
from conformance.events import ScenarioStarted


class TerminalDisplay:
    def __init__(self, reporter: Any, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.reporter = reporter
        self.interval = interval
        self.clock = clock
        self.last_line = clock()
        self.targets: dict[str, dict[str, Any]] = {}
        self.report_dir = ""
        self.run = ""
        self.totals: dict[str, int] = {}
        self.done: dict[str, dict[str, int]] = {}
        self.running: dict[str, tuple[str, str, float]] = {}  # test id -> (scenario, target, started)
        self.stale: list[tuple[str, str]] = []
        self.swept: list[ResourcesSwept] = []

    def handle(self, event: Event) -> None:
        match event:
            case RunStarted(run=run, targets=targets, report_dir=report_dir):
                self.targets = {t["label"]: t for t in targets}
                self.report_dir, self.run = str(report_dir), run
            case ScenariosCollected(items=items):
                for _, label in items.values():
                    self.totals[label] = self.totals.get(label, 0) + 1
            case ScenarioStarted(nodeid=nodeid, scenario=scenario, target=target):
                self.running[nodeid] = (scenario, target, self.clock())
            case ScenarioFinished(nodeid=nodeid, record=record):
                self._finished(nodeid, record)
            case ResourcesSwept():
                self.swept.append(event)
            case RunFinished():
                self.running.clear()

    def _finished(self, nodeid: str, record: dict[str, Any]) -> None:
        self.running.pop(nodeid, None)
        label = record["target"]
        counts = self.done.setdefault(label, {})
        counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
        if record["expected_failure"] and record["expected_failure"]["stale"]:
            self.stale.append((record["id"], label))
        target_done = sum(counts.values()) == self.totals.get(label)
        if target_done or self.clock() - self.last_line >= self.interval:
            self.reporter.write_line(self.progress_line())
            self.last_line = self.clock()

    def progress_line(self) -> str:
        parts = []
        for label, total in self.totals.items():
            counts = self.done.get(label, {})
            failed = counts.get("failed", 0) + counts.get("error", 0)
            parts.append(f"{label} {sum(counts.values())}/{total}" + (f" ({failed} failed)" if failed else ""))
        line = "stopcheck: " + ", ".join(parts)
        if self.running:
            scenario, target, started = min(self.running.values(), key=lambda running: running[2])
            line += f"; running longest: {scenario} on {target} ({self.clock() - started:.0f}s)"
        return line

    def pytest_report_header(self) -> list[str]:
        return [f"stopcheck targets: {', '.join(self.targets) or 'none'}"] + self._problems()

    def _problems(self) -> list[str]:
        return [f"stopcheck: target {label} cannot be used: {t['problem']}"
                for label, t in self.targets.items() if t["problem"]]

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("=", "stopcheck")
        for label, counts in self.done.items():
            target = self.targets.get(label, {})
            shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            terminalreporter.write_line(f"{label} ({target.get('flavour')} {target.get('version')}): {shown}")
        for line in self._problems():
            terminalreporter.write_line(line, red=True)
        for scenario, label in self.stale:
            terminalreporter.write_line(f"stale expectation: {scenario} passed on {label} but is listed as "
                                        f"expected to fail; remove it (stopcheck expectations update)", yellow=True)
        for swept in self.swept:
            self._swept(terminalreporter, swept, self.run)
        terminalreporter.write_line(f"reports: {self.report_dir}")

    @staticmethod
    def _swept(terminalreporter: Any, swept: ResourcesSwept, run: str) -> None:
        if swept.removed:
            terminalreporter.write_line(f"{swept.target}: removed what the run left (ledger.jsonl): "
                                        f"{', '.join(swept.removed)}", yellow=True)
        for problem in swept.problems:
            terminalreporter.write_line(f"{swept.target}: teardown problem: {problem}", red=True)
        if swept.left:
            terminalreporter.write_line(f"{swept.target}: leak check: still there: {', '.join(swept.left)} "
                                        f"(stopcheck cleanup --run {run} removes them)", red=True)
