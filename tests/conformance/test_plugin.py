"""The pytest plugin end to end, against the bundled mock: reports, failure messages, interrupted runs."""

import json
import shutil

import pytest

from conformance.cli import plugin_options
from conformance.paths import SCENARIOS
from conformance.schemas import store
from conformance.targets.http import HttpTarget
from mockserver.families.rollup.models import RollupJobs


@pytest.fixture
def rollup_dir(pytester):
    folder = pytester.path / "scenarios" / "rollup"
    shutil.copytree(SCENARIOS / "rollup", folder,
                    ignore=lambda d, names: [n for n in names if n.startswith(("default_timeout", "privileges"))])
    return folder


def run(pytester, *args):
    return pytester.runpytest_inprocess(*args, "-p", "no:cacheprovider", *plugin_options(), no_reraise_ctrlc=True)


def test_scenarios_pass_and_results_json_is_written(pytester, rollup_dir):
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), str(rollup_dir / "stop_stopped_job.yaml"),
                 "--stopcheck-target", "mock", "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=2)
    document = json.loads((reports / "results.json").read_text())
    assert store().first_error("results.schema.json", document) is None
    assert document["complete"] is True and document["summary"] == {"passed": 2}
    assert {s["id"] for s in document["scenarios"]} == {"rollup.stop.missing-job", "rollup.stop.already-stopped"}
    assert document["targets"]["mock:elasticsearch"]["flavour"] == "elasticsearch"
    assert (reports / "junit.xml").is_file()


def test_a_broken_mock_fails_with_the_documented_sentence_request_and_response(pytester, rollup_dir, monkeypatch):
    async def stop_anything(self, job_id, wait=False, timeout=None):  # the bug: a missing job "stops" fine
        return None

    monkeypatch.setattr(RollupJobs, "stop", stop_anything)
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-target", "mock")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "FAILED: rollup.stop.missing-job" in output
    assert '"If you try to stop a job that does not exist, an exception occurs."' in output
    assert "Target: mock (elasticsearch 8.17.0 at http://127.0.0.1:" in output
    assert "status: expected 404, got 200" in output
    assert "Request:" in output and "/_stop" in output
    assert '"stopped": true' in output


def test_opensearch_mock_skips_elasticsearch_scenarios_with_the_reason(pytester, rollup_dir):
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-target", "mock:opensearch", "-rs")
    result.assert_outcomes(skipped=1)
    assert "needs elasticsearch; target mock is opensearch" in result.stdout.str()


def test_an_interrupted_run_keeps_what_ran_and_still_tears_down(pytester, rollup_dir, monkeypatch):
    sent = []
    real_send = HttpTarget.send

    def send(self, request):
        sent.append((request.method, request.path))
        if request.method == "POST" and request.path.endswith("-sensor/_start"):
            raise KeyboardInterrupt
        return real_send(self, request)

    monkeypatch.setattr(HttpTarget, "send", send)
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), str(rollup_dir / "stop_started_job.yaml"),
                 "--stopcheck-target", "mock", "--stopcheck-report-dir", str(reports))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    document = json.loads((reports / "results.json").read_text())
    assert document["complete"] is False
    assert [s["id"] for s in document["scenarios"]] == ["rollup.stop.missing-job"]
    assert sent[-1][0] == "DELETE", "teardown ran after the interrupt"


def test_a_malformed_scenario_is_a_collection_error_naming_file_and_line(pytester):
    folder = pytester.path / "scenarios" / "broken"
    folder.mkdir(parents=True)
    (folder / "bad.yaml").write_text("id: broken.case\ntitle: broken case\ndocs: []\n")
    result = run(pytester, str(folder))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = result.stdout.str()
    assert "bad.yaml:1: (top level): 'requires' is a required property" in output
    assert "Traceback" not in output
