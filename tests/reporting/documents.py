"""Small results.json documents (format_version 1) built for tests, following the results contract."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SOURCE = "es-rollup-stop-job"
MISSING_JOB = "If you try to stop a job that does not exist, an exception occurs."
STOPPED_JOB = "If you try to stop a job that is already stopped, nothing happens."


def step(phase: str = "steps", index: int = 0, name: str = "stop the job", *, status: int = 200,
         body: Any = None, problems: list[str] | None = None, path: str = "/_rollup/job/sc-ab12cd-job/_stop",
         line: int = 12) -> dict[str, Any]:
    return {"phase": phase, "index": index, "name": name, "file": "specs/scenarios/rollup/stop_missing_job.yaml",
            "line": line, "attempts": 1, "problems": problems or [], "skipped": None,
            "request": {"method": "POST", "path": path, "params": {"wait_for_completion": "true"},
                        "headers": {"Content-Type": "application/json"}, "body": None},
            "response": {"status": status, "headers": {"content-type": "application/json"},
                         "body": body if body is not None else {"stopped": True}}}


class ResultsDocument:
    """A results.json under construction: add targets, sentences and scenario records, then write it."""

    def __init__(self, run: str = "20261130-151500-ab12", started: str = "2026-11-30T15:15:00+00:00") -> None:
        self.document: dict[str, Any] = {
            "format_version": 1, "stopcheck_version": "0.1.0", "run": run, "started": started,
            "finished": started, "complete": True, "scenario_set": {"digest": "sha256:00", "count": 0},
            "targets": {}, "summary": {}, "expectations": None, "sentences": [],
            "sources": {SOURCE: {"title": "Stop rollup jobs API", "product": "Elasticsearch",
                                 "url": "https://example.org/stop-job", "versions": "7.x-8.x"}},
            "scenarios": [],
        }

    def target(self, label: str, flavour: str = "elasticsearch", version: str = "8.10.0",
               problem: str | None = None) -> ResultsDocument:
        self.document["targets"][label] = {
            "label": label, "name": label.split(":")[0], "url": "http://127.0.0.1:4711", "flavour": flavour,
            "version": version, "distribution": flavour, "features": ["rollup"], "fixtures": [], "consent": [],
            "problem": problem}
        self.document["summary"][label] = {}
        return self

    def sentence(self, quote: str, *, family: str = "rollup", source: str = SOURCE,
                 verdict: str = "confirmed", note: str | None = None) -> ResultsDocument:
        self.document["sentences"].append({"family": family, "source": source, "quote": quote, "verdict": verdict,
                                           "note": note, "scenarios": []})
        return self

    def scenario(self, scenario_id: str, target: str, outcome: str = "passed", *, quote: str = MISSING_JOB,
                 family: str = "rollup", source: str = SOURCE, reason: str | None = None,
                 failing: dict[str, Any] | None = None, steps: list[dict[str, Any]] | None = None,
                 duration: float = 0.25, expected_failure: dict[str, Any] | None = None,
                 title: str | None = None) -> ResultsDocument:
        """One scenario record; `failing` is the step that did not hold (then it is also the last step run)."""
        ran = steps if steps is not None else [step()]
        if failing is not None:
            ran = [*ran, failing]
        failure = None
        if failing is not None or outcome == "error":
            failure = {"message": f"{outcome.upper()}: {scenario_id}", "step": failing, "teardown": [],
                       "traceback": None if failing else "Traceback (most recent call last):\n  TypeError: boom"}
        self.document["scenarios"].append({
            "id": scenario_id, "title": title or scenario_id.replace(".", " "), "family": family,
            "file": f"specs/scenarios/{family}/{scenario_id.split('.')[-1]}.yaml", "target": target,
            "docs": [{"source": source, "quote": quote}], "outcome": outcome, "reason": reason,
            "expected_failure": expected_failure, "duration": duration, "prefix": "sc-ab12cd",
            "failure": failure, "steps": ran})
        for sentence in self.document["sentences"]:
            if sentence["quote"] == quote and sentence["source"] == source \
                    and scenario_id not in sentence["scenarios"]:
                sentence["scenarios"].append(scenario_id)
        counts = self.document["summary"].setdefault(target, {})
        counts[outcome] = counts.get(outcome, 0) + 1
        return self

    def copy(self, run: str) -> ResultsDocument:
        """The same document as another run (for a baseline or a later run to change)."""
        other = ResultsDocument(run)
        other.document = copy.deepcopy(self.document) | {"run": run}
        return other

    def record(self, scenario_id: str, target: str) -> dict[str, Any]:
        return next(r for r in self.document["scenarios"] if r["id"] == scenario_id and r["target"] == target)

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.document, indent=2))
        return path


def two_targets() -> ResultsDocument:
    """Elasticsearch 8.10 and 9.1 on the mock: one scenario fails on 9.1 only, one is skipped on 8.10 only."""
    es8, es9 = "mock:elasticsearch@8.10.0", "mock:elasticsearch@9.1.0"
    failing = step(index=1, name="stop a missing job", status=200, body={"stopped": True, "note": "<b>x</b>"},
                   problems=["expected status 404, got 200"])
    document = (ResultsDocument().target(es8).target(es9, version="9.1.0")
                .sentence(MISSING_JOB).sentence(STOPPED_JOB, verdict="disputed", note="8.x answers 200"))
    document.scenario("rollup.stop.missing-job", es8, steps=[step(), step(index=1, name="stop a missing job",
                                                                         status=404, body={"error": "no job"})])
    document.scenario("rollup.stop.missing-job", es9, "failed", failing=failing)
    document.scenario("rollup.stop.stopped-job", es8, "skipped", quote=STOPPED_JOB,
                      reason="requires fixture slow_stop")
    document.scenario("rollup.stop.stopped-job", es9, quote=STOPPED_JOB)
    return document
