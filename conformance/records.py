"""A scenario's result as a JSON record, the unit every report consumes, and its message for a person."""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from conformance.model import Scenario
from conformance.runner import ScenarioResult, StepRecord


def scenario_record(result: ScenarioResult, label: str, root: Path) -> dict[str, Any]:
    """One (scenario, target) entry of results.json: JSON-serialisable, secrets redacted."""
    steps = [_step(record, root) for record in result.steps]
    failure = None
    if result.outcome in ("failed", "error"):
        failure = {"message": failure_message(result),
                   "step": _step(result.failed_step, root) if result.failed_step else None,
                   "teardown": [_step(r, root) for r in result.teardown_problems],
                   "traceback": result.traceback}
    return _base(result.scenario, label, root) | {
        "outcome": result.outcome, "reason": result.reason or None, "duration": round(result.duration, 4),
        "prefix": result.prefix, "failure": failure, "steps": steps}


def unusable_record(scenario: Scenario, label: str, root: Path, error: BaseException) -> dict[str, Any]:
    """The record of a scenario that could not start: its target failed, or stopcheck itself did."""
    summary = f"{type(error).__name__}: {error}"
    hint = getattr(error, "hint", "")
    lines = [f"ERROR: {scenario.id} ({scenario.title})", f"Could not run on {label}: {summary}"]
    lines += [hint] if hint else []
    trace = None if hint else "".join(traceback.format_exception(error))
    return _base(scenario, label, root) | {
        "outcome": "error", "reason": summary, "duration": 0.0, "prefix": None, "steps": [],
        "failure": {"message": "\n".join(lines), "step": None, "teardown": [], "traceback": trace}}


def _base(scenario: Scenario, label: str, root: Path) -> dict[str, Any]:
    return {"id": scenario.id, "title": scenario.title, "file": _relative(scenario.path, root),
            "family": scenario.family, "target": label,
            "docs": [{"source": d.source, "quote": d.quote} for d in scenario.docs], "expected_failure": None}


def _step(record: StepRecord, root: Path) -> dict[str, Any]:
    return record.as_record() | {"file": _relative(Path(record.file), root)}


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def failure_message(result: ScenarioResult) -> str:
    """Which documented behaviour broke, on which target, with the request, response and expectation."""
    scenario = result.scenario
    lines = [f"{result.outcome.upper()}: {scenario.id} ({scenario.title})",
             f"Target: {result.target.describe()}", "Documented behaviour:"]
    lines += [f'  {d.source}: "{d.quote}"' + (f"  [{d.note}]" if d.note else "") for d in scenario.docs]
    if result.failed_step is not None:
        lines += _step_section(result.failed_step)
    for record in result.teardown_problems:
        lines += ["Teardown could not clean up (resources may remain on the target):"] + _step_section(record)
    if result.traceback:
        lines += ["stopcheck itself failed (please report this):"] + _indent(result.traceback, limit=200)
    return "\n".join(lines)


def _step_section(record: StepRecord) -> list[str]:
    """A step's problems and its exchange, from the redacted record only."""
    lines = [f'{record.phase} step {record.index + 1} "{record.name}" ({record.file}:{record.line}) '
             f"did not hold:"]
    lines += [f"  - {p}" for p in record.problems]
    shown = record.as_record()
    request, response = shown["request"], shown["response"]
    if request is not None:
        query = f"?{urlencode(request['params'])}" if request["params"] else ""
        lines += ["Request:", f"  {request['method']} {request['path']}{query}"]
        lines += [f"  {k}: {v}" for k, v in request["headers"].items()]
        if request["body"]:
            lines += _indent(request["body"])
    if response is not None:
        lines += ["Response:", f"  {response['status']}"]
        lines += [f"  {k}: {v}" for k, v in response["headers"].items()
                  if k.lower() in ("content-type", "warning", "x-elastic-product", "allow")]
        body = response["body"]
        text = json.dumps(body, indent=2) if isinstance(body, (dict, list)) else (body or "<empty body>")
        lines += _indent(str(text))
    return lines


def _indent(text: str, limit: int = 60) -> list[str]:
    lines = text.splitlines()
    shown = [f"    {line}" for line in lines[:limit]]
    return shown + ([f"    ... ({len(lines) - limit} more lines)"] if len(lines) > limit else [])
