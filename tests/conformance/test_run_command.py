"""`stopcheck run` hands pytest its options without changing what pytest reads."""

from __future__ import annotations

from conformance.cli import main
from conformance.paths import ROOT, SCENARIOS
from tests.nested_runs import NESTED_RUN_OPTIONS


def test_a_report_folder_elsewhere_leaves_the_checkouts_configuration_in_force(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario = SCENARIOS / "rollup" / "stop_missing_job.yaml"
    assert main(["run", str(scenario), "--report-dir", str(tmp_path), "--", "-n", "0", *NESTED_RUN_OPTIONS]) == 0
    assert "configfile: pyproject.toml" in capsys.readouterr().out
    assert (tmp_path / "results.json").is_file()
