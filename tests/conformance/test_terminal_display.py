"""The progress line: per target done/total and failures, and the scenario running longest (a fake clock)."""

from conformance.events import RunStarted, ScenarioFinished, ScenariosCollected, ScenarioStarted
from conformance.handlers.terminal import TerminalDisplay


class Lines:
    def __init__(self):
        self.lines = []

    def write_line(self, line, **markup):
        self.lines.append(line)


def record(scenario, target, outcome):
    return {"id": scenario, "target": target, "outcome": outcome, "expected_failure": None}


def test_progress_lines_show_done_total_failures_and_the_longest_running_scenario():
    now = [0.0]
    reporter = Lines()
    display = TerminalDisplay(reporter, interval=30, clock=lambda: now[0])
    items = {"a[es]": ("a", "es"), "b[es]": ("b", "es"), "a[os]": ("a", "os")}
    display.handle(RunStarted("run", "2026-11-30T00:00:00+00:00", "0.1.0", "reports/run", ()))
    display.handle(ScenariosCollected((), {"digest": "", "count": 2}, items))
    display.handle(ScenarioStarted("a[es]", "a", "es"))
    now[0] = 5
    display.handle(ScenarioStarted("a[os]", "a", "os"))
    display.handle(ScenarioFinished("a[es]", record("a", "es", "failed")))
    assert reporter.lines == [], "nothing before the interval"
    now[0] = 31
    display.handle(ScenarioStarted("b[es]", "b", "es"))
    now[0] = 40
    display.handle(ScenarioFinished("b[es]", record("b", "es", "passed")))
    assert reporter.lines == ["stopcheck: es 2/2 (1 failed), os 0/1; running longest: a on os (35s)"]
