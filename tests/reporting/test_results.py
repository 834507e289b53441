"""Reading results files: typed records, clear errors for bad files, several files side by side."""

from __future__ import annotations

import json

import pytest

from conformance.reporting.results import ResultsError, combine, load_results
from tests.reporting.documents import MISSING_JOB, SOURCE, ResultsDocument, step, two_targets

ES8, ES9 = "mock:elasticsearch@8.10.0", "mock:elasticsearch@9.1.0"


def test_reads_targets_sentences_and_records(tmp_path):
    results = load_results(two_targets().write(tmp_path / "results.json"))

    assert list(results.targets) == [ES8, ES9]
    assert results.targets[ES9].version == "9.1.0"
    assert results.targets[ES9].run.id == "20261130-151500-ab12"
    failed = results.result(ES9, "rollup.stop.missing-job")
    assert failed.outcome == "failed"
    assert failed.failure.step.key == ("steps", 1)
    assert failed.failure.step.location == "specs/scenarios/rollup/stop_missing_job.yaml:12"
    assert failed.explanation == 'step 2 "stop a missing job": expected status 404, got 200'
    assert results.counts(ES8) == {"passed": 1, "skipped": 1}
    assert results.sentences[0].scenarios == ("rollup.stop.missing-job",)


def test_the_leak_check_is_read_and_older_files_without_it_too(tmp_path):
    document = two_targets()
    document.document["targets"][ES9]["leaks"] = {"removed": ["index sc-ab12cd-a"], "left": ["index sc-ab12cd-b"],
                                                  "problems": ["index sc-ab12cd-b: DELETE /sc-ab12cd-b answered 500"]}
    document.document["targets"][ES8]["leaks"] = None
    results = load_results(document.write(tmp_path / "results.json"))

    assert results.targets[ES9].leaks.removed == ("index sc-ab12cd-a",)
    assert results.targets[ES9].leaks.left == ("index sc-ab12cd-b",)
    assert results.targets[ES9].leaks.problems == ("index sc-ab12cd-b: DELETE /sc-ab12cd-b answered 500",)
    assert results.targets[ES8].leaks is None
    assert load_results(two_targets().write(tmp_path / "old.json")).targets[ES9].leaks is None


def test_explanation_hides_the_run_prefix_so_runs_compare(tmp_path):
    document = ResultsDocument().target(ES8).sentence(MISSING_JOB)
    document.scenario("rollup.stop.missing-job", ES8, "failed",
                      failing=step(problems=["job sc-ab12cd-job: expected status 404, got 200"]))
    result = load_results(document.write(tmp_path / "r.json")).result(ES8, "rollup.stop.missing-job")

    assert result.explanation == 'step 1 "stop the job": job ${run}-job: expected status 404, got 200'


def test_a_source_without_an_entry_is_titled_by_its_id(tmp_path):
    document = two_targets()
    document.document["sources"] = {}
    results = load_results(document.write(tmp_path / "r.json"))

    assert results.source(SOURCE).title == SOURCE
    assert results.source(SOURCE).url is None


@pytest.mark.parametrize("content, message", [
    (None, "cannot read it"),
    ("{not json", "not JSON"),
    ("[1, 2]", "not a stopcheck results file"),
    (json.dumps({"format_version": 7}), "format_version 7 is not supported"),
    (json.dumps({"format_version": 1, "run": "x"}), "not a valid stopcheck results file (KeyError: 'started')"),
])
def test_bad_files_are_named_with_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ResultsError, match="results.json") as raised:
        load_results(path)
    assert message in str(raised.value)


def test_an_unknown_outcome_is_refused(tmp_path):
    document = two_targets()
    document.record("rollup.stop.missing-job", ES8)["outcome"] = "xfailed"

    with pytest.raises(ResultsError, match="unknown outcome 'xfailed'"):
        load_results(document.write(tmp_path / "r.json"))


def test_files_combine_side_by_side(tmp_path):
    es = ResultsDocument("run-es").target(ES8).sentence(MISSING_JOB)
    es.scenario("rollup.stop.missing-job", ES8)
    opensearch = ResultsDocument("run-os").target("mock:opensearch@2.19.0", "opensearch", "2.19.0")
    opensearch.sentence(MISSING_JOB).scenario("rollup.stop.other", "mock:opensearch@2.19.0")

    results = combine([load_results(es.write(tmp_path / "es.json")),
                       load_results(opensearch.write(tmp_path / "os.json"))])

    assert list(results.targets) == [ES8, "mock:opensearch@2.19.0"]
    assert [run.id for run in results.runs] == ["run-es", "run-os"]
    assert results.sentences[0].scenarios == ("rollup.stop.missing-job", "rollup.stop.other")
    assert results.result("mock:opensearch@2.19.0", "rollup.stop.other").outcome == "passed"


def test_one_target_in_two_files_is_refused(tmp_path):
    first = load_results(two_targets().write(tmp_path / "a.json"))
    second = load_results(two_targets().write(tmp_path / "b.json"))

    with pytest.raises(ResultsError, match=r"target 'mock:elasticsearch@8.10.0' is in both .*a.json and .*b.json"):
        combine([first, second])
