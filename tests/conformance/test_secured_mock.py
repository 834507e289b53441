"""Every privilege sentence of the documents has a scenario that passes against the mock with security on, on
each version whose 403 wording differs, exactly as it would run against a real secured cluster."""

import json
import re
import shutil

import pytest

from conformance.coverage import coverage
from conformance.paths import SCENARIOS
from tests.nested_runs import stopcheck_run

PRIVILEGE_SENTENCE = re.compile(r"privilege|built-in role", re.IGNORECASE)
VERSIONS = "mock+security:elasticsearch@7.10.2,7.17.0,8.17.0,9.1.0"


def privilege_rows():
    return [row for family in sorted(p for p in SCENARIOS.iterdir() if p.is_dir()) for row in coverage(family)
            if PRIVILEGE_SENTENCE.search(row.sentence.quote)]


@pytest.mark.slow
def test_every_privilege_sentence_passes_against_the_secured_mock(tmp_path):
    rows = privilege_rows()
    assert len(rows) >= 3 and all(row.scenarios for row in rows), [r.sentence.quote for r in rows]
    scenario_ids = {sid for row in rows for sid in row.scenarios}
    files = [str(p) for p in SCENARIOS.rglob("*.yaml") if p.name == "privileges.yaml"]
    code = stopcheck_run(*files, "--target", VERSIONS, "--report-dir", tmp_path, quiet=True)
    results = json.loads((tmp_path / "results.json").read_text())
    outcomes = {(s["id"], s["target"]): s["outcome"] for s in results["scenarios"]}
    assert code == 0, {k: v for k, v in outcomes.items() if v != "passed"}
    assert {sid for sid, _ in outcomes} >= scenario_ids
    assert set(outcomes.values()) == {"passed"} and len(outcomes) == len(scenario_ids) * 4


def test_the_secured_mock_refuses_what_a_secured_cluster_refuses(tmp_path):
    """The same scenario with the 403 expected of a user who may stop: it fails on the secured mock."""
    wrong = (SCENARIOS / "rollup" / "privileges.yaml").read_text().replace(
        'headers: {es-security-runas-user: "${run}-viewer"}', 'headers: {es-security-runas-user: "${run}-operator"}')
    scenario = tmp_path / "scenarios" / "rollup" / "privileges.yaml"
    scenario.parent.mkdir(parents=True)
    scenario.write_text(wrong)
    shutil.copy(SCENARIOS / "rollup" / "library.yaml", scenario.parent)
    code = stopcheck_run(scenario, "--target", "mock+security:elasticsearch", "--report-dir", tmp_path / "reports",
                         quiet=True)
    record = json.loads((tmp_path / "reports" / "results.json").read_text())["scenarios"][0]
    assert code == 1 and record["outcome"] == "failed" and "status: expected 403, got 200" in record["reason"]
