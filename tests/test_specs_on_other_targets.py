"""The Elasticsearch scenarios run on an Elasticsearch target that is not the bundled mock.

The mock is started as a server of its own and used only through `--target http://...`, as a real cluster is: no
fixtures, no consent. Every Elasticsearch scenario must then run and pass, except those that need consent and the
few below, whose state nothing real can produce (each scenario file says why too). Scenarios whose fixture is
optional run there with that step skipped. The server and the run both live in the test's process, and the run has
no pytest-xdist workers: their start-up would cost more than the scenarios (the plugin's own tests run targets
under xdist). The mock's clock runs TIME_SCALE times as fast as the wall, so that a job's phases, which flow
between the runner's polls as on a real cluster, take under half a second rather than twenty.
"""

import json

import pytest

from conformance.discovery import scenario_files
from conformance.loader import load_scenario
from conformance.paths import ROOT, SCENARIOS
from tests.nested_runs import stopcheck_run

MOCK_ONLY = {
    "tasks.cancel.not-cancellable": "a client must hold a blocking request while the runner sends others",
}
TIME_SCALE = 50


@pytest.mark.slow
def test_every_elasticsearch_scenario_runs_on_a_target_that_is_not_the_bundled_mock(start_mock, tmp_path, capsys,
                                                                                    monkeypatch):
    monkeypatch.chdir(ROOT)
    target = start_mock(time_scale=TIME_SCALE).url
    code = stopcheck_run("--target", target, "--report-dir", tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    elasticsearch = {s.id: s for s in map(load_scenario, scenario_files([SCENARIOS]))
                     if s.requires.flavour == "elasticsearch"}
    outcomes = {s["id"]: s for s in results["scenarios"] if s["id"] in elasticsearch}
    assert set(outcomes) == set(elasticsearch)
    failures = {i: s["failure"]["message"] for i, s in outcomes.items() if s["outcome"] in ("failed", "error")}
    assert failures == {} and code == 0, capsys.readouterr().out[-3000:]
    skipped = {i: s["reason"] for i, s in outcomes.items() if s["outcome"] == "skipped"}
    need_consent = {i for i, s in elasticsearch.items() if s.requires.consent}
    assert set(skipped) == need_consent | set(MOCK_ONLY), skipped
    assert all("provides no fixture" in skipped[i] for i in MOCK_ONLY), "listed, yet it needs no fixture"
    optional = {i for i, s in elasticsearch.items() if any(step.optional for step in s.setup + s.steps)}
    assert optional and all(any((step["skipped"] or "").startswith("target http provides no fixture")
                                for step in outcomes[i]["steps"]) for i in optional), "an optional fixture ran"
