"""The pytest plugin end to end, against the bundled mock: one stream of records feeding every output."""

import shutil
import xml.etree.ElementTree as ET

import pytest

from conformance.discovery import is_scenario_file
from conformance.paths import ROOT, SCENARIOS
from conformance.targets.http import HttpTarget
from mockserver.families.rollup.models import RollupJobs
from tests.conformance.conftest import results, run, scenario_folder
from tests.nested_runs import NESTED_RUN_OPTIONS, stopcheck_run


def test_scenarios_pass_and_every_output_is_written(pytester, rollup_dir):
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), str(rollup_dir / "stop_stopped_job.yaml"),
                 "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=2)
    document = results(reports)
    assert document["complete"] is True and document["finished"] is not None
    assert document["summary"] == {"mock:elasticsearch": {"passed": 2, "failed": 0, "error": 0, "skipped": 0,
                                                          "expected-fail": 0}}
    assert list(document["targets"]) == ["mock:elasticsearch"], "the unused opensearch mock is not listed"
    assert {s["id"] for s in document["scenarios"]} == {"rollup.stop.missing-job", "rollup.stop.already-stopped"}
    assert document["scenario_set"]["count"] == 2
    assert {s["family"] for s in document["sentences"]} == {"rollup"}
    steps = document["scenarios"][0]["steps"]
    assert steps and steps[0]["phase"] == "steps" and steps[0]["file"] == "scenarios/rollup/stop_missing_job.yaml"
    suite = ET.parse(reports / "junit.xml").getroot().find("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("mock:elasticsearch", "2", "0")
    properties = {p.get("name"): p.get("value") for p in suite.find("testcase").iter("property")}
    assert properties["target"] == "mock:elasticsearch" and properties["outcome"] == "passed"
    assert "(passed)" in (reports / "coverage.txt").read_text()
    assert "reports: " + str(reports) in result.stdout.str()


def test_a_broken_mock_fails_with_one_message_in_every_output(pytester, rollup_dir, monkeypatch):
    async def stop_anything(self, job_id, wait=False, timeout=None):  # the bug: a missing job "stops" fine
        return None

    monkeypatch.setattr(RollupJobs, "stop", stop_anything)
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "FAILED: rollup.stop.missing-job" in output
    assert '"If you try to stop a job that does not exist, an exception occurs."' in output
    assert "Target: mock (elasticsearch 8.17.0 at http://127.0.0.1:" in output
    assert "status: expected 404, got 200" in output
    assert "Request:" in output and "/_stop" in output and '"stopped": true' in output
    record = results(reports)["scenarios"][0]
    assert record["outcome"] == "failed" and "status: expected 404, got 200" in record["reason"]
    assert record["failure"]["step"]["response"]["status"] == 200
    assert record["failure"]["message"] in output
    failure = ET.parse(reports / "junit.xml").getroot().find("testsuite/testcase/failure")
    assert failure.text == record["failure"]["message"] and failure.get("message") == record["reason"]
    assert "(failed)" in (reports / "coverage.txt").read_text()


def test_opensearch_mock_skips_elasticsearch_scenarios_with_the_reason(pytester, rollup_dir):
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-target", "mock:opensearch", "-rs")
    result.assert_outcomes(skipped=1)
    assert "needs elasticsearch; target mock is opensearch" in result.stdout.str()


@pytest.mark.slow
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
                 "--stopcheck-report-dir", str(reports))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    document = results(reports)
    assert document["complete"] is False and document["finished"] is not None
    assert [s["id"] for s in document["scenarios"]] == ["rollup.stop.missing-job"]
    interrupted = next(i for i, (method, path) in enumerate(sent) if path.endswith("-sensor/_start"))
    assert "DELETE" in [method for method, _ in sent[interrupted:]], "teardown ran after the interrupt"
    assert "removed what the run left" not in result.stdout.str(), "the scenario's own teardown removed it all"
    assert "leak check" not in result.stdout.str()
    assert ET.parse(reports / "junit.xml").getroot().get("tests") == "1"


def test_an_exception_inside_the_runner_is_an_error_record_after_teardown(pytester):
    folder = scenario_folder(pytester, "demo.crash", "a matcher given a string variable", CRASHING)
    reports = pytester.path / "reports"
    result = run(pytester, str(folder), "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(failed=1)
    record = results(reports)["scenarios"][0]
    assert record["outcome"] == "error"
    assert record["reason"].startswith("stopcheck error: TypeError:")
    assert "Traceback" in record["failure"]["traceback"]
    assert record["failure"]["step"]["name"] == "compare with a string"
    assert [s["phase"] for s in record["steps"]] == ["steps", "teardown"], "teardown ran after the crash"
    assert "stopcheck itself failed" in result.stdout.str()


CRASHING = """\
steps:
  - name: compare with a string
    request: {method: GET, path: /_nodes}
    expect: {status: 200, body: {_nodes.total: {gte: "${run}"}}}
teardown:
  - request: {method: DELETE, path: "/${run}-index"}
    expect: {status: [200, 404]}
"""


def test_a_target_failing_after_discovery_still_gives_each_scenario_a_record(pytester, rollup_dir, monkeypatch):
    import conformance.pytest_plugin as plugin
    from conformance.targets import TargetError

    real, calls = plugin._target, []

    def flaky(config, spec):  # the run's discovery works; the scenario's own use of the target then fails
        calls.append(spec)
        if len(calls) > 1:
            raise TargetError("connection reset by peer", "check the cluster's health")
        return real(config, spec)

    monkeypatch.setattr(plugin, "_target", flaky)
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(failed=1)
    record = results(reports)["scenarios"][0]
    assert (record["outcome"], record["reason"]) == ("error", "TargetError: connection reset by peer")
    assert record["failure"]["message"].endswith("check the cluster's health")


def test_a_malformed_scenario_is_a_collection_error_naming_file_and_line(pytester):
    folder = pytester.path / "scenarios" / "broken"
    folder.mkdir(parents=True)
    (folder / "bad.yaml").write_text("id: broken.case\ntitle: broken case\ndocs: []\n")
    result = run(pytester, str(folder))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = result.stdout.str()
    assert "bad.yaml:1: (top level): 'requires' is a required property" in output
    assert "Traceback" not in output


def test_another_projects_yaml_files_are_not_collected(pytester):
    folder = pytester.path / "tests" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "data.yaml").write_text("rows: [1, 2, 3]\n")
    (pytester.path / "tests" / "test_data.py").write_text("def test_data():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *NESTED_RUN_OPTIONS, "tests")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists(), "the stopcheck pipeline stayed off"


def test_an_ini_setting_names_a_projects_scenario_folder(pytester, rollup_dir):
    pytester.makeini(f"[pytest]\nstopcheck_paths = {rollup_dir.relative_to(pytester.path)}\n")
    (pytester.path / "test_other.py").write_text("def test_other():\n    assert True\n")
    reports = pytester.path / "reports"
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *NESTED_RUN_OPTIONS,
                                          str(rollup_dir / "stop_missing_job.yaml"), "test_other.py",
                                          "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=2)
    assert [s["id"] for s in results(reports)["scenarios"]] == ["rollup.stop.missing-job"]


@pytest.mark.slow
def test_plain_pytest_and_stopcheck_run_write_the_same_files(tmp_path, monkeypatch):
    scenario = SCENARIOS / "rollup" / "stop_missing_job.yaml"
    monkeypatch.chdir(ROOT)
    assert pytest.main([str(scenario), "-p", "no:cacheprovider", "-q", "--stopcheck-report-dir",
                        str(tmp_path / "plain"), *NESTED_RUN_OPTIONS]) == 0
    assert stopcheck_run(scenario, "--report-dir", tmp_path / "cli", quiet=True) == 0
    plain, cli = results(tmp_path / "plain"), results(tmp_path / "cli")
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == ["coverage.txt", "junit.xml", "results.json"]
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == ["coverage.txt", "junit.xml", "results.json"]
    assert [(s["id"], s["target"], s["outcome"]) for s in plain["scenarios"]] == \
           [(s["id"], s["target"], s["outcome"]) for s in cli["scenarios"]]
    assert plain["scenario_set"] == cli["scenario_set"] and plain["sentences"] == cli["sentences"]


@pytest.mark.slow
def test_several_targets_and_version_sweeps_under_xdist(pytester, rollup_dir):
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), str(rollup_dir / "stop_stopped_job.yaml"),
                 "--stopcheck-target", "mock:elasticsearch@8.10.0,9.1.0", "--stopcheck-target", "mock:opensearch",
                 "-n", "2", "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=4, skipped=2)
    document = results(reports)
    assert list(document["targets"]) == ["mock:elasticsearch@8.10.0", "mock:elasticsearch@9.1.0", "mock:opensearch"]
    assert [document["targets"][t]["version"] for t in document["targets"]] == ["8.10.0", "9.1.0", "2.19.0"]
    assert {(s["id"], s["target"]) for s in document["scenarios"]} == {
        (scenario, target) for scenario in ("rollup.stop.missing-job", "rollup.stop.already-stopped")
        for target in document["targets"]}
    skipped = [s for s in document["scenarios"] if s["outcome"] == "skipped"]
    assert {s["target"] for s in skipped} == {"mock:opensearch"} and all(s["reason"] for s in skipped)
    assert "mock:opensearch 2/2" in result.stdout.str()


def test_a_plugin_adds_an_event_handler_that_sees_every_event(pytester, rollup_dir):
    pytester.makeconftest("""
        import json

        class Recorder:
            def __init__(self, path):
                self.path = path
            def handle(self, event):
                with open(self.path, "a") as stream:
                    stream.write(type(event).__name__ + "\\n")

        def pytest_stopcheck_handlers(config, report_dir):
            return [Recorder(config.rootpath / "events.txt")]
    """)
    run(pytester, str(rollup_dir / "stop_missing_job.yaml")).assert_outcomes(passed=1)
    assert (pytester.path / "events.txt").read_text().split() == [
        "RunStarted", "ScenariosCollected", "ScenarioStarted", "ScenarioFinished", "RunFinished"]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [["-n", "1"], ["-p", "no:xdist"]])
def test_scenarios_outside_the_rootdir_are_run_and_reported(pytester, tmp_path_factory, workers):
    """A folder, a file in it and a file alone in another folder, all outside the rootdir, in one run."""
    outside = tmp_path_factory.mktemp("elsewhere") / "rollup"
    kept = ("library.yaml", "sentences.yaml", "stop_missing_job.yaml", "stop_stopped_job.yaml")
    shutil.copytree(SCENARIOS / "rollup", outside, ignore=lambda d, names: [n for n in names if n not in kept])
    single = tmp_path_factory.mktemp("single") / "stop_missing_job.yaml"
    single.write_text((outside / single.name).read_text().replace("id: rollup.stop.missing-job", "id: alone.missing"))
    reports = pytester.path / "reports"
    result = run(pytester, *map(str, [outside / "stop_stopped_job.yaml", outside, single]), "--rootdir",
                 str(pytester.path), *workers, "--stopcheck-report-dir", str(reports))
    assert result.ret == 0, result.stdout.str()
    document = results(reports)
    recorded = sorted({s["file"] for s in document["scenarios"]})
    assert recorded == sorted([str(single), *(str(p) for p in outside.glob("*.yaml") if is_scenario_file(p))])
    assert document["scenario_set"]["count"] == len(recorded)
