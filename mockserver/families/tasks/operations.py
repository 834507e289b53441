"""The task management operations as their transport actions perform them: list (optionally waiting for the
listed tasks), get (optionally waiting for the task) and cancel (optionally waiting for the cancelled tasks and
their descendants). No HTTP here: each returns what its response renders, or raises the real error."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from mockserver.errors import ApiError, IllegalArgument, IndexNotFound, ResourceNotFound, TimedOut, ValidationFailed
from mockserver.families.tasks.errors import NodeFailure, NoSuchNodeFailure
from mockserver.families.tasks.ids import TaskId
from mockserver.families.tasks.info import TaskInfoWriter, TaskRenderer, task_info
from mockserver.families.tasks.model import Task
from mockserver.families.tasks.nodes import resolve_nodes
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.timevalue import TimeValue

LIST_ACTION = "cluster:monitor/tasks/lists"
GET_ACTION = "cluster:monitor/task/get"
CANCEL_ACTION = "cluster:admin/tasks/cancel"
DEFAULT_WAIT = TimeValue(30)


@dataclass(frozen=True)
class Filter:
    """The `BaseTasksRequest` filters: the nodes to ask, action patterns and the exact parent task."""

    nodes: Sequence[str] = ()
    actions: Sequence[str] = ()
    parent: TaskId | None = None

    def select(self, tasks: Mapping[int, Task]) -> list[Task]:
        """The matching tasks of a node's tasks by id, in the order of their ids."""
        if not self.actions and self.parent is None:
            return list(tasks.values())
        actions = list(self.actions)
        return [task for task in tasks.values() if task.matches(actions, self.parent)]


@dataclass
class Listing:
    """The tasks an operation reports, node by node in the order of their ids (as each node's task manager keeps
    them); how each renders (its `TaskInfo` as of the operation); and the nodes that failed their part."""

    by_node: dict[str, list[Task]]
    info: TaskRenderer
    node_failures: list[ApiError] = field(default_factory=list)


def timed_out(timeout: TimeValue) -> TimedOut:
    """`SubscribableListener.addTimeout`'s failure."""
    return TimedOut(f"timed out after [{timeout}/{timeout.millis}ms]")


async def list_tasks(registry: TaskRegistry, wanted: Filter, headers: Mapping[str, str], *, detailed: bool,
                     human: bool, wait: bool, timeout: TimeValue | None) -> Listing:
    """`TransportListTasksAction`: the matching tasks of each selected node; with `wait`, a node whose tasks
    are still running when `timeout` passes reports a node failure instead of its tasks."""
    node_ids = resolve_nodes(registry.cluster_nodes, registry.local, wanted.nodes)
    with registry.request_task(LIST_ACTION, headers, node_ids, child_cancellable=registry.node_tasks_cancellable):
        registry.catch_up()
        now = registry.clock.now()
        found = {node_id: wanted.select(registry.nodes[node_id].tasks) for node_id in node_ids}
        info: TaskRenderer = TaskInfoWriter(now, detailed=detailed, human=human, style=registry.info_style)
        failures: list[ApiError] = []
        if wait:
            listed = {task: info(task) for tasks in found.values() for task in tasks}  # as they were when listed
            info = listed.__getitem__
            awaited = {node_id: [t for t in tasks if not t.action.startswith(LIST_ACTION)]
                       for node_id, tasks in found.items()}
            limit = timeout or DEFAULT_WAIT
            await registry.wait(lambda: all(t.ended is not None for ts in awaited.values() for t in ts),
                                registry.clock.now() + max(limit.seconds, 0.0))
            for node_id, tasks in awaited.items():
                if any(t.ended is None for t in tasks):
                    failures.append(NodeFailure(node_id, timed_out(limit)))
                    found[node_id] = []
    return Listing(found, info, failures)


async def get_task(registry: TaskRegistry, wanted: TaskId | None, headers: Mapping[str, str], *, human: bool,
                   wait: bool, timeout: TimeValue | None) -> dict[str, Any]:
    """`TransportGetTaskAction`: a running task, its stored result, or (with `wait`) the task once it ended."""
    if wanted is None:
        raise ValidationFailed("task id is required")
    registry.catch_up()
    task = registry.lookup(wanted)
    if task is None:
        return _finished(registry, wanted)
    if not wait:
        return {"completed": False, "task": task_info(task, registry.clock.now(), detailed=True, human=human,
                                                   style=registry.info_style)}
    limit = timeout or DEFAULT_WAIT
    remote = [wanted.node] if wanted.node != registry.local.id else []
    with registry.request_task(GET_ACTION, headers, remote, child_action=GET_ACTION):
        done = await registry.wait(lambda: task.ended is not None, registry.clock.now() + max(limit.seconds, 0.0))
    if not done:
        raise timed_out(limit)
    return registry.results.get(wanted) or {
        "completed": True,
        "task": task_info(task, registry.clock.now(), detailed=True, human=human, style=registry.info_style)}


def _finished(registry: TaskRegistry, wanted: TaskId) -> dict[str, Any]:
    """A task that is not running: its stored result, or the 404 a real cluster gives."""
    if (stored := registry.results.get(wanted)) is not None:
        return stored
    missing = ResourceNotFound(f"task [{wanted}] isn't running and hasn't stored its results",
                               caused_by=None if registry.results else IndexNotFound(".tasks", "index_expression"))
    if wanted.node not in registry.nodes:
        raise ResourceNotFound(f"task [{wanted}] belongs to the node [{wanted.node}] which isn't part of the cluster "
                               f"and there is no record of the task", caused_by=missing)
    raise missing


async def cancel_tasks(registry: TaskRegistry, target: TaskId | None, wanted: Filter, headers: Mapping[str, str], *,
                       human: bool, wait: bool) -> Listing:
    """`TransportCancelTasksAction`: cancel one task or every matching cancellable task; what a node throws
    becomes its node failure. With `wait`, return once the cancelled tasks and their descendants ended."""
    if target is not None and wanted.nodes:
        raise ValidationFailed("task id cannot be used together with node ids")
    with registry.request_task(CANCEL_ACTION, headers):
        registry.catch_up()
        node_ids = ([target.node] if target is not None
                    else resolve_nodes(registry.cluster_nodes, registry.local, wanted.nodes))
        cancelled: dict[str, list[Task]] = {}
        failures: list[ApiError] = []
        for node_id in node_ids:
            try:
                matched = _to_cancel(registry, node_id, target, wanted)
            except ApiError as error:
                failures.append(NodeFailure(node_id, error))
                continue
            registry.cancel_all(matched)
            cancelled[node_id] = matched
        if wait:
            await registry.wait(lambda: all(task.settled for tasks in cancelled.values() for task in tasks), math.inf)
        info = TaskInfoWriter(registry.clock.now(), detailed=False, human=human, style=registry.info_style)
        return Listing(cancelled, info, failures)


def _to_cancel(registry: TaskRegistry, node_id: str, target: TaskId | None, wanted: Filter) -> list[Task]:
    """`TransportCancelTasksAction.processTasks` on one node."""
    node = registry.nodes.get(node_id)
    if node is None:
        raise NoSuchNodeFailure(node_id)
    if target is None:
        return wanted.select(node.cancellable)
    task = node.tasks.get(target.id)
    if task is None:
        raise ResourceNotFound(f"task [{target}] is not found")
    if not task.cancellable:
        raise IllegalArgument(f"task [{target}] doesn't support cancellation")
    if not task.matches(list(wanted.actions), wanted.parent):
        raise IllegalArgument(f"task [{target}] doesn't support this operation")
    return [task]
