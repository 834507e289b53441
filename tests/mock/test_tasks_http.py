"""Task management and bulk-by-scroll over real sockets, on a ManualClock unless real time is the point."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from mockserver.clock import ManualClock


def call(server, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def clock(mock) -> ManualClock:
    return mock.cluster.clock


@pytest.fixture
def mock(start_mock):
    server = start_mock(clock="manual")
    lines = [json.dumps(line) for i in range(10) for line in ({"index": {"_id": str(i)}}, {"n": i, "even": i % 2 == 0})]
    status, _ = call(server, "POST", "/src/_bulk", ("\n".join(lines) + "\n").encode(),
                     {"Content-Type": "application/x-ndjson"})
    assert status == 200
    return server


def start_reindex(mock, query: str = "requests_per_second=1", size: int = 1, dest: str = "dst",
                  headers: dict[str, str] | None = None) -> str:
    status, body = call(mock, "POST", f"/_reindex?wait_for_completion=false&{query}",
                        {"source": {"index": "src", "size": size}, "dest": {"index": dest}}, headers)
    assert status == 200, body
    return body["task"]


def fixture(mock, name: str, **args: Any) -> Any:
    status, body = call(mock, "POST", f"/_stopcheck/fixtures/{name}", args)
    assert status == 200, body
    return body


def error(body: dict[str, Any]) -> tuple[str, str]:
    return body["error"]["type"], body["error"]["reason"]


# background work and get -------------------------------------------------------------------------------------
def test_background_reindex_progresses_with_the_clock_and_stores_its_result(mock, clock):
    task_id = start_reindex(mock, headers={"X-Opaque-Id": "copy-job"})
    node, _, number = task_id.partition(":")
    status, running = call(mock, "GET", f"/_tasks/{task_id}")
    assert status == 200 and running["completed"] is False
    info = running["task"]
    assert (info["node"], info["id"], info["type"]) == (node, int(number), "transport")
    assert info["action"] == "indices:data/write/reindex" and info["description"] == "reindex from [src] to [dst]"
    assert info["status"]["total"] == 10 and info["status"]["created"] == 1
    assert info["cancellable"] is True and info["cancelled"] is False
    assert info["headers"] == {"X-Opaque-Id": "copy-job"}
    clock.advance(4.5)
    assert call(mock, "GET", "/dst/_count")[1]["count"] == 5  # progress shows in the index without a task read
    clock.advance(6)
    status, done = call(mock, "GET", f"/_tasks/{task_id}")
    assert status == 200 and done["completed"] is True
    assert done["response"]["created"] == 10 and done["response"]["failures"] == []
    assert done["task"]["status"]["created"] == 10 and "error" not in done


def test_get_task_waits_for_completion_or_times_out(mock):
    task_id = start_reindex(mock, "requests_per_second=2")
    status, body = call(mock, "GET", f"/_tasks/{task_id}?wait_for_completion=true&timeout=1s")
    assert status == 500 and error(body) == ("timeout_exception", "timed out after [1s/1000ms]")
    status, body = call(mock, "GET", f"/_tasks/{task_id}?wait_for_completion=true")
    assert status == 200 and body["completed"] is True and body["response"]["created"] == 10


def test_get_unknown_tasks_answers_the_real_404s(mock):
    status, body = call(mock, "GET", "/_tasks/foo:1")
    assert status == 404
    assert error(body) == ("resource_not_found_exception", "task [foo:1] belongs to the node [foo] which isn't part "
                                                           "of the cluster and there is no record of the task")
    assert body["error"]["caused_by"]["reason"] == "task [foo:1] isn't running and hasn't stored its results"
    assert body["error"]["root_cause"][0] == {"type": "index_not_found_exception", "reason": "no such index [.tasks]",
                                              "index": ".tasks", "resource.id": ".tasks",
                                              "resource.type": "index_expression", "index_uuid": "_na_"}
    node = start_reindex(mock, "").partition(":")[0]  # finishes at once and stores its result: .tasks exists
    status, body = call(mock, "GET", f"/_tasks/{node}:1")
    assert status == 404 and "caused_by" not in body["error"]
    assert call(mock, "GET", "/_tasks/abc")[1]["error"]["reason"] == "malformed task id abc"
    status, body = call(mock, "GET", "/_tasks/unset")
    assert status == 400 and error(body)[1] == "Validation Failed: 1: task id is required;"


def test_a_synchronous_run_is_not_stored(mock):
    status, body = call(mock, "POST", "/_reindex", {"source": {"index": "src"}, "dest": {"index": "copy"}})
    assert status == 200 and body["created"] == 10 and body["batches"] == 1 and body["timed_out"] is False
    assert "task" not in body


# list ------------------------------------------------------------------------------------------------------------
def test_list_groups_by_nodes_parents_and_none(mock):
    leader = start_reindex(mock, "requests_per_second=1&slices=2", headers={"X-Opaque-Id": "sliced"})
    status, by_nodes = call(mock, "GET", "/_tasks?actions=*reindex")
    assert status == 200
    (node_id, node), = by_nodes["nodes"].items()
    assert node_id == leader.partition(":")[0]
    assert {"name", "transport_address", "host", "ip", "roles", "attributes", "tasks"} <= set(node)
    assert len(node["tasks"]) == 3 and all(key == f"{t['node']}:{t['id']}" for key, t in node["tasks"].items())
    assert all("status" not in t and "description" not in t for t in node["tasks"].values())
    parents = call(mock, "GET", "/_tasks?actions=*reindex&group_by=parents&detailed")[1]["tasks"]
    assert list(parents) == [leader] and len(parents[leader]["children"]) == 2
    assert parents[leader]["status"]["slices"] == [None, None]
    children = call(mock, "GET", f"/_tasks?parent_task_id={leader}&group_by=none")[1]["tasks"]
    assert [c["parent_task_id"] for c in children] == [leader, leader]
    assert all(c["headers"] == {"X-Opaque-Id": "sliced"} for c in children)


def test_list_shows_its_own_tasks_with_the_opaque_id(mock):
    body = call(mock, "GET", "/_tasks?actions=cluster:monitor/tasks/lists&group_by=none",
                headers={"X-Opaque-Id": "That is me"})[1]
    assert len(body["tasks"]) == 1 and body["tasks"][0]["headers"]["X-Opaque-Id"] == "That is me"
    assert body["tasks"][0]["cancellable"] is False
    parents = call(mock, "GET", "/_tasks?actions=cluster:monitor/tasks/lists*&group_by=parents")[1]["tasks"]
    (top,) = parents.values()
    assert [c["action"] for c in top["children"]] == ["cluster:monitor/tasks/lists[n]"] * 2


def test_list_filters_by_nodes(mock):
    task_id = start_reindex(mock)
    node = task_id.partition(":")[0]
    assert list(call(mock, "GET", f"/_tasks?nodes={node}&actions=*reindex")[1]["nodes"]) == [node]
    assert call(mock, "GET", "/_tasks?nodes=no-such-node")[1] == {"nodes": {}}
    others = call(mock, "GET", "/_tasks?nodes=node-0,node-1&actions=*reindex")[1]["nodes"]
    assert list(others) == [node]


def test_list_waits_for_matching_tasks(mock):
    task_id = start_reindex(mock, "requests_per_second=10")
    status, body = call(mock, "GET", "/_tasks?actions=*reindex&wait_for_completion=true&timeout=100ms")
    assert status == 200 and body["nodes"] == {}
    (failure,) = body["node_failures"]
    assert failure["type"] == "failed_node_exception" and failure["node_id"] == task_id.partition(":")[0]
    assert failure["caused_by"] == {"type": "timeout_exception", "reason": "timed out after [100ms/100ms]"}
    status, body = call(mock, "GET", "/_tasks?actions=*reindex&wait_for_completion=true&group_by=none")
    assert status == 200 and [t["id"] for t in body["tasks"]] == [int(task_id.partition(":")[2])]
    assert call(mock, "GET", f"/_tasks/{task_id}")[1]["completed"] is True


# cancel ----------------------------------------------------------------------------------------------------------
def test_cancel_by_id_marks_cancelled_and_the_task_stays_listed_until_it_stops(mock, clock):
    task_id = start_reindex(mock)
    fixture(mock, "slow_cancel", task_id=task_id, seconds=5)
    clock.advance(2)
    status, body = call(mock, "POST", f"/_tasks/{task_id}/_cancel")
    assert status == 200
    node, _, number = task_id.partition(":")
    info = body["nodes"][node]["tasks"][task_id]
    assert (info["id"], info["cancellable"], info["cancelled"]) == (int(number), True, True)
    assert "status" not in info and "description" not in info
    clock.advance(4)
    running = call(mock, "GET", f"/_tasks/{task_id}")[1]
    assert running["completed"] is False and running["task"]["cancelled"] is True
    assert running["task"]["status"]["canceled"] == "by user request"
    assert task_id in call(mock, "GET", "/_tasks?actions=*reindex")[1]["nodes"][node]["tasks"]
    clock.advance(1)
    done = call(mock, "GET", f"/_tasks/{task_id}")[1]
    assert done["completed"] is True and done["response"]["canceled"] == "by user request"
    assert done["response"]["created"] == 3
    assert call(mock, "GET", "/_tasks?actions=*reindex")[1] == {"nodes": {}}


def test_cancel_waits_for_the_task_and_its_descendants(mock):
    leader = start_reindex(mock, "requests_per_second=1&slices=2")
    fixture(mock, "slow_cancel", task_id=leader, seconds=3)
    status, body = call(mock, "POST", f"/_tasks/{leader}/_cancel?wait_for_completion=true&group_by=none")
    assert status == 200 and [f"{t['node']}:{t['id']}" for t in body["tasks"]] == [leader]
    assert call(mock, "GET", f"/_tasks?parent_task_id={leader}")[1] == {"nodes": {}}
    stored = call(mock, "GET", f"/_tasks/{leader}")[1]
    assert stored["completed"] is True and all(s["canceled"] == "by user request" for s in stored["response"]["slices"])


def test_cancel_by_parent_cancels_only_the_children(mock):
    leader = start_reindex(mock, "requests_per_second=1&slices=2")
    body = call(mock, "POST", f"/_tasks/_cancel?parent_task_id={leader}&group_by=parents")[1]
    assert len(body["tasks"]) == 2 and all(t["parent_task_id"] == leader for t in body["tasks"].values())
    assert call(mock, "GET", f"/_tasks/{leader}")[1]["task"]["cancelled"] is False


def test_cancel_by_actions_and_nodes(mock):
    first, second = start_reindex(mock), start_reindex(mock, dest="dst2")
    assert first.partition(":")[0] != second.partition(":")[0]
    node = first.partition(":")[0]
    body = call(mock, "POST", f"/_tasks/_cancel?nodes={node}&actions=indices:data/write/reindex,other")[1]
    assert list(body["nodes"]) == [node] and list(body["nodes"][node]["tasks"]) == [first]
    assert call(mock, "GET", f"/_tasks/{second}")[1]["task"]["cancelled"] is False
    assert call(mock, "POST", "/_tasks/_cancel?actions=unknown_action")[1] == {"nodes": {}}
    body = call(mock, "POST", "/_tasks/_cancel?actions=*byquery")[1]
    assert body == {"nodes": {}}


def test_cancel_failures_are_node_failures(mock):
    task_id = start_reindex(mock)
    node = task_id.partition(":")[0]
    held = fixture(mock, "non_cancellable_task", seconds=60)["task"]
    cases = [
        (f"{node}:1", "", "resource_not_found_exception", f"task [{node}:1] is not found"),
        (held, "", "illegal_argument_exception", f"task [{held}] doesn't support cancellation"),
        (task_id, "?actions=*byquery", "illegal_argument_exception", f"task [{task_id}] doesn't support this operation"),
        ("ghost:7", "", "no_such_node_exception", "No such node [ghost]"),
    ]
    for target, query, kind, reason in cases:
        status, body = call(mock, "POST", f"/_tasks/{target}/_cancel{query}")
        assert status == 200 and body["nodes"] == {}
        (failure,) = body["node_failures"]
        failed_node = target.partition(":")[0]
        assert failure["type"] == "failed_node_exception" and failure["reason"] == f"Failed node [{failed_node}]"
        assert failure["node_id"] == failed_node
        assert (failure["caused_by"]["type"], failure["caused_by"]["reason"]) == (kind, reason)
    assert call(mock, "GET", f"/_tasks/{task_id}")[1]["task"]["cancelled"] is False
    unfiltered = call(mock, "POST", "/_tasks/_cancel?group_by=none")[1]["tasks"]
    assert [f"{t['node']}:{t['id']}" for t in unfiltered] == [task_id]  # the held task is skipped silently


@pytest.mark.parametrize("path, reason", [
    ("/_tasks/abc/_cancel", "malformed task id abc"),
    ("/_tasks/_cancel?parent_task_id=-1", "malformed task id -1"),
    ("/_tasks/n:1/_cancel?nodes=node-0", "Validation Failed: 1: task id cannot be used together with node ids;"),
    ("/_tasks/_cancel?task_id=n:1&nodes=node-0", "Validation Failed: 1: task id cannot be used together with node ids;"),
    ("/_tasks/_cancel?group_by=foo", "[group_by] must be one of [nodes], [parents] or [none] but was [foo]"),
    ("/_tasks/_cancel?wait_for_completion=maybe", "Failed to parse value [maybe] as only [true] or [false] are allowed."),
    ("/_tasks/_cancel?timeout=10s", "request [/_tasks/_cancel] contains unrecognized parameter: [timeout]"),
    ("/_tasks/_cancel?detailed=true", "request [/_tasks/_cancel] contains unrecognized parameter: [detailed]"),
])
def test_cancel_rejects_bad_input_with_400(mock, path, reason):
    status, body = call(mock, "POST", path)
    assert status == 400 and error(body)[1] == reason


def test_bad_group_by_cancels_nothing(mock):
    task_id = start_reindex(mock)
    assert call(mock, "POST", "/_tasks/_cancel?group_by=foo")[0] == 400
    assert call(mock, "GET", f"/_tasks/{task_id}")[1]["task"]["cancelled"] is False


def test_cancel_refuses_a_body_and_other_methods(mock):
    status, body = call(mock, "POST", "/_tasks/_cancel", {"actions": "*"})
    assert status == 400 and error(body)[1] == "request [POST /_tasks/_cancel] does not support having a body"
    status, body = call(mock, "GET", "/_tasks/_cancel")
    assert status == 400 and error(body)[1] == "malformed task id _cancel"
    status, body = call(mock, "PUT", "/_tasks/_cancel")
    assert status == 405 and body["error"].startswith("Incorrect HTTP method for uri [/_tasks/_cancel]")


def test_a_waiting_get_is_a_real_non_cancellable_task(start_mock):
    server = start_mock(clock="system")  # wall time: a client blocks on a wait while others send requests
    call(server, "PUT", "/src/_doc/1", {"n": 1})
    task_id = call(server, "POST", "/_reindex?wait_for_completion=false&requests_per_second=0.01",
                   {"source": {"index": "src", "size": 1}, "dest": {"index": "dst"}})[1]["task"]
    waiting: dict[str, Any] = {}
    waiter = threading.Thread(target=lambda: waiting.update(
        answer=call(server, "GET", f"/_tasks/{task_id}?wait_for_completion=true&timeout=20s")))
    waiter.start()
    deadline = time.monotonic() + 10
    getters: list[dict[str, Any]] = []
    while not getters and time.monotonic() < deadline:
        getters = call(server, "GET", "/_tasks?actions=cluster:monitor/task/get&group_by=none")[1]["tasks"]
    assert getters and getters[0]["cancellable"] is False
    getter = f"{getters[0]['node']}:{getters[0]['id']}"
    failure = call(server, "POST", f"/_tasks/{getter}/_cancel")[1]["node_failures"][0]
    assert failure["caused_by"]["reason"] == f"task [{getter}] doesn't support cancellation"
    call(server, "POST", f"/_tasks/{task_id}/_cancel")
    waiter.join(timeout=20)
    status, body = waiting["answer"]
    assert status == 200 and body["completed"] is True and body["response"]["canceled"] == "by user request"


# bulk-by-scroll requests ------------------------------------------------------------------------------------------
def test_synchronous_by_query_responses_leave_out_what_they_cannot_do(mock):
    status, body = call(mock, "POST", "/src/_update_by_query?scroll_size=4", {"query": {"term": {"even": True}}})
    assert status == 200 and body["updated"] == 5 and body["batches"] == 2 and "created" not in body
    status, body = call(mock, "POST", "/src/_delete_by_query", {"query": {"term": {"even": False}}})
    assert status == 200 and body["deleted"] == 5 and "created" not in body and "updated" not in body
    assert call(mock, "POST", "/src/_delete_by_query?q=n:4", None)[1]["deleted"] == 1
    assert call(mock, "GET", "/src/_count")[1]["count"] == 4


def test_a_synchronous_conflict_answers_409(mock):
    call(mock, "PUT", "/dst/_doc/3", {"n": 3})
    status, body = call(mock, "POST", "/_reindex",
                        {"source": {"index": "src"}, "dest": {"index": "dst", "op_type": "create"}})
    assert status == 409 and body["version_conflicts"] == 1 and body["created"] == 9
    assert body["failures"][0]["cause"]["reason"] == "[3]: version conflict, document already exists (current version [1])"


@pytest.mark.parametrize("method, path, body, status, kind, reason", [
    ("POST", "/_reindex?requests_per_second=0", None, 400, "illegal_argument_exception",
     "[requests_per_second] must be a float greater than 0. Use -1 to disable throttling."),
    ("POST", "/_reindex?slices=0", None, 400, "illegal_argument_exception",
     '[slices] must be a positive integer or the string "auto", but was [0]'),
    ("POST", "/_reindex?max_docs=-1", None, 400, "illegal_argument_exception",
     "[max_docs] parameter cannot be negative, found [-1]"),
    ("POST", "/_reindex?pipeline=p", None, 400, "illegal_argument_exception",
     "_reindex doesn't support [pipeline] as a query parameter. Specify it in the [dest] object instead."),
    ("POST", "/_reindex", {"source": {"index": "src"}, "dest": {"index": "d"}, "bogus": 1}, 400,
     "x_content_parse_exception", None),
    ("POST", "/_reindex", {"source": {"index": "src"}}, 400, "action_request_validation_exception",
     "Validation Failed: 1: index must be specified;"),
    ("POST", "/_reindex", {"source": {"index": "missing"}, "dest": {"index": "d"}}, 404,
     "index_not_found_exception", "no such index [missing]"),
    ("POST", "/src/_delete_by_query", None, 400, "action_request_validation_exception",
     "Validation Failed: 1: query is missing;"),
    ("POST", "/src/_delete_by_query?conflicts=maybe", {"query": {"match_all": {}}}, 400,
     "illegal_argument_exception", 'conflicts may only be "proceed" or "abort" but was [maybe]'),
    ("POST", "/src/_update_by_query", {"size": 3}, 400, "illegal_argument_exception",
     "invalid parameter [size], use [max_docs] instead"),
    ("POST", "/src/_update_by_query", {"query": {"nonsense": {}}}, 400, "parsing_exception", "unknown query [nonsense]"),
    ("POST", "/src/_update_by_query?bogus=1", None, 400, "illegal_argument_exception",
     "request [/src/_update_by_query] contains unrecognized parameter: [bogus]"),
])
def test_bulk_requests_reject_bad_input(mock, method, path, body, status, kind, reason):
    body = body if body is not None or "_delete_by_query" in path or "_update" in path else {
        "source": {"index": "src"}, "dest": {"index": "d"}}
    got_status, got = call(mock, method, path, body)
    assert got_status == status and got["error"]["type"] == kind
    if reason is not None:
        assert got["error"]["reason"] == reason


@pytest.mark.parametrize("path, body", [
    ("/_reindex", {"source": {"index": "src", "query": {"term": {"a": 1, "b": 2}}}, "dest": {"index": "d"}}),
    ("/_reindex", {"source": {"index": "src", "query": {"bool": {"must": "x"}}}, "dest": {"index": "d"}}),
    ("/_reindex", {"source": {"index": "src", "query": "x"}, "dest": {"index": "d"}}),
    ("/_reindex", {"source": "src", "dest": {"index": "d"}}),
    ("/_reindex", {"source": {"index": 5}, "dest": {"index": "d"}}),
    ("/_reindex", {"source": {"index": "src"}, "dest": {"index": {"x": 1}}}),
    ("/_reindex", {"source": {"index": "src", "size": "x"}, "dest": {"index": "d"}}),
    ("/_reindex", {"source": {"index": "src"}, "dest": {"index": "d"}, "max_docs": "x"}),
    ("/_reindex", {"source": {"index": "src"}, "dest": {"index": "d", "op_type": 5}}),
    ("/_reindex", [1, 2]),
    ("/src/_update_by_query", {"query": {"terms": {"n": 5}}}),
    ("/src/_update_by_query", {"query": {"exists": {}}}),
    ("/src/_update_by_query", "text"),
    ("/src/_update_by_query?scroll_size=0", None),
    ("/src/_delete_by_query?wait_for_completion=false&scroll_size=0", {"query": {"match_all": {}}}),
])
def test_bad_bodies_are_client_errors_never_500(mock, path, body):
    status, answer = call(mock, "POST", path, body)
    assert 200 <= status < 500, answer
    assert call(mock, "GET", "/_tasks")[0] == 200  # nothing broke the background work


def test_a_background_request_that_cannot_start_stores_its_error(mock):
    task_id = call(mock, "POST", "/_reindex?wait_for_completion=false",
                   {"source": {"index": "missing"}, "dest": {"index": "d"}})[1]["task"]
    status, body = call(mock, "GET", f"/_tasks/{task_id}")
    assert status == 200 and body["completed"] is True and "response" not in body
    assert body["error"] == {"type": "index_not_found_exception", "reason": "no such index [missing]",
                             "index": "missing", "resource.type": "index_or_alias", "resource.id": "missing",
                             "index_uuid": "_na_"}


def test_cancelling_needs_cancel_task_or_manage(mock):
    assert call(mock, "PUT", "/_security/role/watcher", {"cluster": ["monitor"]})[0] == 200
    assert call(mock, "PUT", "/_security/user/viewer", {"password": "Secret-123", "roles": ["watcher"]})[0] == 200
    as_viewer = {"es-security-runas-user": "viewer"}
    assert call(mock, "GET", "/_tasks", headers=as_viewer)[0] == 200
    status, body = call(mock, "POST", "/_tasks/_cancel", headers=as_viewer)
    assert status == 403 and error(body) == (
        "security_exception", "action [cluster:admin/tasks/cancel] is unauthorized for user [elastic] run as [viewer] "
                              "with effective roles [watcher], this action is granted by the cluster privileges [cancel_task,manage,all]")


def test_a_malformed_task_id_in_the_path_is_reported_before_unknown_parameters(mock):
    status, body = call(mock, "POST", "/_tasks/nonsense/_cancel?bogus=1")
    assert status == 400 and body["error"]["reason"] == "malformed task id nonsense"


@pytest.mark.parametrize(("settings", "streamed"), [
    ({"flavour": "elasticsearch", "version": "8.17.0"}, True),
    ({"flavour": "elasticsearch", "version": "7.17.0"}, False),
    ({"flavour": "opensearch"}, False),
])
@pytest.mark.parametrize("path", ["/_tasks", "/_tasks/_cancel?actions=none"])
def test_list_and_cancel_answers_are_chunked_as_the_product_sends_them(start_mock, settings, streamed, path):
    """Elasticsearch 8 streams them whatever their size; 7.x and OpenSearch send them with their length."""
    server = start_mock(**settings)
    method = "POST" if "_cancel" in path else "GET"
    with urllib.request.urlopen(urllib.request.Request(server.url + path, method=method), timeout=30) as response:
        framing = response.headers["Transfer-Encoding"], response.headers["Content-Length"]
        answer = response.read()
    assert framing == (("chunked", None) if streamed else (None, str(len(answer))))
    assert "nodes" in json.loads(answer)
