"""Gating with expectations: listed failures keep the run green, a listed scenario that passes is stale."""

import xml.etree.ElementTree as ET

import pytest
import yaml

from conformance import gating
from conformance.cli import main
from conformance.documents import LoadError
from mockserver.families.rollup.models import RollupJobs
from tests.conformance.conftest import results, run

KNOWN = """\
expected_failures:
  - label: "mock:elasticsearch@9.*"
    scenarios:
      - id: rollup.stop.missing-job
        reason: our fork stops missing jobs silently
        link: https://example.com/issues/7
"""


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "where", "message"), [
    ("expected_failures:\n  - flavour: elastic\n    scenarios: []\n", ":2:", "is not one of"),
    ("expected_failures:\n  - scenarios:\n      - id: a.b\n", ":3:", "'reason' is a required property"),
    ("expected_failures:\n  - version: 'nine'\n    scenarios: []\n", ":2:", "'nine' is not a version range"),
    ("expected_failures: [\n", ":2:", "YAML syntax error"),
])
def test_a_malformed_file_is_one_error_naming_file_and_line(tmp_path, text, where, message):
    with pytest.raises(LoadError) as error:
        gating.load(write(tmp_path / "known.yaml", text))
    assert f"known.yaml{where}" in str(error.value) and message in str(error.value)


def test_selectors_match_flavour_version_range_and_label_pattern():
    target = {"label": "mock:elasticsearch@9.1.0", "flavour": "elasticsearch", "version": "9.1.0"}
    assert gating.selects({"flavour": "elasticsearch", "version": ">=9", "label": "mock:*"}, target)
    assert not gating.selects({"version": "<9"}, target)
    assert not gating.selects({"flavour": "opensearch"}, target)
    assert not gating.selects({"label": "https://*"}, target)
    assert not gating.selects({"version": ">=1"}, {"label": "x", "flavour": None, "version": None})


@pytest.mark.slow
def test_listed_failures_pass_the_run_and_stale_ones_fail_it_only_with_strict(pytester, rollup_dir, monkeypatch):
    known = write(pytester.path / "known.yaml", KNOWN)
    scenario = str(rollup_dir / "stop_missing_job.yaml")
    targets = ("--stopcheck-target", "mock:elasticsearch@8.17.0,9.1.0")
    with monkeypatch.context() as broken:
        broken.setattr(RollupJobs, "stop", lambda self, job_id: None)
        reports = pytester.path / "broken"
        result = run(pytester, scenario, *targets, "--stopcheck-expectations", str(known),
                     "--stopcheck-report-dir", str(reports))
        result.assert_outcomes(failed=1, xfailed=1)  # listed for 9.x only: 8.17.0 still fails the run
        document = results(reports)
        by_target = {s["target"]: s for s in document["scenarios"]}
        assert by_target["mock:elasticsearch@9.1.0"]["outcome"] == "expected-fail"
        assert by_target["mock:elasticsearch@9.1.0"]["expected_failure"] == {
            "reason": "our fork stops missing jobs silently", "link": "https://example.com/issues/7", "stale": False}
        assert by_target["mock:elasticsearch@8.17.0"]["outcome"] == "failed"
        assert document["summary"]["mock:elasticsearch@9.1.0"]["expected-fail"] == 1
        assert document["expectations"] == {"file": str(known), "strict": False}
        skipped = ET.parse(reports / "junit.xml").getroot().find(".//skipped[@type='expected-fail']")
        assert skipped.get("message") == "expected to fail: our fork stops missing jobs silently"

        only_9 = run(pytester, scenario, "--stopcheck-target", "mock:elasticsearch@9.1.0",
                     "--stopcheck-expectations", str(known), "--stopcheck-report-dir", str(pytester.path / "r9"))
        assert only_9.ret == 0

    fixed = run(pytester, scenario, "--stopcheck-target", "mock:elasticsearch@9.1.0",
                "--stopcheck-expectations", str(known), "--stopcheck-report-dir", str(pytester.path / "fixed"))
    assert fixed.ret == 0
    fixed.assert_outcomes(xpassed=1)
    assert "stale expectation: rollup.stop.missing-job passed on mock:elasticsearch@9.1.0" in fixed.stdout.str()
    assert results(pytester.path / "fixed")["scenarios"][0]["expected_failure"]["stale"] is True

    strict = run(pytester, scenario, "--stopcheck-target", "mock:elasticsearch@9.1.0", "--stopcheck-strict",
                 "--stopcheck-expectations", str(known), "--stopcheck-report-dir", str(pytester.path / "strict"))
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    assert "[XPASS(strict)] rollup.stop.missing-job on mock:elasticsearch@9.1.0" in strict.stdout.str()
    assert results(pytester.path / "strict")["expectations"]["strict"] is True
    assert ET.parse(pytester.path / "strict" / "junit.xml").getroot().get("failures") == "1"


def test_a_malformed_expectations_file_stops_the_run_before_it_starts(pytester, rollup_dir):
    known = write(pytester.path / "known.yaml", "expected_failures:\n  - flavour: elastic\n    scenarios: []\n")
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-expectations", str(known))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "known.yaml:2: expected_failures/0/flavour" in result.stderr.str()


def record(scenario, target, outcome, reason=None):
    return {"id": scenario, "target": target, "outcome": outcome, "reason": reason}


TARGETS = {label: {"label": label, "flavour": "elasticsearch", "version": label.rpartition("@")[2]}
           for label in ("mock:elasticsearch@8.17.0", "mock:elasticsearch@9.1.0")}


def test_update_adds_new_failures_drops_stale_entries_and_keeps_reasons(tmp_path):
    current = {"expected_failures": [
        {"flavour": "elasticsearch", "scenarios": [
            {"id": "a.fixed", "reason": "fixed since"},
            {"id": "b.still", "reason": "kept as written", "link": "https://example.com/b"},
            {"id": "c.not-run", "reason": "not in this run"}]}]}
    results_doc = {"targets": TARGETS, "scenarios": [
        record("a.fixed", "mock:elasticsearch@8.17.0", "passed"),
        record("a.fixed", "mock:elasticsearch@9.1.0", "passed"),
        record("b.still", "mock:elasticsearch@9.1.0", "expected-fail", "status: expected 404, got 200"),
        record("b.still", "mock:elasticsearch@8.17.0", "passed"),
        record("d.new", "mock:elasticsearch@9.1.0", "failed", "status: expected 429, got 500"),
    ]}
    updated, changes = gating.update(results_doc, current)
    assert updated == {"expected_failures": [
        {"flavour": "elasticsearch", "scenarios": [
            {"id": "b.still", "reason": "kept as written", "link": "https://example.com/b"},
            {"id": "c.not-run", "reason": "not in this run"}]},
        {"label": "mock:elasticsearch@9.1.0", "scenarios": [
            {"id": "d.new", "reason": "failed on mock:elasticsearch@9.1.0: status: expected 429, got 500"}]}]}
    assert changes == ["removed a.fixed: it passed on every target it was expected to fail on",
                       "added d.new on mock:elasticsearch@9.1.0"]


def test_the_update_command_writes_a_file_the_run_accepts(pytester, rollup_dir, monkeypatch):
    monkeypatch.setattr(RollupJobs, "stop", lambda self, job_id: None)
    scenario = str(rollup_dir / "stop_missing_job.yaml")
    first = run(pytester, scenario, "--stopcheck-report-dir", str(pytester.path / "first"))
    assert first.ret == pytest.ExitCode.TESTS_FAILED
    known = pytester.path / "known.yaml"
    assert main(["expectations", "update", str(pytester.path / "first" / "results.json"), "-o", str(known)]) == 0
    entries = yaml.safe_load(known.read_text())["expected_failures"]
    assert entries[0]["label"] == "mock:elasticsearch"
    assert [e["id"] for e in entries[0]["scenarios"]] == ["rollup.stop.missing-job"]
    second = run(pytester, scenario, "--stopcheck-expectations", str(known),
                 "--stopcheck-report-dir", str(pytester.path / "second"))
    assert second.ret == pytest.ExitCode.OK
    assert main(["expectations", "update", str(pytester.path / "second" / "results.json")]) == 0
    assert yaml.safe_load(known.read_text()) == {"expected_failures": entries}, "defaults to the file the run used"
