"""Runs one scenario against a target: setup, steps, then teardown, always."""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from conformance.expectations import applies, problems
from conformance.matchers import MISSING, resolve
from conformance.model import Expectation, Scenario, Step
from conformance.requirements import unmet
from conformance.targets.base import Request, Response, Target, TargetError, TargetInfo
from conformance.variables import UndefinedVariable, Variables, run_prefix

# An `eventually` step's first retry comes this soon; each later pause is twice the last, up to the step's interval
# (as Elasticsearch's own `assertBusy` polls): a state reached in a few milliseconds is seen in a few milliseconds.
FIRST_RETRY_SECONDS = 0.01


@dataclass
class StepRecord:
    """What one step did: its last exchange and, if it failed or was skipped, why."""

    phase: str
    index: int
    name: str
    file: str
    line: int
    request: Request | None = None
    response: Response | None = None
    problems: list[str] = field(default_factory=list)
    attempts: int = 0
    skipped: str = ""  # the reason an optional fixture step did not run; not a problem

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_record(self) -> dict[str, Any]:
        return {"phase": self.phase, "index": self.index, "name": self.name, "file": self.file, "line": self.line,
                "attempts": self.attempts, "problems": self.problems, "skipped": self.skipped or None,
                "request": self.request.as_record() if self.request else None,
                "response": self.response.as_record() if self.response else None}


@dataclass
class ScenarioResult:
    scenario: Scenario
    target: TargetInfo
    prefix: str
    outcome: str = "passed"  # passed | failed | error | skipped
    reason: str = ""
    failed_step: StepRecord | None = None
    teardown_problems: list[StepRecord] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    duration: float = 0.0
    traceback: str | None = None  # an unexpected exception of stopcheck itself (a bug, reported as `error`)


class _StepFailed(Exception):
    def __init__(self, record: StepRecord) -> None:
        super().__init__(record.name)
        self.record = record


def run_scenario(scenario: Scenario, target: Target, prefix: str | None = None) -> ScenarioResult:
    """Always a result: a failed step is `failed` (`error` in setup), and an unexpected exception is `error` with
    its traceback; teardown runs in every case, even on an interrupt. `prefix` is the `${run}` of the scenario
    (default: a fresh one)."""
    info = target.info
    result = ScenarioResult(scenario, info, prefix or run_prefix())
    reason = unmet(scenario.requires, info)
    if reason:
        result.outcome, result.reason = "skipped", reason
        return result
    variables = Variables({"run": result.prefix, "target": {"flavour": info.flavour, "version": info.version}})
    started = time.monotonic()
    try:
        for phase in ("setup", "steps"):
            for index, step in enumerate(getattr(scenario, phase)):
                record = _execute(target, step, phase, index, variables, result)
                if not record.ok:
                    raise _StepFailed(record)
    except _StepFailed as failed:
        result.failed_step = failed.record
        result.outcome = "failed" if failed.record.phase == "steps" else "error"
        result.reason = _summary(failed.record)
    except Exception as exc:
        _crashed(result, exc)
    finally:
        _tear_down(scenario, target, variables, result)
        result.duration = time.monotonic() - started
    return result


def _tear_down(scenario: Scenario, target: Target, variables: Variables, result: ScenarioResult) -> None:
    for index, step in enumerate(scenario.teardown):
        try:
            record = _execute(target, step, "teardown", index, variables, result)
        except Exception as exc:
            record = result.steps[-1]
            record.problems.append(f"stopcheck error: {type(exc).__name__}: {exc}")
            result.traceback = result.traceback or traceback.format_exc()
        if not record.ok:
            result.teardown_problems.append(record)
    if result.teardown_problems and result.outcome == "passed":
        result.outcome = "error"
        result.reason = f"teardown: {_summary(result.teardown_problems[0])}"


def _summary(record: StepRecord, limit: int = 300) -> str:
    """A step's problems on one line: the reason shown beside an outcome."""
    text = "; ".join(p.strip().splitlines()[0].rstrip(":") for p in record.problems if p.strip())
    return f"{record.name}: {text}"[:limit]


def _crashed(result: ScenarioResult, exc: Exception) -> None:
    """An exception the runner did not expect: the scenario is an `error`, pinned to the step that raised."""
    result.outcome, result.reason = "error", f"stopcheck error: {type(exc).__name__}: {exc}"
    result.traceback = traceback.format_exc()
    if result.steps:
        result.failed_step = result.steps[-1]
        result.failed_step.problems.append(result.reason)


def _execute(target: Target, step: Step, phase: str, index: int, variables: Variables,
             result: ScenarioResult) -> StepRecord:
    record = StepRecord(phase, index, step.name, str(step.file), step.line)
    result.steps.append(record)
    try:
        if step.fixture is not None:
            if step.optional and step.fixture not in target.info.fixtures:
                record.skipped = f"target {target.info.name} provides no fixture {step.fixture}"
                return record
            record.attempts = 1
            values = target.fixture(step.fixture, variables.expand(step.fixture_args))
            _capture(step, values, variables, record)
            return record
        _send_until_expected(target, step, variables, record)
    except UndefinedVariable as exc:
        if phase == "teardown":  # it names what an earlier step would have captured: that was never created
            record.skipped = f"nothing to clean up: {exc}"
        else:
            record.problems.append(str(exc))
    except TargetError as exc:
        record.problems.append(str(exc))
    return record


def _send_until_expected(target: Target, step: Step, variables: Variables, record: StepRecord) -> None:
    request = build_request(step, variables)
    applicable = [e for e in step.expectations if applies(e, target.info)]
    if not applicable:
        record.problems.append(f"no expectation of this step applies to {target.info.describe()}")
        return
    clock = target.clock  # a poll waits on the target's time: the mock's goes by at once
    deadline = clock.now() + (step.eventually.timeout if step.eventually else 0)
    pause = FIRST_RETRY_SECONDS
    while True:
        record.attempts += 1
        record.request, record.response = request, target.send(request)
        record.problems = _judge(applicable, record.response, variables)
        if record.ok or step.eventually is None or clock.now() >= deadline:
            break
        pause = min(pause, step.eventually.interval)
        clock.sleep(min(pause, max(deadline - clock.now(), 0)))
        pause *= 2
    if record.ok:
        _capture(step, record.response.body, variables, record)
    elif step.eventually is not None:
        record.problems.insert(0, f"still not as expected after {record.attempts} attempts "
                                  f"over {step.eventually.timeout:g}s")


def _judge(expectations: list[Expectation], response: Response, variables: Variables) -> list[str]:
    found = [problems(e, response, variables) for e in expectations]
    if any(not f for f in found):
        return []
    if len(found) == 1:
        return found[0]
    return [f"none of the {len(found)} allowed outcomes matched:"] + [
        f"  outcome {i}: " + "; ".join(f) for i, f in enumerate(found, start=1)]


def _capture(step: Step, body: Any, variables: Variables, record: StepRecord) -> None:
    for name, path in step.capture.items():
        value = resolve(body, variables.expand(path))
        if value is MISSING:
            record.problems.append(f"capture {name}: nothing at {path!r} in the response")
        else:
            variables[name] = value


def build_request(step: Step, variables: Variables) -> Request:
    spec = step.request
    params = {k: param_text(v) for k, v in variables.expand(spec.params).items()}
    headers = variables.expand(spec.headers)
    body: bytes | None = None
    if spec.ndjson is not None:
        body = "".join(json.dumps(line) + "\n" for line in variables.expand(spec.ndjson)).encode()
        headers.setdefault("Content-Type", "application/x-ndjson")
    elif spec.body is not None:
        body = json.dumps(variables.expand(spec.body)).encode()
    return Request(spec.method, variables.expand(spec.path), params, body, headers)


def param_text(value: Any) -> str:
    """A parameter as sent in a query string or a path: booleans as true/false, lists comma-joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(param_text, value))
    return str(value)
