"""The OpenSearch flavour serves the task API and by-query tasks with OpenSearch's `TaskInfo`: `cancelled` on every
task, and from 2.8 the `cancellation_time_millis` of a cancelled one; node-level tasks are not cancellable (7.10)."""

from __future__ import annotations

import json

import pytest
from opensearchpy import OpenSearch

from tests.mock.test_tasks_http import call, fixture


@pytest.fixture(params=["2.7.0", "2.19.0"])
def mock(start_mock, request):
    server = start_mock(flavour="opensearch", version=request.param, clock="manual")
    lines = [json.dumps(line) for i in range(10) for line in ({"index": {"_id": str(i)}}, {"n": i})]
    status, _ = call(server, "POST", "/books/_bulk", ("\n".join(lines) + "\n").encode(),
                     {"Content-Type": "application/x-ndjson"})
    assert status == 200
    return server


def test_by_query_task_listed_got_and_cancelled(mock):
    client = OpenSearch(mock.url)
    task_id = client.delete_by_query(index="books", body={"query": {"match_all": {}}}, requests_per_second=1,
                                     scroll_size=1, wait_for_completion=False)["task"]
    node = task_id.partition(":")[0]
    listed = client.tasks.list(actions="*byquery", detailed=True)["nodes"][node]["tasks"][task_id]
    assert listed["cancelled"] is False and listed["action"] == "indices:data/write/delete/byquery"
    fixture(mock, "slow_cancel", task_id=task_id, seconds=5)
    mock.cluster.clock.advance(1)
    cancelled = client.tasks.cancel(task_id=task_id)["nodes"][node]["tasks"][task_id]
    assert cancelled["cancelled"] is True
    has_time = mock.cluster.settings.version.minor >= 8
    assert ("cancellation_time_millis" in cancelled) is has_time
    if has_time:
        assert cancelled["cancellation_time_millis"] >= cancelled["start_time_in_millis"]
    assert client.tasks.get(task_id=task_id)["task"]["cancelled"] is True


def test_every_listed_task_says_whether_it_is_cancelled(mock):
    tasks = [t for n in OpenSearch(mock.url).tasks.list()["nodes"].values() for t in n["tasks"].values()]
    assert tasks and all(task["cancelled"] is False for task in tasks)
