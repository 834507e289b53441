"""The task registry and bulk-by-scroll work, driven by a ManualClock."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from mockserver.cluster import Cluster
from mockserver.errors import ApiError, IllegalArgument
from mockserver.families.tasks import bulk, operations
from mockserver.families.tasks.bulk import BulkRequest, Kind
from mockserver.families.tasks.errors import MalformedTaskId
from mockserver.families.tasks.ids import TaskId
from mockserver.families.tasks.info import TaskInfoWriter, grouped, task_info
from mockserver.families.tasks.nodes import resolve_nodes
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.settings import MockSettings
from mockserver.timevalue import TimeUnit, TimeValue


@pytest.fixture
def cluster() -> Cluster:
    return Cluster(MockSettings(nodes=3, clock="manual"))


@pytest.fixture
def registry(cluster) -> TaskRegistry:
    return cluster.state("tasks")


@pytest.fixture
def store(cluster):
    store = cluster.state("indices")
    for i in range(10):
        store.index_document("src", str(i), {"n": i, "even": i % 2 == 0})
    return store


def reindex(**overrides) -> BulkRequest:
    return BulkRequest(Kind.REINDEX, ("src",), dest="dst", **overrides)


def advance(registry: TaskRegistry, seconds: float) -> None:
    registry.clock.advance(seconds)
    registry.catch_up()


# task ids ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [("node:12", TaskId("node", 12)), ("n:-3", TaskId("n", -3)),
                                           (":7", TaskId("", 7)), ("", None), ("unset", None), (None, None)])
def test_task_ids_parse_like_the_server(raw, expected):
    assert TaskId.parse(raw) == expected


@pytest.mark.parametrize("raw, cause", [("abc", None), ("-1", None), ("node:xyz", 'For input string: "xyz"'),
                                        ("a:b:c", 'For input string: "b:c"'), ("n:", 'For input string: ""'),
                                        ("n:99999999999999999999", 'For input string: "99999999999999999999"')])
def test_malformed_task_ids_are_400_with_the_number_format_cause(raw, cause):
    with pytest.raises(MalformedTaskId) as caught:
        TaskId.parse(raw)
    envelope = caught.value.envelope(MockSettings().version)
    assert envelope["status"] == 400
    assert envelope["error"]["reason"] == f"malformed task id {raw}"
    assert envelope["error"]["root_cause"][0]["type"] == "illegal_argument_exception"
    assert envelope["error"].get("caused_by", {}).get("reason") == cause


# pacing --------------------------------------------------------------------------------------------------------
def test_throttled_reindex_runs_batch_by_batch_at_the_requested_pace(registry, store):
    task = bulk.start(registry, reindex(batch_size=2, requests_per_second=1.0), {}, store_result=True)
    registry.catch_up()
    status = task.work.status(registry.clock.now(), False)
    assert (status["total"], status["created"], status["batches"]) == (10, 2, 1)
    assert status["throttled_until_millis"] == 2000 and status["requests_per_second"] == 1.0
    advance(registry, 1.5)
    assert task.work.status(registry.clock.now(), False)["throttled_until_millis"] == 500
    advance(registry, 0.5)
    assert len(store.get("dst").docs) == 4
    advance(registry, 7.9)
    assert task.ended is None and len(store.get("dst").docs) == 10  # the last scroll is throttled too
    advance(registry, 0.1)
    assert task.ended == pytest.approx(registry.clock.now())
    result = registry.results[task.task_id]
    assert result["completed"] is True
    assert result["response"]["created"] == 10 and result["response"]["batches"] == 5
    assert result["response"]["took"] == 10000 and result["response"]["throttled_millis"] == 10000
    assert result["task"]["description"] == "reindex from [src] to [dst]"
    assert registry.lookup(task.task_id) is None


def test_unthrottled_work_finishes_at_once_and_reports_minus_one(registry, store):
    task = bulk.start(registry, reindex(), {}, store_result=False)
    registry.catch_up()
    assert task.ended == registry.clock.now()
    assert task.work.response["requests_per_second"] == -1.0
    assert task.task_id not in registry.results


def test_max_docs_limits_the_run_and_the_batch_size(registry, store):
    task = bulk.start(registry, reindex(batch_size=5, max_docs=3, requests_per_second=1.0), {},
                      store_result=False)
    registry.catch_up()
    assert task.ended is not None
    assert task.work.response["total"] == 3 and task.work.response["created"] == 3


def test_background_requests_spread_over_the_nodes(registry, store):
    nodes = {bulk.start(registry, reindex(requests_per_second=1.0), {}, store_result=False).node
             for _ in range(3)}
    assert nodes == set(registry.nodes)


# by query --------------------------------------------------------------------------------------------------------
def test_delete_by_query_deletes_what_its_snapshot_matched(registry, store):
    request = BulkRequest(Kind.DELETE, ("src",), {"term": {"even": True}}, batch_size=1, requests_per_second=1.0)
    task = bulk.start(registry, request, {}, store_result=False)
    advance(registry, 10)
    assert task.work.response["deleted"] == 5
    assert sorted(store.get("src").docs) == ["1", "3", "5", "7", "9"]


def test_a_document_changed_since_the_snapshot_is_a_version_conflict(registry, store):
    request = BulkRequest(Kind.UPDATE, ("src",), batch_size=5, requests_per_second=5.0)
    task = bulk.start(registry, request, {}, store_result=False)
    registry.catch_up()
    store.index_document("src", "7", {"n": 70})
    advance(registry, 2)
    response = task.work.response
    assert (response["updated"], response["version_conflicts"]) == (9, 1)  # the batch completes, then it stops
    failure = response["failures"][0]
    assert failure["status"] == 409 and failure["id"] == "7"
    assert failure["cause"]["type"] == "version_conflict_engine_exception"
    assert failure["cause"]["reason"].startswith("[7]: version conflict, required seqNo [7], primary term [1]. "
                                                 "current document has seqNo")


def test_conflicts_proceed_counts_and_goes_on(registry, store):
    request = BulkRequest(Kind.DELETE, ("src",), batch_size=5, requests_per_second=5.0, abort_on_conflict=False)
    task = bulk.start(registry, request, {}, store_result=False)
    registry.catch_up()
    store.get("src").remove("8")
    advance(registry, 2)
    assert task.work.response["deleted"] == 9 and task.work.response["version_conflicts"] == 1
    assert task.work.response["failures"] == []


def test_a_missing_source_index_fails_the_task_with_a_stored_error(registry, store):
    task = bulk.start(registry, BulkRequest(Kind.REINDEX, ("nope",), dest="dst"), {}, store_result=True)
    registry.catch_up()
    stored = registry.results[task.task_id]
    assert stored["error"]["type"] == "index_not_found_exception" and "response" not in stored


def test_reindex_into_its_own_source_is_refused(registry, store):
    task = bulk.start(registry, BulkRequest(Kind.REINDEX, ("src",), dest="src"), {}, store_result=False)
    registry.catch_up()
    assert task.work.error.reason == "Validation Failed: 1: reindex cannot write into an index its reading from [src];"


# cancellation ----------------------------------------------------------------------------------------------------
def test_a_cancelled_task_runs_on_briefly_and_stays_listed(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=1.0), {}, store_result=True)
    advance(registry, 2.5)
    registry.slow_down_cancel(task, 3)
    registry.cancel(task)
    advance(registry, 2.9)
    assert registry.lookup(task.task_id) is task and task.cancelled
    status = task.work.status(registry.clock.now(), False)
    assert status["canceled"] == "by user request" and status["created"] == 3
    advance(registry, 0.1)
    assert registry.lookup(task.task_id) is None
    result = registry.results[task.task_id]
    assert result["task"]["cancelled"] is True and result["response"]["canceled"] == "by user request"
    assert result["response"]["created"] == 3


def test_slices_are_child_tasks_and_cancellation_reaches_them(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=2.0, slices=2), {}, store_result=True)
    registry.catch_up()
    assert len(task.children) == 2
    assert all(child.parent == task.task_id and child.node == task.node for child in task.children)
    assert [child.work.progress.slice_id for child in task.children] == [0, 1]
    assert all(child.work.progress.requests_per_second == 1.0 for child in task.children)
    leader_status = task.work.status(registry.clock.now(), False)
    assert leader_status["slices"] == [None, None] and leader_status["total"] == 0
    registry.cancel(task)
    assert all(child.cancelled for child in task.children)
    assert not task.settled
    advance(registry, registry.cancel_lag)
    assert task.settled
    response = registry.results[task.task_id]["response"]
    assert response["canceled"] == "by user request"
    assert [s["slice_id"] for s in response["slices"]] == [0, 1]
    assert response["created"] == sum(s["created"] for s in response["slices"])


def test_a_leader_reports_finished_slices_while_others_run(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=1.0, slices=2), {}, store_result=False)
    advance(registry, 0)
    sizes = [len(child.work.hits) for child in task.children]
    advance(registry, min(sizes) * 2)
    status = task.work.status(registry.clock.now(), False)
    finished = [s for s in status["slices"] if s is not None]
    assert len(finished) == 1 and status["created"] == finished[0]["created"] == min(sizes)


def test_auto_slices_follow_the_shard_count(registry, store, cluster):
    store.create("sharded", settings={"index": {"number_of_shards": "3"}})
    for i in range(6):
        store.index_document("sharded", str(i), {"n": i})
    request = BulkRequest(Kind.REINDEX, ("sharded",), dest="copy", slices=bulk.AUTO_SLICES, requests_per_second=1.0)
    assert len(bulk.start(registry, request, {}, store_result=False).children) == 3
    single = BulkRequest(Kind.REINDEX, ("src",), dest="copy2", slices=bulk.AUTO_SLICES, requests_per_second=1.0)
    assert bulk.start(registry, single, {}, store_result=False).children == ()


def test_cancelling_twice_changes_nothing(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=1.0), {}, store_result=False)
    registry.catch_up()
    registry.cancel(task)
    stops_at = task.work.stops_at
    registry.clock.advance(0.01)
    registry.cancel(task)
    assert task.work.stops_at == stops_at


def test_request_tasks_fan_out_and_unregister(registry):
    node_ids = list(registry.nodes)
    with registry.request_task("cluster:monitor/tasks/lists", {"x-opaque-id": "me"}, node_ids) as top:
        assert len(top.children) == 3
        assert [c.type for c in top.children] == ["direct", "transport", "transport"]
        assert all(c.headers == {"X-Opaque-Id": "me"} for c in top.children)
        assert len(registry.running()) == 4
    assert registry.running() == [] and top.settled


def test_waiting_catches_up_with_the_clock(registry, store):
    task = bulk.start(registry, reindex(batch_size=5, requests_per_second=5.0), {}, store_result=False)
    assert asyncio.run(registry.wait(lambda: task.ended is not None, math.inf))
    assert not asyncio.run(registry.wait(lambda: False, registry.clock.now() + 0.5))


def test_a_held_task_is_not_cancellable_and_ends_on_time(registry):
    task = registry.hold(next(iter(registry.nodes)), "cluster:monitor/task/get", 5)
    registry.cancel(task)
    assert not task.cancelled
    advance(registry, 5)
    assert task.ended is not None


# rendering -------------------------------------------------------------------------------------------------------
def test_task_info_fields_follow_detailed_and_cancellable(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=1.0), {"X-Opaque-Id": "me"},
                      store_result=False)
    registry.catch_up()
    plain = task_info(task, registry.clock.now(), detailed=False)
    assert list(plain) == ["node", "id", "type", "action", "start_time_in_millis", "running_time_in_nanos",
                           "cancellable", "cancelled", "headers"]
    detailed = task_info(task, registry.clock.now() + 1.5, detailed=True, human=True)
    assert detailed["status"]["created"] == 1 and detailed["description"] == "reindex from [src] to [dst]"
    assert detailed["running_time"] == "1.5s" and detailed["start_time"].endswith("Z")
    held = registry.hold(task.node, "cluster:monitor/task/get", 5)
    assert "cancelled" not in task_info(held, registry.clock.now(), detailed=True)


def test_groupings(registry, store, cluster):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=1.0, slices=2), {},
                      store_result=False)
    tasks, info = {task.node: [task, *task.children]}, TaskInfoWriter(registry.clock.now(), detailed=False)

    def answer(*args, **kwargs):
        return json.loads(grouped(*args, **kwargs).compact)

    by_parents = answer(tasks, info, "parents", cluster.nodes)["tasks"]
    assert list(by_parents) == [str(task.task_id)] and len(by_parents[str(task.task_id)]["children"]) == 2
    assert len(answer(tasks, info, "none", cluster.nodes)["tasks"]) == 3
    by_nodes = answer(tasks, info, "nodes", cluster.nodes)["nodes"]
    assert list(by_nodes) == [task.node] and by_nodes[task.node]["ip"] == "127.0.0.1:9300"
    assert len(by_nodes[task.node]["tasks"]) == 3
    failure = IllegalArgument("boom")
    body = answer({}, info, "nodes", cluster.nodes, node_failures=[failure],
                  task_failures=[{"task_id": 1, "node_id": "n", "status": "BAD_REQUEST", "reason": failure.cause()}])
    assert list(body) == ["task_failures", "node_failures", "nodes"] and body["nodes"] == {}


# nodes -------------------------------------------------------------------------------------------------------------
def test_node_expressions_resolve_like_discovery_nodes(cluster):
    nodes, local = cluster.nodes, cluster.nodes[0]
    ids = [n.id for n in nodes]
    assert resolve_nodes(nodes, local, []) == ids
    assert resolve_nodes(nodes, local, ["_local"]) == [local.id]
    assert resolve_nodes(nodes, local, ["node-1", ids[2]]) == ids[1:]
    assert resolve_nodes(nodes, local, ["node-*"]) == ids
    assert resolve_nodes(nodes, local, ["nothing-like-it"]) == []
    assert resolve_nodes(nodes, local, ["_all", "master:false"]) == []
    assert resolve_nodes(nodes, local, ["ml.max_jvm_size:*"]) == ids


def test_api_errors_only(registry, store):
    """Bad requests raise ApiError subclasses, never Python errors."""
    for request in (BulkRequest(Kind.UPDATE, ("src",), {"bogus": {}}), BulkRequest(Kind.UPDATE, ("missing",))):
        task = bulk.start(registry, request, {}, store_result=False)
        registry.catch_up()
        assert isinstance(task.work.error, ApiError)


# operations ------------------------------------------------------------------------------------------------------
def test_get_with_wait_times_out_with_the_listener_message(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=1.0), {}, store_result=False)
    with pytest.raises(ApiError) as caught:
        asyncio.run(operations.get_task(registry, task.task_id, {}, human=False, wait=True,
                                        timeout=TimeValue(1250, TimeUnit.MILLISECONDS)))
    assert caught.value.type == "timeout_exception"
    assert caught.value.reason == "timed out after [1.2s/1250ms]"


def test_cancel_with_wait_returns_once_the_cancelled_work_wound_down(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=1.0, slices=2), {}, store_result=False)
    started = registry.clock.now()
    listing = asyncio.run(operations.cancel_tasks(registry, task.task_id, operations.Filter(), {}, human=False,
                                                  wait=True))
    assert listing.by_node == {task.node: [task]} and listing.node_failures == []
    assert json.loads(listing.info(task))["cancelled"] is True
    assert task.settled and registry.clock.now() - started == pytest.approx(registry.cancel_lag, abs=0.2)


def test_list_with_wait_reports_a_node_failure_for_tasks_still_running(registry, store):
    task = bulk.start(registry, reindex(batch_size=1, requests_per_second=0.1), {}, store_result=False)
    listing = asyncio.run(operations.list_tasks(registry, operations.Filter(actions=("*reindex",)), {},
                                                detailed=False, human=False, wait=True, timeout=TimeValue(2)))
    assert [failure.reason for failure in listing.node_failures] == [f"Failed node [{task.node}]"]
    assert listing.node_failures[0].caused_by.reason == "timed out after [2s/2000ms]"
