"""List and cancel answers are written straight to bytes: each must be, byte for byte, what encoding the same
document built as Python objects gives (key order, escaping, `?pretty`, every grouping and option, each product's
`TaskInfo` fields)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from mockserver.families.tasks.info import iso_millis, task_info
from mockserver.families.tasks.model import Task
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.timevalue import TimeValue
from mockserver.xcontent import Encoded, compact_json, pretty_json

PRODUCTS = [{}, {"version": "7.17.0"}, {"flavour": "opensearch", "version": "2.11.0"},
            {"flavour": "opensearch", "version": "1.3.0"}]
OPTIONS = ["", "&detailed", "&human", "&detailed=true&human=true"]
ACTIONS = ("indices:data/write/reindex", "indices:data/write/update/byquery", "cluster:monitor/task/get")
OPAQUE_ID = 'caf\u00e9 "quoted"'  # a header is Latin-1


def raw_call(server, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


@pytest.fixture(params=PRODUCTS, ids=lambda settings: "-".join(settings.values()) or "default")
def mock(request, start_mock):
    """A cluster with a sliced reindex (its slices are its children), an update by query and a task that cannot be
    cancelled, spread over three nodes, 1.25 s after they started."""
    server = start_mock(clock="manual", nodes=3, **request.param)
    lines = "".join(json.dumps(line) + "\n" for i in range(10)
                    for line in ({"index": {"_id": str(i)}}, {"n": i, "\u00e9": "\u00fc"}))
    request_bulk = urllib.request.Request(server.url + "/src/_bulk?refresh=true", data=lines.encode(), method="POST",
                                          headers={"Content-Type": "application/x-ndjson"})
    urllib.request.urlopen(request_bulk, timeout=30).read()
    raw_call(server, "POST", "/_reindex?wait_for_completion=false&requests_per_second=1&slices=2",
             {"source": {"index": "src", "size": 1}, "dest": {"index": "dst-\u00e9"}}, {"X-Opaque-Id": OPAQUE_ID})
    raw_call(server, "POST", "/src/_update_by_query?wait_for_completion=false&requests_per_second=0.5")
    raw_call(server, "POST", "/_stopcheck/fixtures/non_cancellable_task", {"seconds": 100, "node": 1})
    server.cluster.clock.advance(1.25)
    return server


def registry(server) -> TaskRegistry:
    return server.cluster.state("tasks")


# The answers built the slow way: a document of Python objects, then encoded -------------------------------------
def expected_info(task: Task, now: float, registry: TaskRegistry, *, detailed: bool, human: bool) -> dict[str, Any]:
    """`TaskInfo.toXContent`, field by field."""
    style = registry.info_style
    info: dict[str, Any] = {"node": task.node, "id": task.id, "type": task.type, "action": task.action}
    if detailed:
        status = task.work.status(now, human) if task.work is not None else None
        if status is not None:
            info["status"] = status
        info["description"] = task.description
    running = max(0.0, now - task.start)
    info |= {"start_time": iso_millis(task.start)} if human else {}
    info["start_time_in_millis"] = int(task.start * 1000)
    info |= {"running_time": str(TimeValue.of_seconds(running))} if human else {}
    info |= {"running_time_in_nanos": int(running * 1e9), "cancellable": task.cancellable}
    if task.cancellable or style.always_cancelled:
        info["cancelled"] = task.cancelled
    if style.cancellation_time and task.cancelled_at is not None:
        info["cancellation_time_millis"] = int(task.cancelled_at * 1000)
    if task.parent is not None:
        info["parent_task_id"] = str(task.parent)
    info["headers"] = task.headers
    return info


def expected_answer(registry: TaskRegistry, tasks: list[Task], group_by: str, *, detailed: bool = False,
                    human: bool = False, failures: list[Any] | None = None) -> dict[str, Any]:
    """`ListTasksResponse` in a grouping, from the tasks in the order the nodes list them."""
    now = registry.clock.now()
    infos = {str(task.task_id): expected_info(task, now, registry, detailed=detailed, human=human) for task in tasks}
    answer: dict[str, Any] = {"node_failures": failures} if failures else {}
    if group_by == "none":
        return answer | {"tasks": list(infos.values())}
    if group_by == "parents":
        top = {}
        for key, info in infos.items():
            parent = infos.get(info.get("parent_task_id", ""))
            if parent is None:
                top[key] = info
            else:
                parent.setdefault("children", []).append(info)
        return answer | {"tasks": top}
    nodes = {}
    for node in registry.cluster_nodes:
        node_infos = {key: info for key, info in infos.items() if info["node"] == node.id}
        if node_infos:
            nodes[node.id] = {"name": node.name, "transport_address": node.transport_address, "host": node.host,
                              "ip": node.transport_address, "roles": list(node.roles)}
            nodes[node.id] |= {"attributes": dict(node.attributes)} if node.attributes else {}
            nodes[node.id]["tasks"] = node_infos
    return answer | {"nodes": nodes}


def encoded(document: Any, pretty: bool) -> bytes:
    return (json.dumps(document, indent=2) if pretty else json.dumps(document, separators=(",", ":"))).encode()


def listed(server) -> list[Task]:
    return [task for task in registry(server).running() if task.action in ACTIONS]


# the answers -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pretty", [False, True], ids=["compact", "pretty"])
@pytest.mark.parametrize("group_by", ["nodes", "parents", "none"])
def test_a_listing_is_the_document_encoded(mock, group_by, pretty):
    for options in OPTIONS:
        query = f"actions={','.join(ACTIONS)}&group_by={group_by}{options}{'&pretty' if pretty else ''}"
        answer = raw_call(mock, "GET", f"/_tasks?{query}")
        expected = expected_answer(registry(mock), listed(mock), group_by, detailed="detailed" in options,
                                   human="human" in options)
        assert answer == encoded(expected, pretty), query


def test_the_default_grouping_is_by_nodes(mock):
    answer = raw_call(mock, "GET", f"/_tasks?actions={','.join(ACTIONS)}")
    assert answer == encoded(expected_answer(registry(mock), listed(mock), "nodes"), False)


@pytest.mark.parametrize("pretty", [False, True], ids=["compact", "pretty"])
@pytest.mark.parametrize("group_by", ["nodes", "parents", "none"])
def test_a_cancel_answer_is_the_document_encoded(mock, group_by, pretty):
    for options in ("", "&human"):
        query = f"group_by={group_by}{options}{'&pretty' if pretty else ''}"
        answer = raw_call(mock, "POST", f"/_tasks/_cancel?actions=*reindex,*byquery&{query}")
        cancelled = [task for task in listed(mock) if task.cancellable]
        assert cancelled and all(task.cancelled for task in cancelled)
        expected = expected_answer(registry(mock), cancelled, group_by, human="human" in options)
        assert answer == encoded(expected, pretty), query


@pytest.mark.parametrize("group_by", ["nodes", "parents", "none"])
def test_node_failures_come_before_the_tasks(mock, group_by):
    answer = raw_call(mock, "POST", f"/_tasks/nonode:5/_cancel?group_by={group_by}")
    failures = json.loads(answer)["node_failures"]
    assert [failure["node_id"] for failure in failures] == ["nonode"]
    assert answer == encoded(expected_answer(registry(mock), [], group_by, failures=failures), False)


def test_a_single_task_renders_as_its_place_in_a_listing(mock):
    task = next(task for task in listed(mock) if task.parent is not None)
    now = registry(mock).clock.now()
    for detailed, human in ((False, False), (True, True)):
        assert json.dumps(task_info(task, now, detailed=detailed, human=human, style=registry(mock).info_style)) == \
            json.dumps(expected_info(task, now, registry(mock), detailed=detailed, human=human))


def test_an_encoded_answer_renders_like_its_document():
    """Whatever its chunks: here cut inside a string and inside a number."""
    document = {"b": [1, 2.5, 1e-06, None, True], "a": {"\u00e9": "\U0001f600 \"x\""}, "c": {}}
    compact = compact_json(document)
    cuts = [0, 9, compact.index(b"\\u00e9") + 3, len(compact)]
    answer = Encoded(lambda: (compact[start:end] for start, end in zip(cuts, cuts[1:])))
    assert len(list(answer.chunks())) == 3
    assert compact_json(answer) == compact
    assert pretty_json(answer) == pretty_json(document)
