"""The runner: steps, captures, polling, alternatives, skips and teardown."""

from pathlib import Path
from textwrap import dedent

import pytest

from conformance.loader import load_scenario
from conformance.runner import run_scenario
from conformance.targets.base import TargetClock
from tests.conformance.fakes import ScriptedTarget

HEAD = """\
id: demo.runner.case
title: Runner behaviour under test
docs:
  - source: es-rollup-stop-job
    quote: If you try to stop a job that does not exist, an exception occurs.
requires:
  flavour: elasticsearch
"""


def scenario(tmp_path: Path, body: str):
    folder = tmp_path / "scenarios" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "case.yaml"
    path.write_text(HEAD + dedent(body))
    return load_scenario(path)


STEPS = """\
setup:
  - request: {method: PUT, path: "/${run}-index"}
    expect: {status: 200}
    capture: {made: index}
steps:
  - name: stop the job
    request: {method: POST, path: "/_rollup/job/${made}/_stop"}
    expect: {status: 404, body: {error.type: resource_not_found_exception}}
teardown:
  - request: {method: DELETE, path: "/${run}-index"}
    expect: {status: [200, 404]}
"""


def test_captured_values_flow_into_later_steps_and_teardown_runs(tmp_path):
    def answer(request):
        if request.method == "PUT":
            return 200, {"index": "captured-name"}
        if request.method == "POST":
            return 404, {"error": {"type": "resource_not_found_exception"}}
        return 200, {}

    target = ScriptedTarget(answer)
    result = run_scenario(scenario(tmp_path, STEPS), target)
    assert result.outcome == "passed", result.failed_step
    assert [r.method for r in target.sent] == ["PUT", "POST", "DELETE"]
    assert target.sent[1].path == "/_rollup/job/captured-name/_stop"
    assert target.sent[0].path == f"/{result.prefix}-index" == target.sent[2].path


def test_a_failed_step_stops_the_scenario_but_teardown_still_runs(tmp_path):
    target = ScriptedTarget(lambda r: (200, {"index": "x", "stopped": True}))
    result = run_scenario(scenario(tmp_path, STEPS), target)
    assert result.outcome == "failed"
    assert result.failed_step.name == "stop the job"
    assert result.failed_step.problems[0] == "status: expected 404, got 200"
    assert "body error.type: expected \"resource_not_found_exception\", got <absent>" in result.failed_step.problems
    assert target.sent[-1].method == "DELETE"


def test_setup_failure_is_an_error_and_skips_the_steps(tmp_path):
    target = ScriptedTarget(lambda r: (500, {}))
    result = run_scenario(scenario(tmp_path, STEPS), target)
    assert result.outcome == "error"
    assert [r.method for r in target.sent] == ["PUT", "DELETE"]
    assert result.teardown_problems[0].problems == ["status: expected [200, 404], got 500"]


class RecordingClock(TargetClock):
    """A target's clock that only moves when the runner waits on it, and keeps each wait."""

    def __init__(self) -> None:
        self.moment, self.pauses = 0.0, []

    def now(self) -> float:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.moment += seconds


def test_eventually_polls_soon_then_less_often_up_to_its_interval_until_the_expectation_holds(tmp_path):
    states = iter(["stopping"] * 7 + ["stopped"])
    clock = RecordingClock()
    target = ScriptedTarget(lambda r: (200, {"state": next(states)}), clock=clock)
    result = run_scenario(scenario(tmp_path, """\
        steps:
          - request: {method: GET, path: /_rollup/job}
            eventually: {timeout: 10s, interval: 250ms}
            expect: {body: {state: stopped}}
        """), target)
    assert result.outcome == "passed" and result.steps[0].attempts == 8
    assert clock.pauses == pytest.approx([0.01, 0.02, 0.04, 0.08, 0.16, 0.25, 0.25])


def test_eventually_gives_up_at_its_deadline(tmp_path):
    target = ScriptedTarget(lambda r: (200, {"state": "stopping"}))
    result = run_scenario(scenario(tmp_path, """\
        steps:
          - request: {method: GET, path: /_rollup/job}
            eventually: {timeout: 50ms, interval: 10ms}
            expect: {body: {state: stopped}}
        """), target)
    assert result.outcome == "failed"
    assert result.failed_step.problems[0].startswith("still not as expected after")
    assert result.failed_step.attempts >= 2


ONE_OF = """\
steps:
  - request: {method: POST, path: "/_rollup/job/${run}/_stop"}
    one_of:
      - {status: 200, body: {stopped: true}}
      - {when: {version: "<9"}, status: 500, body: {error.type: timeout_exception}}
      - {when: {version: ">=9"}, status: 429, body: {error.type: timeout_exception}}
"""


def test_one_of_accepts_any_alternative_that_applies_to_the_target(tmp_path):
    timeout = (429, {"error": {"type": "timeout_exception"}})
    assert run_scenario(scenario(tmp_path, ONE_OF), ScriptedTarget(lambda r: timeout, version="9.1.0")).outcome == "passed"
    result = run_scenario(scenario(tmp_path, ONE_OF), ScriptedTarget(lambda r: timeout, version="8.17.0"))
    assert result.outcome == "failed"
    assert result.failed_step.problems[0] == "none of the 2 allowed outcomes matched:"


def test_requirements_the_target_lacks_skip_with_the_reason(tmp_path):
    target = ScriptedTarget(lambda r: (200, {}), flavour="opensearch")
    result = run_scenario(scenario(tmp_path, STEPS), target)
    assert (result.outcome, result.reason) == ("skipped", "needs elasticsearch; target scripted is opensearch")
    assert target.sent == []


def test_scenarios_needing_a_fixture_skip_on_targets_without_it(tmp_path):
    requires_fixture = "  fixtures: [slow_stop]\n"  # continues the `requires:` mapping that HEAD ends with
    loaded = scenario(tmp_path, requires_fixture + STEPS)
    result = run_scenario(loaded, ScriptedTarget(lambda r: (200, {})))
    assert result.outcome == "skipped" and "provides no fixture(s) slow_stop" in result.reason


def test_fixture_steps_reach_the_adapter_and_missing_fixtures_skip(tmp_path):
    text = """\
        steps:
          - fixture: slow_stop
            args: {job_id: "${run}-job"}
            capture: {job: made.job_id}
          - request: {method: GET, path: "/_rollup/job/${job}"}
            expect: {status: 200}
        """
    loaded = scenario(tmp_path, text)
    target = ScriptedTarget(lambda r: (200, {}), fixtures=frozenset({"slow_stop"}))
    result = run_scenario(loaded, target)
    assert result.outcome == "passed"
    assert target.fixtures_used == [("slow_stop", {"job_id": f"{result.prefix}-job"})]
    assert target.sent[0].path == f"/_rollup/job/{result.prefix}-job"


OPTIONAL_FIXTURE = """\
steps:
  - fixture: slow_stop
    optional: true
    args: {job_id: "${run}-job"}
  - request: {method: POST, path: "/_rollup/job/${run}-job/_stop"}
    one_of:
      - {when: {fixture: slow_stop}, status: 500, body: {error.type: timeout_exception}}
      - {when: {no_fixture: slow_stop}, status: 200, body: {stopped: true}}
"""
TIMED_OUT = (500, {"error": {"type": "timeout_exception"}})
STOPPED = (200, {"stopped": True})


def test_an_optional_fixture_runs_where_the_target_provides_it_and_picks_its_alternatives(tmp_path):
    loaded = scenario(tmp_path, OPTIONAL_FIXTURE)
    target = ScriptedTarget(lambda r: TIMED_OUT, fixtures=frozenset({"slow_stop"}))
    result = run_scenario(loaded, target)
    assert result.outcome == "passed", result.reason
    assert target.fixtures_used == [("slow_stop", {"job_id": f"{result.prefix}-job"})]
    assert (result.steps[0].attempts, result.steps[0].skipped) == (1, "")
    failed = run_scenario(loaded, ScriptedTarget(lambda r: STOPPED, fixtures=frozenset({"slow_stop"})))
    assert failed.outcome == "failed", "only the `when: {fixture: ...}` alternative applies with the fixture"


def test_an_optional_fixture_is_skipped_with_its_reason_where_the_target_lacks_it(tmp_path):
    loaded = scenario(tmp_path, OPTIONAL_FIXTURE)
    target = ScriptedTarget(lambda r: STOPPED)
    result = run_scenario(loaded, target)
    assert result.outcome == "passed", result.reason
    assert target.fixtures_used == []
    skipped = result.steps[0]
    assert skipped.ok and skipped.attempts == 0
    assert skipped.skipped == "target scripted provides no fixture slow_stop"
    assert skipped.as_record()["skipped"] == "target scripted provides no fixture slow_stop"
    assert run_scenario(loaded, ScriptedTarget(lambda r: TIMED_OUT)).outcome == "failed", \
        "only the `when: {no_fixture: ...}` alternative applies without the fixture"


def test_a_teardown_step_naming_what_was_never_captured_is_skipped_not_an_error(tmp_path):
    loaded = scenario(tmp_path, """\
        steps:
          - name: start a job
            request: {method: PUT, path: "/_rollup/job/${run}-job"}
            expect: {status: 200}
            capture: {job: id}
        teardown:
          - name: stop the job it started
            request: {method: POST, path: "/_rollup/job/${job}/_stop"}
            expect: {status: 200}
          - request: {method: DELETE, path: "/${run}-index"}
            expect: {status: [200, 404]}
        """)
    target = ScriptedTarget(lambda r: (500, {}) if r.method == "PUT" else (200, {}))
    result = run_scenario(loaded, target)
    assert result.outcome == "failed" and result.teardown_problems == []
    stop = result.steps[1]
    assert (stop.name, stop.attempts, stop.problems) == ("stop the job it started", 0, [])
    assert stop.skipped.startswith("nothing to clean up:") and "job" in stop.skipped
    assert [r.method for r in target.sent] == ["PUT", "DELETE"]
