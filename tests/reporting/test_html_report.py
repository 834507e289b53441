"""The HTML report's content, read from the file (the browser test checks what a person sees and does)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from conformance.cli import main
from conformance.reporting.html_report import render_report
from conformance.reporting.matrix import build_matrix
from conformance.reporting.results import load_results
from tests.reporting.documents import MISSING_JOB, STOPPED_JOB, ResultsDocument, step, two_targets

ES8, ES9 = "mock:elasticsearch@8.10.0", "mock:elasticsearch@9.1.0"
MISSING, STOPPED = "rollup.stop.missing-job", "rollup.stop.stopped-job"


class _Page(HTMLParser):
    """The elements of a page: tags with their attributes, and the scripts' text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def _report(tmp_path, document: ResultsDocument, baseline: ResultsDocument | None = None) -> str:
    results = load_results(document.write(tmp_path / "results.json"))
    return render_report(results, load_results(baseline.write(tmp_path / "base.json")) if baseline else None)


def test_the_page_needs_nothing_from_outside(tmp_path):
    page = _Page(_report(tmp_path, two_targets()))

    assert not [t for t, a in page.tags if t in ("link", "img", "iframe", "object", "embed") or
                (t == "script" and "src" in a)]
    policy = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    assert policy.startswith("default-src 'none'")
    assert "fetch(" not in "".join(page.scripts) and "XMLHttpRequest" not in "".join(page.scripts)


def test_cluster_text_is_escaped(tmp_path):
    document = ResultsDocument().target(ES8).sentence(MISSING_JOB)
    document.scenario(MISSING, ES8, "failed", failing=step(
        body={"error": "<script>alert(1)</script>"}, problems=['expected "<b>" got </td><script>']))
    text = _report(tmp_path, document)
    page = _Page(text)

    assert [t for t, _ in page.tags].count("script") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;/td&gt;&lt;script&gt;" in text


def test_headline_per_target(tmp_path):
    document = two_targets()
    document.scenario("rollup.stop.third", ES9, "expected-fail", quote=STOPPED_JOB,
                      failing=step(problems=["no"]), expected_failure={"reason": "known", "link": None,
                                                                       "stale": False})
    text = _report(tmp_path, document)

    assert "100.0%</span> conformance" in text and "(1 passed of 1 applicable)" in text  # 8.10: one skip
    assert "33.3%</span> conformance" in text and "(1 passed of 3 applicable)" in text  # 9.1: expected-fail counts
    assert "elasticsearch 9.1.0" in text and "2026-11-30 15:15 UTC" in text and "stopcheck 0.1.0" in text


def test_a_target_that_could_not_be_used_says_why(tmp_path):
    document = two_targets().target("https://es.example.com", problem="connection refused: is it running?")

    text = _report(tmp_path, document)

    assert "Could not be used: connection refused: is it running?" in text
    assert text.count('data-outcome="not-run"') == 2


def test_a_headline_names_what_the_leak_check_found(tmp_path):
    document = two_targets()
    document.document["targets"][ES9]["leaks"] = {"removed": ["index sc-ab12cd-a"], "left": ["index sc-ab12cd-b"],
                                                  "problems": []}
    document.document["targets"][ES8]["leaks"] = {"removed": [], "left": [], "problems": []}

    text = _report(tmp_path, document)

    assert "Removed what the run left: index sc-ab12cd-a" in text
    assert "Leak check, still there: index sc-ab12cd-b" in text
    assert text.count('class="leaks"') == 1, "a clean check says nothing"


def test_matrix_groups_sentences_by_source_and_family(tmp_path):
    document = two_targets().sentence("Cancels a task.", family="tasks", source="es-tasks")
    document.scenario("tasks.cancel", ES8, family="tasks", source="es-tasks", quote="Cancels a task.")
    document.scenario("orphan.one", ES8, family="tasks", source="es-tasks", quote="Not catalogued.")
    matrix = build_matrix(load_results(document.write(tmp_path / "r.json")))

    assert [(g.source.id if g.source else None, g.family) for g in matrix.groups] == [
        ("es-rollup-stop-job", "rollup"), ("es-tasks", "tasks"), (None, "tasks")]
    rollup = matrix.groups[0]
    assert [s.sentence.quote for s in rollup.sentences] == [MISSING_JOB, STOPPED_JOB]
    assert [s.outcome(1) for s in rollup.sentences] == ["failed", "passed"]
    assert [c.outcome for c in matrix.groups[1].sentences[0].scenarios[0].cells] == ["passed", "not-run"]
    assert matrix.groups[2].sentences[0].scenarios[0].id == "orphan.one"


def test_a_failure_carries_the_other_targets_answer_to_the_same_step(tmp_path):
    text = _report(tmp_path, two_targets())
    detail = text[text.index('<tr class="detail"'):]
    detail = detail[:detail.index("</tr>\n", detail.index("class=\"others\""))]

    assert "on mock:elasticsearch@9.1.0: failed" in detail
    assert f"{MISSING_JOB}<cite>Stop rollup jobs API</cite>" in detail
    assert "specs/scenarios/rollup/stop_missing_job.yaml:12" in detail
    assert "POST /_rollup/job/sc-ab12cd-job/_stop?wait_for_completion=true" in detail
    assert "expected status 404, got 200" in detail
    others = html.unescape(detail[detail.index('class="others"'):])
    assert ES8 in others and '404\n{\n  "error": "no job"\n}' in others
    assert "The step's expectations held." in others


def test_baseline_marks_changed_cells(tmp_path):
    new = two_targets()
    base = new.copy("base")
    base.record(MISSING, ES9).update(outcome="passed", failure=None)
    base.document["scenarios"].remove(base.record(STOPPED, ES9))

    text = _report(tmp_path, new, base)
    matrix = build_matrix(load_results(tmp_path / "results.json"), load_results(tmp_path / "base.json"))
    cells = {(row.id, cell.target): cell.was for g in matrix.groups for s in g.sentences for row in s.scenarios
             for cell in row.cells}

    assert cells == {(MISSING, ES8): None, (MISSING, ES9): "passed", (STOPPED, ES8): None, (STOPPED, ES9): "absent"}
    assert text.count(" changed\"") == 2
    assert "Against the baseline: 1 regression, 0 fixes" in text
    assert '<option value="changed">' in text


def test_cli_writes_the_report_and_refuses_bad_input(tmp_path, capsys):
    results = two_targets().write(tmp_path / "results.json")
    output = tmp_path / "out" / "report.html"

    assert main(["report", str(results), "-o", str(output)]) == 0
    assert MISSING_JOB in output.read_text()
    assert main(["report", str(results), str(results), "-o", str(output)]) == 2
    assert "is in both" in capsys.readouterr().err
    assert main(["report", str(results), "--baseline", str(tmp_path / "nope.json"), "-o", str(output)]) == 2
    assert "nope.json: cannot read it" in capsys.readouterr().err
