"""The task registry's bookkeeping for many tasks at once: a cancel of several tasks happens at one moment, and
the by-node grouping orders the nodes whatever order they come in."""

from __future__ import annotations

import json

import pytest

from mockserver.cluster import Cluster
from mockserver.families.tasks import bulk
from mockserver.families.tasks.bulk import BulkRequest, Kind
from mockserver.families.tasks.info import TaskInfoWriter, grouped
from mockserver.families.tasks.model import Task
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.settings import MockSettings


@pytest.fixture
def cluster() -> Cluster:
    cluster = Cluster(MockSettings(nodes=3, clock="manual"))
    cluster.state("indices").index_document("src", "1", {"n": 1})
    return cluster


@pytest.fixture
def registry(cluster) -> TaskRegistry:
    return cluster.state("tasks")


def slow_update(registry: TaskRegistry):
    return bulk.start(registry, BulkRequest(Kind.UPDATE, ("src",), requests_per_second=1e-6), {},
                      store_result=False)


def test_cancel_all_cancels_at_one_moment_and_winds_down_together(registry):
    tasks = [slow_update(registry) for _ in range(4)]
    registry.cancel_lag = 2.0
    registry.cancel_all(tasks[:3])
    cancelled_at = {task.cancelled_at for task in tasks[:3]}
    assert len(cancelled_at) == 1 and not tasks[3].cancelled
    registry.clock.advance(1.9)
    registry.catch_up()
    assert all(task.ended is None for task in tasks)
    registry.clock.advance(0.1)
    registry.catch_up()
    assert [task.ended for task in tasks[:3]] == [cancelled_at.pop() + 2.0] * 3 and tasks[3].ended is None
    assert [registry.lookup(task.task_id) for task in tasks] == [None, None, None, tasks[3]]


def test_by_nodes_orders_nodes_as_the_cluster_whatever_the_input_order(registry, cluster):
    tasks = [slow_update(registry) for _ in range(6)]
    info = TaskInfoWriter(registry.clock.now(), detailed=False)
    gone = [Task("gone-node", i, "indices:data/write/update/byquery", registry.clock.now()) for i in (1, 2)]
    by_node = {"gone-node": gone, "empty-node": []}
    for node in reversed(registry.cluster_nodes):
        by_node[node.id] = [task for task in tasks if task.node == node.id]
    by_nodes = json.loads(grouped(by_node, info, "nodes", cluster.nodes).compact)["nodes"]
    in_cluster = [node.id for node in cluster.nodes if any(task.node == node.id for task in tasks)]
    assert list(by_nodes) == [*in_cluster, "gone-node"]
    assert by_nodes["gone-node"] == {"tasks": {f"gone-node:{task.id}": json.loads(info(task)) for task in gone}}
    for node_id in in_cluster:
        ids = [int(key.split(":")[1]) for key in by_nodes[node_id]["tasks"]]
        assert ids == [task.id for task in tasks if task.node == node_id]
