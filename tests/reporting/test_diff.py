"""`stopcheck diff`: what changed between two runs, per target, in text, Markdown and JSON; exit 1 on a regression."""

from __future__ import annotations

import json

import pytest

from conformance.cli import main
from conformance.reporting.diff import diff
from conformance.reporting.diff_format import as_markdown, as_text
from conformance.reporting.results import load_results
from tests.reporting.documents import MISSING_JOB, STOPPED_JOB, ResultsDocument, step, two_targets

ES8, ES9 = "mock:elasticsearch@8.10.0", "mock:elasticsearch@9.1.0"
MISSING, STOPPED = "rollup.stop.missing-job", "rollup.stop.stopped-job"


def _fixed(document: ResultsDocument, run: str = "base") -> ResultsDocument:
    """`document` as an earlier run in which the 9.1 failure still passed."""
    base = document.copy(run)
    base.record(MISSING, ES9).update(outcome="passed", failure=None)
    return base


def _changes(tmp_path, base: ResultsDocument, new: ResultsDocument) -> dict[str, list[tuple[str, str]]]:
    result = diff(load_results(base.write(tmp_path / "base.json")), load_results(new.write(tmp_path / "new.json")))
    return {t.label: [(c.kind, c.scenario) for c in t.changes] for t in result.targets}


def test_pass_to_fail_is_a_regression_and_the_reverse_a_fix(tmp_path):
    new = two_targets()

    assert _changes(tmp_path, _fixed(new), new) == {ES8: [], ES9: [("regression", MISSING)]}
    assert _changes(tmp_path, new, _fixed(new)) == {ES8: [], ES9: [("fix", MISSING)]}


def test_pass_to_error_is_a_regression_and_skip_to_fail_another_change(tmp_path):
    base = two_targets()
    new = base.copy("new")
    new.record(MISSING, ES8).update(outcome="error", failure={"message": "boom", "step": None, "teardown": [],
                                                              "traceback": "TypeError"})
    new.record(STOPPED, ES8).update(outcome="failed", failure={"message": "x", "step": step(problems=["no"]),
                                                               "teardown": [], "traceback": None})

    assert _changes(tmp_path, base, new)[ES8] == [("regression", MISSING), ("outcome", STOPPED)]


def test_new_and_removed_scenarios_and_targets(tmp_path):
    base = two_targets()
    new = base.copy("new").target("mock:opensearch@2.19.0", "opensearch", "2.19.0")
    new.scenario("rollup.stop.added", ES8, quote=STOPPED_JOB)
    new.document["scenarios"].remove(new.record(STOPPED, ES9))
    del new.document["targets"][ES8]
    new.document["scenarios"] = [r for r in new.document["scenarios"] if r["target"] != ES8]

    result = diff(load_results(base.write(tmp_path / "b.json")), load_results(new.write(tmp_path / "n.json")))

    assert [(t.label, t.status) for t in result.targets] == [
        (ES9, "compared"), ("mock:opensearch@2.19.0", "added"), (ES8, "removed")]
    assert [(c.kind, c.scenario) for c in result.targets[0].changes] == [("removed", STOPPED)]

    added = base.copy("new")
    added.scenario("rollup.stop.added", ES8, quote=STOPPED_JOB)
    assert _changes(tmp_path, base, added)[ES8] == [("new", "rollup.stop.added")]


def test_a_changed_failure_reason_is_reported_but_the_run_prefix_is_not(tmp_path):
    base = two_targets()
    same = base.copy("same")
    same.record(MISSING, ES9)["prefix"] = "sc-ffffff"  # another run, another prefix: nothing changed
    other = base.copy("other")
    other.record(MISSING, ES9)["failure"]["step"]["problems"] = ["expected status 404, got 500"]

    assert _changes(tmp_path, base, same)[ES9] == []
    assert _changes(tmp_path, base, other)[ES9] == [("reason", MISSING)]


@pytest.mark.parametrize("before, after, kind", [
    (0.4, 3.1, "slower"), (3.1, 0.4, "faster"), (0.01, 0.9, None), (10.0, 15.0, None)])
def test_only_large_duration_changes_count(tmp_path, before, after, kind):
    base = two_targets()
    base.record(STOPPED, ES9)["duration"] = before
    new = base.copy("new")
    new.record(STOPPED, ES9)["duration"] = after

    assert _changes(tmp_path, base, new)[ES9] == ([(kind, STOPPED)] if kind else [])


def test_text_names_the_documented_sentence_of_a_regression(tmp_path):
    new = two_targets()
    result = diff(load_results(_fixed(new).write(tmp_path / "b.json")), load_results(new.write(tmp_path / "n.json")))

    text = as_text(result)

    assert f"{ES9}: 1 regression" in text
    assert f'documents: Stop rollup jobs API: "{MISSING_JOB}"' in text
    assert 'now: step 2 "stop a missing job": expected status 404, got 200' in text
    assert text.endswith("1 regression")


def test_markdown_shows_cluster_text_literally(tmp_path):
    base = two_targets()
    new = base.copy("new")
    new.record(MISSING, ES9)["failure"]["step"]["problems"] = ["got <img src=x> | *bold* `code`"]

    markdown = as_markdown(diff(load_results(base.write(tmp_path / "b.json")),
                                load_results(new.write(tmp_path / "n.json"))))

    assert "got &lt;img src=x&gt; \\| \\*bold\\* \\`code\\`" in markdown
    assert "<img" not in markdown
    assert "**Changed failure reasons**" in markdown


def test_cli_exits_1_on_a_regression_and_appends_markdown_to_the_step_summary(tmp_path, monkeypatch, capsys):
    new = two_targets()
    base_file, new_file = _fixed(new).write(tmp_path / "b.json"), new.write(tmp_path / "n.json")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    assert main(["diff", str(base_file), str(new_file), "--markdown"]) == 1
    assert summary.read_text().startswith("earlier step\n## stopcheck diff")
    assert "**1 regression**" in capsys.readouterr().out
    assert main(["diff", str(new_file), str(base_file)]) == 0
    assert "no regressions" in capsys.readouterr().out
    assert summary.read_text().count("## stopcheck diff") == 1  # only --markdown writes the summary


def test_cli_json(tmp_path, capsys):
    new = two_targets()

    assert main(["diff", str(_fixed(new).write(tmp_path / "b.json")), str(new.write(tmp_path / "n.json")),
                 "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["regressions"] == 1
    change = document["targets"][1]["changes"][0]
    assert change["kind"] == "regression" and change["scenario"] == MISSING
    assert change["before"]["outcome"] == "passed" and change["after"]["outcome"] == "failed"
    assert change["documents"][0]["quote"] == MISSING_JOB


def test_cli_says_which_file_is_bad(tmp_path, capsys):
    good = two_targets().write(tmp_path / "good.json")

    assert main(["diff", str(good), str(tmp_path / "missing.json")]) == 2
    assert "missing.json: cannot read it" in capsys.readouterr().err


def test_a_target_that_could_not_be_used_says_so(tmp_path):
    base = two_targets()
    new = base.copy("new")
    new.document["targets"][ES9]["problem"] = "connection refused"
    new.document["scenarios"] = [r for r in new.document["scenarios"] if r["target"] != ES9]

    text = as_text(diff(load_results(base.write(tmp_path / "b.json")), load_results(new.write(tmp_path / "n.json"))))

    assert f"{ES9}: could not be used in the new run (connection refused); 2 removed scenarios" in text
