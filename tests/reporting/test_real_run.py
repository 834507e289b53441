"""The report and the diff on results.json files written by real `stopcheck run`s of a few scenarios on the mock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.paths import SCENARIOS
from conformance.reporting.results import load_results
from mockserver.families.rollup.models import RollupJobs
from tests.nested_runs import stopcheck_run

SCENARIO_FILES = [SCENARIOS / "rollup" / "stop_missing_job.yaml", SCENARIOS / "rollup" / "stop_stopped_job.yaml",
                  SCENARIOS / "opensearch_rollup" / "get.yaml"]
MISSING_JOB = "If you try to stop a job that does not exist, an exception occurs."


def _stopcheck(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """A stopcheck command as a process of its own, as a user's terminal shows it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run([sys.executable, "-m", "conformance.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=environment)


def _command(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """A stopcheck command in this process: its exit code and what it printed."""
    capsys.readouterr()
    return main([str(arg) for arg in args]), capsys.readouterr().out


def _run(report_dir: Path, *targets: str, files: list[Path] = SCENARIO_FILES) -> Path:
    """`stopcheck run` in this process."""
    options = [option for target in targets for option in ("--target", target)]
    stopcheck_run(*files, *options, "--report-dir", report_dir, quiet=True)
    return report_dir / "results.json"


@pytest.mark.slow
def test_a_run_on_several_mock_targets_reads_as_a_report(tmp_path, browser, capsys):
    from selenium.webdriver.common.by import By

    results_file = _run(tmp_path / "run", "mock:elasticsearch@8.10.0,9.1.0", "mock:opensearch")
    results = load_results(results_file)
    report = tmp_path / "run" / "report.html"

    assert len(results.targets) == 3
    assert _command(capsys, "report", results_file, "-o", report)[0] == 0
    browser.get(report.as_uri())
    browser.save_screenshot(str(report.with_suffix(".png")))
    headers = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#matrix thead th[data-col]")]
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "tr.scenario code")]

    assert headers == list(results.targets)
    assert {"rollup.stop.missing-job", "rollup.stop.already-stopped"} <= set(rows)
    assert MISSING_JOB in browser.find_element(By.ID, "matrix").text
    for label in results.targets:
        assert results.counts(label)["passed"] >= 1, label


@pytest.mark.slow
def test_a_broken_mock_behaviour_is_a_regression_naming_the_sentence(tmp_path, start_mock, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)  # the diff would add to a CI job's summary
    mock = start_mock()
    files = SCENARIO_FILES[:1]
    base = _run(tmp_path / "base", mock.url, files=files)
    stop = RollupJobs.stop

    async def stop_ignoring_missing_jobs(self: RollupJobs, job_id: str, *args, **kwargs) -> None:
        if job_id in self.jobs:
            await stop(self, job_id, *args, **kwargs)

    monkeypatch.setattr(RollupJobs, "stop", stop_ignoring_missing_jobs)
    new = _run(tmp_path / "new", mock.url, files=files)
    code, printed = _command(capsys, "diff", base, new)
    report = tmp_path / "report.html"

    assert code == 1, printed
    assert "regression  rollup.stop.missing-job" in printed and MISSING_JOB in printed
    assert _command(capsys, "report", new, "--baseline", base, "-o", report)[0] == 0
    assert "was passed" in report.read_text()


@pytest.mark.parametrize("arguments", [["report", "missing.json"], ["diff", "missing.json", "missing.json"]])
def test_a_missing_file_is_one_clear_line(tmp_path, arguments):
    finished = _stopcheck(*arguments)

    assert finished.returncode == 2
    assert finished.stderr.strip().endswith("missing.json: cannot read it (No such file or directory)")
    assert "Traceback" not in finished.stderr
