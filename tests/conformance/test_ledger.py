"""The resource ledger: what a run creates is recorded as it is created, and whatever a crash or an interrupt
leaves is torn down after the run, in dependency order; a leak check lists what is still there."""

import json
import signal
import subprocess
import sys
import time

import pytest

from conformance.ledger import LEDGER_NAME, Ledger, Place, outstanding, read
from conformance.cli import main, plugin_options
from conformance.resources import Resource, created, deleted, in_teardown_order
from conformance.targets.base import Request, Response
from conformance.targets.http import HttpOptions, HttpTarget
from tests.conformance.conftest import results, run, scenario_folder
from tests.nested_runs import NESTED_RUN_OPTIONS

ES, OS = "elasticsearch", "opensearch"


@pytest.mark.parametrize(("flavour", "method", "path", "body", "answer", "expected"), [
    (ES, "PUT", "/sc-1-a", None, None, [Resource("index", "sc-1-a")]),
    (ES, "PUT", "/sc-1-a/_doc/1", {}, None, [Resource("index", "sc-1-a")]),
    (ES, "POST", "/_bulk", [{"index": {"_index": "sc-1-a"}}, {"n": 1}, {"create": {"_index": "sc-1-b"}}, {}], None,
     [Resource("index", "sc-1-a"), Resource("index", "sc-1-b")]),
    (ES, "PUT", "/_rollup/job/sc-1-j", {"rollup_index": "sc-1-r"}, None,
     [Resource("rollup job", "sc-1-j"), Resource("index", "sc-1-r")]),
    (OS, "PUT", "/_plugins/_rollup/jobs/sc-1-j", {"rollup": {"target_index": "sc-1-t"}}, None,
     [Resource("opensearch rollup job", "sc-1-j"), Resource("index", "sc-1-t")]),
    (ES, "PUT", "/_ml/data_frame/analytics/sc-1-d", {"dest": {"index": "sc-1-out"}}, None,
     [Resource("data frame analytics job", "sc-1-d"), Resource("index", "sc-1-out")]),
    (ES, "POST", "/_reindex", {"dest": {"index": "sc-1-dst"}}, {"task": "node-1:42"},
     [Resource("index", "sc-1-dst"), Resource("task", "node-1:42")]),
    (ES, "PUT", "/_security/user/sc-1-u", {}, None, [Resource("user", "sc-1-u")]),
    (OS, "PUT", "/_plugins/_security/api/roles/sc-1-r", {}, None, [Resource("role", "sc-1-r")]),
    (ES, "PUT", "/_rollup/job/sc-1-j", None, None, [Resource("rollup job", "sc-1-j")]),
    (OS, "PUT", "/_rollup/job/sc-1-j", None, None, []),
    (ES, "PUT", "/_all", None, None, []),
    (ES, "PUT", "/sc-1-*", None, None, []),
    (OS, "PUT", "/_plugins/_rollup/jobs/sc-1-j", {"rollup": {"target_index": "r_{{ctx.source_index}}"}}, None,
     [Resource("opensearch rollup job", "sc-1-j")]),
    (ES, "GET", "/sc-1-a", None, None, []),
])
def test_one_table_says_what_a_request_creates(flavour, method, path, body, answer, expected):
    assert created(flavour, method, path, body, answer) == expected


def test_deletions_and_teardown_order():
    assert deleted(ES, "DELETE", "/sc-1-a,sc-1-b,sc-1-*") == [Resource("index", "sc-1-a"), Resource("index", "sc-1-b")]
    assert deleted(ES, "POST", "/_tasks/n:1/_cancel") == [Resource("task", "n:1")]
    assert deleted(ES, "DELETE", "/_all") == []
    made = [Resource("role", "r"), Resource("index", "i"), Resource("user", "u"), Resource("task", "t"),
            Resource("rollup job", "j"), Resource("data frame analytics job", "d")]
    assert [r.kind for r in in_teardown_order(made)] == ["rollup job", "data frame analytics job", "task", "index",
                                                         "user", "role"]


def test_outstanding_is_what_was_created_and_not_deleted_since(tmp_path):
    ledger = Ledger(tmp_path, "20250101-000000-abc123", "gw0")
    here, there = Place("a", "http://a:9200", ES), Place("b", "http://b:9200", ES)
    for event, resource, place in [("created", Resource("index", "x"), here), ("created", Resource("index", "x"), there),
                                   ("deleted", Resource("index", "x"), here), ("created", Resource("index", "y"), here)]:
        ledger.record(event, resource, place, "demo.scenario")
    (tmp_path / LEDGER_NAME).open("a").write('{"event": "created", "kind": "ind')  # a line cut short by a crash
    left = outstanding(read(tmp_path / LEDGER_NAME))
    assert [(e.target, e.name) for e in left] == [("b", "x"), ("a", "y")]
    assert left[0].scenario == "demo.scenario" and left[0].process == "gw0" and left[0].time.endswith("+00:00")


LEAVES_AN_INDEX = """\
steps:
  - name: create an index
    request: {method: PUT, path: "/${run}-kept"}
    expect: {status: 200}
  - name: create a second one
    request: {method: PUT, path: "/${run}-second"}
    expect: {status: 200}
teardown:
  - request: {method: DELETE, path: "/${run}-kept,${run}-second"}
    expect: {status: [200, 404]}
"""


def indices(server):
    response = HttpTarget(HttpOptions(server.url)).send(Request("GET", "/*/_mapping"))
    assert response.status == 200
    return sorted(response.body)


def leaks(reports):
    """The leak check of the run's one target, as results.json (checked against its schema) records it."""
    [target] = results(reports)["targets"].values()
    return target["leaks"]


def test_every_creation_and_deletion_is_in_the_ledger(pytester, es_mock):
    folder = scenario_folder(pytester, "demo.ledger", "creates two indices", LEAVES_AN_INDEX)
    reports = pytester.path / "reports"
    result = run(pytester, str(folder), "--stopcheck-target", es_mock.url, "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=1)
    entries = read(reports / LEDGER_NAME)
    assert [(e.event, e.kind) for e in entries] == [("created", "index")] * 2 + [("deleted", "index")] * 2
    assert {e.scenario for e in entries} == {"demo.ledger"} and {e.process for e in entries} == {"main"}
    assert all(e.name.startswith("sc-" + e.run.rpartition("-")[2] + "-") for e in entries)
    assert indices(es_mock) == [] and "leak check" not in result.stdout.str()
    assert leaks(reports) == {"removed": [], "left": [], "problems": []}


CRASH_IN_TEARDOWN = """
import conformance.runner

def pytest_configure(config):
    if hasattr(config, "workerinput"):
        conformance.runner._tear_down = lambda *args: os._exit(1)
"""


def test_what_a_crashed_worker_left_is_torn_down_after_the_run(pytester, es_mock):
    folder = scenario_folder(pytester, "demo.ledger", "creates two indices", LEAVES_AN_INDEX)
    pytester.makeconftest(CRASH_IN_TEARDOWN)
    reports = pytester.path / "reports"
    result = run(pytester, str(folder), "--stopcheck-target", es_mock.url, "--stopcheck-report-dir", str(reports),
                 "-n", "1")
    assert "crashed" in result.stdout.str() or "node down" in result.stdout.str()
    assert indices(es_mock) == [], "the controller removed what the dead worker made"
    entries = read(reports / LEDGER_NAME)
    swept = [e for e in entries if e.event == "deleted"]
    assert {e.scenario for e in swept} == {"teardown after the run"} and len(swept) == 2
    assert "removed what the run left (ledger.jsonl): index sc-" in result.stdout.str()
    assert "leak check" not in result.stdout.str()
    assert sorted(leaks(reports)["removed"]) == sorted(f"index {e.name}" for e in swept)


WAITS_FOREVER = """\
setup:
  - name: create an index
    request: {method: PUT, path: "/${run}-busy"}
    expect: {status: 200}
steps:
  - name: wait for something that never happens
    request: {method: GET, path: "/${run}-busy/_count"}
    eventually: {timeout: 120s, interval: 100ms}
    expect: {status: 299}
"""


def test_sigterm_still_tears_down_and_records_it(pytester, es_mock, tmp_path):
    folder = scenario_folder(pytester, "demo.busy", "waits and has no teardown of its own", WAITS_FOREVER)
    reports = tmp_path / "reports"
    process = subprocess.Popen([sys.executable, "-m", "pytest", str(folder), "--stopcheck", "--stopcheck-target",
                                es_mock.url, "--stopcheck-report-dir", str(reports), "-p", "no:cacheprovider",
                                *NESTED_RUN_OPTIONS, *plugin_options()],
                               cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not read(reports / LEDGER_NAME) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()[0]
    assert indices(es_mock), "the scenario created its index"
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == pytest.ExitCode.INTERRUPTED, output
    assert indices(es_mock) == [], output
    assert [e.event for e in read(reports / LEDGER_NAME)] == ["created", "deleted"]
    assert json.loads((reports / "results.json").read_text())["complete"] is False


def test_cleanup_removes_what_runs_left_and_nothing_else(tmp_path, es_mock, capsys):
    cluster = HttpTarget(HttpOptions(es_mock.url))

    def send(method, path, body=None):
        response = cluster.send(Request(method, path, {}, json.dumps(body).encode() if body is not None else None))
        assert response.status == 200, response.text

    reports, first, second = tmp_path / "reports", "20250101-000000-aaa111", "20250102-000000-bbb222"
    place = Place("es", es_mock.url, ES)
    for index in ("sc-aaa111-000001-logged", "sc-aaa111-000002-unlogged", "sc-bbb222-000001-b", "production",
                  "sc-ccc333-000001-not-in-these-reports", "sc-aaa111-000001-job-rollup"):
        mappings = {"_meta": {"_rollup": {}}} if index.endswith("-rollup") else {"properties": {"t": {"type": "date"}}}
        send("PUT", f"/{index}", {"mappings": mappings})
    send("PUT", "/_rollup/job/sc-aaa111-000001-job", {
        "index_pattern": "sc-aaa111-000001-logged", "rollup_index": "sc-aaa111-000001-job-rollup",
        "cron": "*/30 * * * * ?", "page_size": 10, "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}})
    send("POST", "/_rollup/job/sc-aaa111-000001-job/_start")
    for run_id, resources in ((first, [Resource("index", "sc-aaa111-000001-logged"),
                                       Resource("rollup job", "sc-aaa111-000001-job")]),
                              (second, [Resource("index", "sc-bbb222-000001-b")])):
        for resource in resources:
            Ledger(reports / run_id, run_id, "gw0").record("created", resource, place, "demo")

    assert main(["cleanup", "--run", first, "--dry-run", "--reports", str(reports)]) == 0
    shown = capsys.readouterr().out
    assert "would remove" in shown and "rollup job sc-aaa111-000001-job" in shown
    assert "index sc-aaa111-000002-unlogged" in shown, "found by the run's prefix too"
    assert "sc-bbb222" not in shown and "production" not in shown
    assert len(indices(es_mock)) == 6, "a dry run removes nothing"

    assert main(["cleanup", "--run", first, "--reports", str(reports)]) == 0
    assert indices(es_mock) == ["production", "sc-bbb222-000001-b", "sc-ccc333-000001-not-in-these-reports"]
    assert "removed rollup job sc-aaa111-000001-job" in capsys.readouterr().out, "stopped before it was deleted"
    assert {e.process for e in read(reports / first / LEDGER_NAME) if e.event == "deleted"} == {"cleanup"}

    assert main(["cleanup", "--all-runs", "--reports", str(reports)]) == 0
    assert indices(es_mock) == ["production", "sc-ccc333-000001-not-in-these-reports"]


def test_cleanup_says_when_a_target_cannot_be_reached(tmp_path, capsys):
    run_id = "20250101-000000-aaa111"
    Ledger(tmp_path / run_id, run_id, "gw0").record("created", Resource("index", "sc-aaa111-1-x"),
                                                   Place("gone", "http://127.0.0.1:1", ES), "demo")
    assert main(["cleanup", "--all-runs", "--reports", str(tmp_path)]) == 2
    assert "gone: cannot connect" in capsys.readouterr().out


NO_TEARDOWN = """\
steps:
  - name: create an index and leave it
    request: {method: PUT, path: "/${run}-left"}
    expect: {status: 200}
"""


def test_the_leak_check_names_what_could_not_be_removed_and_cleanup_removes_it(pytester, es_mock, monkeypatch):
    folder = scenario_folder(pytester, "demo.left", "leaves an index behind", NO_TEARDOWN)
    real_send = HttpTarget.send

    def refuse_deletes(self, request):
        return Response(500, {}, '{"error": "no"}') if request.method == "DELETE" else real_send(self, request)

    monkeypatch.setattr(HttpTarget, "send", refuse_deletes)
    reports = pytester.path / "reports"
    result = run(pytester, str(folder), "--stopcheck-target", es_mock.url, "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=1)
    [left] = indices(es_mock)
    run_id = read(reports / LEDGER_NAME)[0].run
    output = result.stdout.str()
    assert f"teardown problem: index {left}: DELETE /{left} answered 500" in output
    assert f"leak check: still there: index {left} (stopcheck cleanup --run {run_id} removes them)" in output
    assert leaks(reports) == {"removed": [], "left": [f"index {left}"],
                              "problems": [f"index {left}: DELETE /{left} answered 500"]}
    monkeypatch.undo()
    assert main(["cleanup", "--run", reports.name, "--reports", str(reports.parent)]) == 0
    assert indices(es_mock) == []
