"""The project's own suites in both peer dialects, translated and run against the bundled mock."""

from pathlib import Path

import pytest

from conformance.dialects import load
from conformance.runner import run_scenario
from conformance.targets.base import Request
from conformance.targets.mock import MockTarget

SUITES = Path(__file__).parent / "suites"


@pytest.fixture
def mock():
    targets = []

    def start(flavour: str, version: str | None = None) -> MockTarget:
        targets.append(MockTarget(flavour, version))
        return targets[-1]

    yield start
    for target in targets:
        target.close()


def outcomes(path: Path, target: MockTarget) -> dict[str, tuple[str, str]]:
    results = [run_scenario(scenario, target) for scenario in load(path)]
    return {r.scenario.id: (r.outcome, r.reason or "; ".join(r.failed_step.problems if r.failed_step else ()))
            for r in results}


def test_elasticsearch_yaml_suite_runs_on_the_mock(mock):
    found = outcomes(SUITES / "es/ml/analytics_lifecycle.yml", mock("elasticsearch", "8.17.0"))
    prefix = "es.ml.analytics_lifecycle."
    assert found.pop(prefix + "skipped-everywhere-until-a-fix-lands") == \
        ("skipped", "awaits fix: a reason for not running this test")
    outcome, reason = found.pop(prefix + "only-on-old-versions")
    assert (outcome, reason.split(":")[0]) == ("skipped", "skipped on versions 8.0.0 - ")
    assert found == {prefix + name: ("passed", "") for name in (
        "stopping-a-job-that-never-started-says-it-stopped", "reading-the-config-back-with-a-stashed-id",
        "a-missing-job-is-a-404-whose-reason-names-it", "cancelling-tasks-by-an-action-that-matches-none")}


def test_each_test_cleans_up_what_it_created_so_the_next_finds_a_clean_cluster(mock):
    target = mock("elasticsearch", "8.17.0")
    path = SUITES / "es/ml/analytics_lifecycle.yml"
    first, second = outcomes(path, target), outcomes(path, target)
    assert first == second
    assert target.send(Request("GET", "/_ml/data_frame/analytics/_all")).body["count"] == 0
    assert target.send(Request("HEAD", "/sensors")).status == 404


@pytest.mark.parametrize("version, runs, skipped", [("2.19.0", "story.rollup.jobs", "story.rollup.jobs[not >= 2.0]"),
                                                    ("1.3.0", "story.rollup.jobs[not >= 2.0]", "story.rollup.jobs")])
def test_opensearch_story_runs_the_variant_for_the_target_version(mock, version, runs, skipped):
    found = outcomes(SUITES / "opensearch/rollup/jobs.yaml", mock("opensearch", version))
    assert found[runs] == ("passed", "")
    assert found[skipped][0] == "skipped"


def test_stopcheck_run_collects_peer_files_into_its_own_results(pytester):
    from tests.conformance.conftest import results, run

    reports = pytester.path / "reports"
    result = run(pytester, str(SUITES / "es/ml/analytics_lifecycle.yml"), str(SUITES / "opensearch/rollup/jobs.yaml"),
                 "--stopcheck-target", "mock:elasticsearch@8.17.0", "--stopcheck-target", "mock:opensearch@2.19.0",
                 "--stopcheck-report-dir", str(reports))
    records = {(r["id"], r["target"]): r["outcome"] for r in results(reports)["scenarios"]}

    assert records[("es.ml.analytics_lifecycle.a-missing-job-is-a-404-whose-reason-names-it",
                    "mock:elasticsearch@8.17.0")] == "passed"
    assert records[("story.rollup.jobs", "mock:opensearch@2.19.0")] == "passed"
    result.assert_outcomes(passed=sum(o == "passed" for o in records.values()),
                           skipped=sum(o == "skipped" for o in records.values()))


def test_a_named_dialect_that_does_not_fit_the_file_is_a_collection_error(pytester):
    from tests.conformance.conftest import run

    result = run(pytester, str(SUITES / "opensearch/rollup/jobs.yaml"), "--stopcheck-dialect", "es-yaml")
    result.assert_outcomes(errors=1)
    assert "jobs.yaml" in result.stdout.str()
