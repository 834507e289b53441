"""`stopcheck run` hands pytest its options without changing what pytest reads."""

from __future__ import annotations

from conformance.paths import ROOT, SCENARIOS
from tests.nested_runs import stopcheck_run


def test_a_report_folder_elsewhere_leaves_the_checkouts_configuration_in_force(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario = SCENARIOS / "rollup" / "stop_missing_job.yaml"
    assert stopcheck_run(scenario, "--report-dir", tmp_path) == 0
    assert "configfile: pyproject.toml" in capsys.readouterr().out
    assert (tmp_path / "results.json").is_file()
