"""The Elasticsearch YAML REST test dialect: requests, checks, stash, catch, warnings and prerequisites."""

import json
from pathlib import Path
from textwrap import dedent

import pytest

from conformance.dialects import detect, load
from conformance.documents import LoadError
from conformance.runner import run_scenario
from conformance.targets.base import Response
from tests.conformance.fakes import ScriptedTarget

DISPOSABLE = frozenset({"disposable_cluster"})


def suite(tmp_path: Path, text: str, name: str = "case.yml") -> Path:
    path = tmp_path / "rollup" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(dedent(text))
    return path


def run(path: Path, answer, version: str = "8.17.0"):
    target = ScriptedTarget(answer, version=version, consent=DISPOSABLE)
    return [run_scenario(s, target) for s in load(path)], target.sent


def test_each_test_section_is_a_scenario_and_calls_become_client_built_requests(tmp_path):
    path = suite(tmp_path, """\
        setup:
          - do:
              rollup.put_job: {id: sensor, body: {index_pattern: "s-*"}}
        ---
        "Stop it":
          - do:
              rollup.stop_job: {id: sensor, wait_for_completion: true, timeout: 5s}
          - is_true: stopped
        ---
        "Stop another":
          - do:
              rollup.stop_job: {id: other}
    """)
    scenarios = load(path)
    assert [s.id for s in scenarios] == ["es.rollup.case.stop-it", "es.rollup.case.stop-another"]
    assert detect(path) == "es-yaml"
    results, sent = run(path, lambda r: (200, {"stopped": True, "acknowledged": True}))
    assert [r.outcome for r in results] == ["passed", "passed"]
    stop = sent[1]
    assert (stop.method, stop.path, stop.params) == ("POST", "/_rollup/job/sensor/_stop",
                                                     {"wait_for_completion": "true", "timeout": "5s"})
    assert json.loads(sent[0].body) == {"index_pattern": "s-*"}
    # the runner's wipe: the job created in setup is stopped and deleted after each test
    assert [(r.method, r.path) for r in sent[2:4]] == [("POST", "/_rollup/job/sensor/_stop"),
                                                       ("DELETE", "/_rollup/job/sensor")]
    assert scenarios[0].requires.consent == ("disposable_cluster",)
    assert scenarios[0].requires.features == ("rollup",)


@pytest.mark.parametrize("value, is_true", [(0, False), (0.0, True), ("", False), ("FALSE", False), (None, False),
                                            ([], True), ("0", False), (1, True)])
def test_is_true_and_is_false_judge_as_the_elasticsearch_runner(tmp_path, value, is_true):
    path = suite(tmp_path, """\
        "truth":
          - do: {tasks.cancel: {}}
          - is_true: field
        ---
        "falsehood":
          - do: {tasks.cancel: {}}
          - is_false: field
    """)
    results, _ = run(path, lambda r: (200, {"field": value}))
    assert [r.outcome for r in results] == (["passed", "failed"] if is_true else ["failed", "passed"])


def test_is_false_holds_for_a_missing_field_and_match_null_for_null_or_missing(tmp_path):
    path = suite(tmp_path, """\
        "missing":
          - do: {tasks.cancel: {}}
          - is_false: nowhere
          - match: {nowhere: null, present: null}
    """)
    assert run(path, lambda r: (200, {"present": None}))[0][0].outcome == "passed"


@pytest.mark.parametrize("catch, status, outcome", [
    ("missing", 404, "passed"), ("missing", 400, "failed"), ("request", 500, "passed"), ("request", 404, "failed"),
    ("conflict", 409, "passed"), ("/job \\[x\\] missing/", 404, "passed"), ("/other/", 404, "failed"),
    ("missing", 200, "failed")])
def test_catch_expects_the_named_status_or_an_error_matching_the_regex(tmp_path, catch, status, outcome):
    path = suite(tmp_path, f"""\
        "caught":
          - do:
              catch: {catch}
              rollup.stop_job: {{id: x}}
          - match: {{status: {status}}}
    """)
    body = {"error": {"type": "resource_not_found_exception", "reason": "job [x] missing"}, "status": status}
    assert run(path, lambda r: (status, body))[0][0].outcome == outcome


def test_catch_param_sends_nothing_and_checks_after_it_apply_to_the_previous_response(tmp_path):
    path = suite(tmp_path, """\
        "param":
          - do: {tasks.cancel: {}}
          - do:
              catch: param
              tasks.cancel: {nodes: x}
          - match: {first: true}
    """)
    results, sent = run(path, lambda r: (200, {"first": True}))
    assert results[0].outcome == "passed" and len(sent) == 1


def test_stash_feeds_paths_params_bodies_keys_and_expected_values(tmp_path):
    path = suite(tmp_path, """\
        "stash":
          - do: {rollup.get_jobs: {id: _all}}
          - set: {jobs.0.config.id: job, count: n}
          - do:
              rollup.put_job: {id: $job, body: {copy_of: "${job}", $job: $n}}
          - match: {acknowledged: $n}
          - match: {echo.$job: "copied-${job}"}
    """)

    def answer(request):
        if request.method == "GET":
            return 200, {"jobs": [{"config": {"id": "j1"}}], "count": 7}
        return 200, {"acknowledged": 7, "echo": {"j1": "copied-j1"}}

    results, sent = run(path, answer)
    assert results[0].outcome == "passed", results[0].failed_step
    assert sent[1].path == "/_rollup/job/j1"
    assert json.loads(sent[1].body) == {"copy_of": "j1", "j1": 7}


def test_a_check_against_a_value_stashed_from_the_same_read_sends_the_read_again(tmp_path):
    path = suite(tmp_path, """\
        "same response":
          - do: {indices.get_mapping: {index: i}}
          - set: {i.mappings._meta.version: version}
          - match: {i.mappings._meta: {version: $version}}
        ---
        "same response of a write":
          - do: {rollup.put_job: {id: j, body: {}}}
          - set: {version: version}
          - match: {again: $version}
    """)
    results, sent = run(path, lambda r: (200, {"i": {"mappings": {"_meta": {"version": 3}}}}))
    assert results[0].outcome == "passed"
    assert [r.path for r in sent] == ["/i/_mapping", "/i/_mapping"]
    assert results[1].outcome == "skipped" and "cannot send twice" in results[1].reason


def test_warnings_must_be_exactly_those_expected_besides_the_allowed(tmp_path):
    path = suite(tmp_path, """\
        "expected":
          - do:
              warnings: ["deprecated, really"]
              allowed_warnings: ["maybe"]
              tasks.cancel: {}
        ---
        "none expected":
          - do: {tasks.cancel: {}}
    """)

    target = ScriptedTarget(lambda r: (200, {}), consent=DISPOSABLE)
    warned = '299 Elasticsearch-8.17.0-x "deprecated, really", 299 Elasticsearch-8.17.0-x "maybe"'
    target.send = lambda request: Response(200, {"Warning": warned}, "{}")
    assert [run_scenario(s, target).outcome for s in load(path)] == ["passed", "failed"]


@pytest.mark.parametrize("prerequisite, version, reason", [
    ('skip: {version: " - 8.9.99", reason: old}', "8.5.0", "skipped on versions  - 8.9.99: old"),
    ('skip: {version: " - 8.9.99", reason: old}', "8.10.0", None),
    ('skip: {version: "7.0.0 - 7.9.99, 8.2.0 - 8.3.0", reason: gaps}', "8.2.5", "skipped on versions"),
    ('requires: {cluster_features: [gte_v8.11.0], reason: new}', "8.10.2", "needs version 8.11.0: new"),
    ('requires: {cluster_features: [gte_v8.11.0], reason: new}', "9.0.0-SNAPSHOT", None),
    ('requires: {cluster_features: [some_feature], reason: r}', "9.0.0", "needs cluster feature some_feature"),
    ('requires: {test_runner_features: [arbitrary_key]}', "9.0.0", "needs runner feature arbitrary_key"),
    ('skip: {features: [headers, allowed_warnings]}', "9.0.0", None),
    ('skip: {awaits_fix: "flaky"}', "9.0.0", "awaits fix: flaky"),
])
def test_skip_and_requires_gate_on_the_target(tmp_path, prerequisite, version, reason):
    path = suite(tmp_path, f"""\
        "gated":
          - {prerequisite}
          - do: {{tasks.cancel: {{}}}}
    """)
    result = run(path, lambda r: (200, {}), version=version)[0][0]
    if reason is None:
        assert result.outcome == "passed"
    else:
        assert result.outcome == "skipped" and result.reason.startswith(reason)


def test_a_setup_prerequisite_gates_every_test_of_the_file(tmp_path):
    path = suite(tmp_path, """\
        setup:
          - skip: {awaits_fix: "whole file"}
        ---
        "one":
          - do: {tasks.cancel: {}}
        ---
        "two":
          - do: {tasks.cancel: {}}
    """)
    assert [r.reason for r in run(path, lambda r: (200, {}))[0]] == ["awaits fix: whole file"] * 2


def test_an_api_that_resolves_to_nothing_skips_the_test_with_that_reason(tmp_path):
    path = suite(tmp_path, """\
        "unknown":
          - do: {nonexistent.api: {}}
    """)
    result = run(path, lambda r: (200, {}))[0][0]
    assert result.outcome == "skipped" and "nonexistent.api is unknown to the elasticsearch client" in result.reason


def test_an_api_specification_file_can_resolve_names_instead_of_the_client(tmp_path):
    spec = tmp_path / "api.json"
    spec.write_text(json.dumps({"custom.stop": {"url": {"paths": [
        {"path": "/_custom", "methods": ["POST"]},
        {"path": "/_custom/{id}/_stop", "methods": ["POST"], "parts": {"id": {}}}]}}}))
    path = suite(tmp_path, """\
        "custom":
          - do: {custom.stop: {id: "a b", force: true}}
    """)
    scenario, = load(path, api_spec=spec)
    request = scenario.steps[0].request
    assert (request.method, request.path, request.params) == ("POST", "/_custom/a%20b/_stop", {"force": True})


@pytest.mark.parametrize("text, message", [
    ('"t":\n  - match: {a: 1}\n', "before any `do`"),
    ('"t":\n  - do: {tasks.cancel: {}}\n  - skip: {awaits_fix: x}\n', "must be the first step"),
    ('"t":\n  - do: {tasks.cancel: {}, tasks.get: {}}\n', "exactly one API"),
    ('"t":\n  - do: {tasks.cancel: {body: "{not json"}}\n', "body is not JSON"),
    ('"t":\n  - do: [\n', "YAML syntax error"),
])
def test_malformed_files_are_load_errors_naming_file_and_line(tmp_path, text, message):
    path = suite(tmp_path, text)
    with pytest.raises(LoadError, match=message) as error:
        load(path, "es-yaml")
    assert error.value.path == path and error.value.line >= 1
