"""The specs themselves: valid files, verbatim quotes, full coverage, and every scenario green on the mock."""

import json

import pytest
from jsonschema import Draft202012Validator

from conformance.coverage import coverage
from conformance.lint import lint
from conformance.paths import ROOT, SCENARIOS, SCHEMAS, SOURCES_DIR_VARIABLE, sources_dir
from tests.nested_runs import stopcheck_run

FAMILIES = sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir())


@pytest.mark.parametrize("schema", sorted(p.name for p in SCHEMAS.glob("*.schema.json")))
def test_schemas_are_valid_json_schemas(schema):
    Draft202012Validator.check_schema(json.loads((SCHEMAS / schema).read_text()))


def test_every_scenario_file_is_valid_and_quotes_its_catalogue():
    assert lint([SCENARIOS]) == []


def test_the_catalogues_quote_the_original_documents_verbatim():
    originals = sources_dir() or ROOT.parent / "shared" / "seeds"
    if not originals.is_dir():
        pytest.skip(f"the original documents are not here: set ${SOURCES_DIR_VARIABLE} to their folder")
    assert lint([SCENARIOS], originals) == []


@pytest.mark.parametrize("family", FAMILIES)
def test_every_documented_sentence_is_covered(family):
    rows = coverage(SCENARIOS / family)
    assert rows, f"{family} has no sentences.yaml catalogue"
    assert [r.sentence.quote for r in rows if not r.scenarios] == []


@pytest.mark.slow
def test_every_scenario_passes_against_the_mock(tmp_path, capsys):
    """The main job, as a newcomer runs it: `stopcheck run` against the bundled mock, here in the test's process. In
    one process: on the mock's virtual clock the scenarios take a few seconds, less than pytest-xdist workers take
    to start (the whole suite under xdist is `test_specs_on_other_targets`, and the plugin's own tests run it under
    xdist too)."""
    code = stopcheck_run("--report-dir", tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    failures = [s["failure"]["message"] for s in results["scenarios"] if s["outcome"] in ("failed", "error")]
    assert failures == [] and code == 0, capsys.readouterr().out[-3000:]
    assert results["complete"] and sum(counts["passed"] for counts in results["summary"].values()) > 0
    listing = (tmp_path / "coverage.txt").read_text()
    assert "(passed)" in listing and "(failed)" not in listing and "NOT COVERED" not in listing
    skipped = {s["id"]: s["reason"] for s in results["scenarios"] if s["outcome"] == "skipped"}
    assert all("disposable" in reason for reason in skipped.values()), skipped
