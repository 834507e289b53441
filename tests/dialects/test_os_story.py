"""The OpenSearch API-specification story dialect: chapters, outputs, partial payloads and gates."""

import json
from pathlib import Path
from textwrap import dedent

import pytest

from conformance.dialects import detect, load
from conformance.documents import LoadError
from conformance.runner import run_scenario
from tests.conformance.fakes import ScriptedTarget

DISPOSABLE = frozenset({"disposable_cluster"})
HEAD = "$schema: ../json_schemas/test_story.schema.yaml\ndescription: A story under test.\n"


def story(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs" / "start.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(HEAD + dedent(text))
    return path


def run(path: Path, answer, version: str = "2.19.0", **options):
    target = ScriptedTarget(answer, flavour="opensearch", version=version, consent=DISPOSABLE)
    return [run_scenario(s, target) for s in load(path, **options)], target.sent


CHAPTERS = """\
prologues:
  - {path: /_bulk, method: POST, parameters: {refresh: true}, request: {content_type: application/x-ndjson,
     payload: [{create: {_index: books}}, {title: A}]}}
chapters:
  - synopsis: Create.
    id: made
    path: /_plugins/_rollup/jobs/{id}
    method: PUT
    parameters: {id: books, if_seq_no: 3}
    request: {payload: {rollup: {enabled: true}}}
    response: {status: 201, payload: {_id: books, rollup: {dimensions: [{terms: {source_field: title}}]}}}
    output: {seq: payload._seq_no, first: "payload.rollup.dimensions[0]"}
  - synopsis: Read back.
    path: /_plugins/_rollup/jobs/{id}
    method: [GET, HEAD]
    parameters: {id: "${made.seq}"}
    response: {payload: {_seq_no: "${made.seq}"}}
epilogues:
  - {path: /books, method: DELETE, status: [200, 404]}
"""


def test_a_story_runs_prologues_chapters_and_epilogues_with_outputs_and_partial_payloads(tmp_path):
    path = story(tmp_path, CHAPTERS)
    assert detect(path) == "opensearch-story"

    def answer(request):
        if request.path.startswith("/_plugins"):
            return (201 if request.method == "PUT" else 200), {
                "_id": "books", "_seq_no": 4, "extra": 1,
                "rollup": {"dimensions": [{"terms": {"source_field": "title", "x": 1}}, {"more": 1}]}}
        return 200, {}

    (result,), sent = run(path, answer)
    assert result.outcome == "passed", result.failed_step
    assert result.scenario.id == "story.jobs.start"
    assert [(r.method, r.path, r.params) for r in sent] == [
        ("POST", "/_bulk", {"refresh": "true"}), ("PUT", "/_plugins/_rollup/jobs/books", {"if_seq_no": "3"}),
        ("GET", "/_plugins/_rollup/jobs/4", {}), ("HEAD", "/_plugins/_rollup/jobs/4", {}), ("DELETE", "/books", {})]
    assert sent[0].body.decode().splitlines() == ['{"create": {"_index": "books"}}', '{"title": "A"}']
    assert json.loads(sent[1].body) == {"rollup": {"enabled": True}}
    assert result.scenario.requires.features == ("rollup",)


@pytest.mark.parametrize("actual, holds", [
    ({"a": {"b": [1, {"c": 2, "d": 3}, 9]}, "e": 0}, True),
    ({"a": {"b": [1]}}, False),
    ({"a": {"b": [1, {"c": "2"}]}}, False),
    ({"a": {"b": [2, {"c": 2}]}}, False),
])
def test_payloads_match_partially_by_key_and_by_position(tmp_path, actual, holds):
    path = story(tmp_path, """\
        chapters:
          - {synopsis: Read., path: /x, method: GET, response: {payload: {a: {b: [1, {c: 2}]}}}}
    """)
    (result,), _ = run(path, lambda r: (200, actual))
    assert result.outcome == ("passed" if holds else "failed")


def test_a_chapter_status_other_than_expected_fails_and_a_prologue_status_is_an_error(tmp_path):
    path = story(tmp_path, """\
        prologues:
          - {path: /p, method: PUT}
        chapters:
          - {synopsis: Read., path: /x, method: GET}
    """)
    (result,), _ = run(path, lambda r: (404 if r.path == "/x" else 201, {}))
    assert result.outcome == "failed"
    (result,), _ = run(path, lambda r: (500, {}))
    assert result.outcome == "error"


def test_version_gated_chapters_give_one_variant_per_combination_and_pending_chapters_do_not_run(tmp_path):
    path = story(tmp_path, """\
        version: ">= 2.0"
        chapters:
          - {synopsis: Always., path: /a, method: GET}
          - {synopsis: New., path: /b, method: GET, version: ">= 3.0"}
          - {synopsis: Later., path: /c, method: GET, pending: not yet}
    """)
    for version, paths in (("3.1.0", ["/a", "/b"]), ("2.19.0", ["/a"])):
        results, sent = run(path, lambda r: (200, {}), version=version)
        assert sorted(r.outcome for r in results) == ["passed", "skipped"]
        assert [r.path for r in sent] == paths
    results, _ = run(path, lambda r: (200, {}), version="1.3.17")
    assert {r.outcome for r in results} == {"skipped"}
    assert "story: version 1.3.17 of target scripted does not satisfy '>= 2.0'" in {r.reason for r in results}


def test_distribution_filters_follow_the_chosen_distribution(tmp_path):
    path = story(tmp_path, """\
        distributions: {excluded: [amazon-serverless]}
        chapters:
          - {synopsis: Managed only., path: /m, method: GET, distributions: {included: [amazon-managed]}}
          - {synopsis: Everywhere., path: /e, method: GET}
    """)
    (result,), sent = run(path, lambda r: (200, {}))
    assert result.outcome == "passed" and [r.path for r in sent] == ["/e"]
    (result,), _ = run(path, lambda r: (200, {}), distribution="amazon-serverless")
    assert result.reason == "story: not for distribution amazon-serverless"


@pytest.mark.parametrize("text, message", [
    ("chapters:\n  - {synopsis: A., path: /a, method: GET, parameters: {id: '${nope.x}'}}\n", "incorrect variables"),
    ("chapters:\n  - {synopsis: A., path: /a, method: GET, output: {x: payload.a}}\n", "must have an id"),
    ("chapters:\n  - {synopsis: A., id: c, path: /a, method: GET, output: {x: status}}\n", "Unknown output source"),
    ("chapters:\n  - {path: /a, method: GET}\n", "`synopsis` is required"),
    ("chapters: []\nsurprise: 1\n", "unknown story key 'surprise'"),
])
def test_malformed_stories_are_load_errors(tmp_path, text, message):
    with pytest.raises(LoadError, match=message):
        load(story(tmp_path, text))
