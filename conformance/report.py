"""Turning scenario results into failure messages and the results.json report."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from conformance.runner import ScenarioResult, StepRecord
from conformance.targets.base import Request, Response

RESULTS_SCHEMA = "results.schema.json"


def scenario_record(result: ScenarioResult) -> dict[str, Any]:
    """One scenario's entry in results.json (JSON-serialisable, secrets already redacted)."""
    scenario = result.scenario
    failure = None
    if result.failed_step is not None or result.teardown_problems:
        failure = {"message": failure_message(result),
                   "step": result.failed_step.as_record() if result.failed_step else None,
                   "teardown": [r.as_record() for r in result.teardown_problems]}
    return {
        "id": scenario.id, "title": scenario.title, "file": str(scenario.path), "family": scenario.family,
        "docs": [{"seed": d.source, "quote": d.quote} for d in scenario.docs],
        "outcome": result.outcome, "reason": result.reason or None, "duration": round(result.duration, 4),
        "prefix": result.prefix, "failure": failure,
    }


def failure_message(result: ScenarioResult) -> str:
    """Which documented behaviour broke, on which target, with the request, response and expectation."""
    scenario = result.scenario
    lines = [f"{result.outcome.upper()}: {scenario.id} ({scenario.title})",
             f"Target: {result.target.describe()}", "Documented behaviour:"]
    lines += [f'  {d.source}: "{d.quote}"' + (f"  [{d.note}]" if d.note else "") for d in scenario.docs]
    if result.failed_step is not None:
        lines += _step_section(result, result.failed_step)
    for record in result.teardown_problems:
        lines += ["Teardown could not clean up (resources may remain on the target):"] + _step_section(result, record)
    return "\n".join(lines)


def _step_section(result: ScenarioResult, record: StepRecord) -> list[str]:
    lines = [f'{record.phase} step {record.index + 1} "{record.name}" ({record.file}:{record.line}) '
             f"did not hold:"]
    lines += [f"  - {p}" for p in record.problems]
    if record.request is not None:
        lines += ["Request:", "  " + _request_line(record.request)]
        lines += [f"  {k}: {v}" for k, v in record.request.as_record()["headers"].items()]
        if record.request.body:
            lines += _indent(record.request.body.decode("utf-8", "replace"))
    if record.response is not None:
        lines += ["Response:", f"  {record.response.status}"]
        lines += [f"  {k}: {v}" for k, v in record.response.as_record()["headers"].items()
                  if k.lower() in ("content-type", "warning", "x-elastic-product", "allow")]
        lines += _indent(_pretty(record.response))
    return lines


def _request_line(request: Request) -> str:
    query = f"?{urlencode(request.params)}" if request.params else ""
    return f"{request.method} {request.path}{query}"


def _pretty(response: Response) -> str:
    body = response.body
    return json.dumps(body, indent=2) if isinstance(body, (dict, list)) else (response.text or "<empty body>")


def _indent(text: str, limit: int = 60) -> list[str]:
    lines = text.splitlines()
    shown = [f"    {line}" for line in lines[:limit]]
    return shown + ([f"    ... ({len(lines) - limit} more lines)"] if len(lines) > limit else [])


class ResultsWriter:
    """Keeps results.json current after every scenario, so an interrupted run still leaves its report."""

    def __init__(self, directory: Path, run_id: str) -> None:
        self.path = directory / "results.json"
        directory.mkdir(parents=True, exist_ok=True)
        self.document: dict[str, Any] = {
            "run": run_id, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "finished": None, "complete": False, "targets": {}, "summary": {}, "scenarios": [],
        }
        self._write()

    def add(self, record: dict[str, Any], target: dict[str, Any]) -> None:
        self.document["targets"].setdefault(target["label"], target)
        self.document["scenarios"].append(record)
        self._write()

    def finish(self, complete: bool) -> None:
        self.document["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.document["complete"] = complete
        self._write()

    def _write(self) -> None:
        summary: dict[str, int] = {}
        for scenario in self.document["scenarios"]:
            summary[scenario["outcome"]] = summary.get(scenario["outcome"], 0) + 1
        self.document["summary"] = summary
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".results-", suffix=".json")
        with os.fdopen(handle, "w") as stream:
            json.dump(self.document, stream, indent=2)
        os.replace(temporary, self.path)
