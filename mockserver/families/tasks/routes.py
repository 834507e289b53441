"""Routes of the task management API: list, get and cancel."""

from __future__ import annotations

import math
from typing import Any

from mockserver.errors import ApiError, IllegalArgument, ResourceNotFound, TimedOut, ValidationFailed
from mockserver.families.tasks.errors import NodeFailure, NoSuchNodeFailure, ResultsIndexMissing
from mockserver.families.tasks.ids import TaskId, task_id
from mockserver.families.tasks.info import check_grouping, grouped, human_time, task_info
from mockserver.families.tasks.model import Task
from mockserver.families.tasks.nodes import resolve_nodes
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.params import Param, TimeValue, boolean, string, string_list, time_value
from mockserver.routing import Call, Route

LIST_ACTION = "cluster:monitor/tasks/lists"
GET_ACTION = "cluster:monitor/task/get"
CANCEL_ACTION = "cluster:admin/tasks/cancel"
DEFAULT_WAIT = TimeValue(30, 1.0)


def _registry(call: Call) -> TaskRegistry:
    return call.state


def _timed_out(timeout: TimeValue) -> TimedOut:
    """`SubscribableListener.addTimeout`'s failure."""
    millis = -1 if timeout.infinite else int(timeout.seconds * 1000)
    return TimedOut(f"timed out after [{human_time(timeout.seconds)}/{millis}ms]")


async def list_tasks(call: Call) -> dict[str, Any]:
    registry, params = _registry(call), call.params
    check_grouping(params["group_by"])
    node_ids = resolve_nodes(registry.cluster_nodes, registry.local, params["nodes"])
    with registry.request_task(LIST_ACTION, call.headers, node_ids, child_cancellable=registry.node_tasks_cancellable):
        registry.catch_up()
        now = registry.clock.now()
        found = {node_id: [t for t in registry.nodes[node_id].tasks.values()
                           if t.matches(params["actions"], params["parent_task_id"])] for node_id in node_ids}
        infos = {node_id: [task_info(t, now, detailed=params["detailed"], human=params["human"])
                           for t in sorted(tasks, key=lambda t: t.id)] for node_id, tasks in found.items()}
        failures: list[ApiError] = []
        if params["wait_for_completion"]:
            awaited = {node_id: [t for t in tasks if not t.action.startswith(LIST_ACTION)]
                       for node_id, tasks in found.items()}
            timeout = params["timeout"] or DEFAULT_WAIT
            await registry.wait(lambda: all(t.ended is not None for ts in awaited.values() for t in ts),
                                max(timeout.seconds, 0.0))
            for node_id, tasks in awaited.items():
                if any(t.ended is None for t in tasks):
                    failures.append(NodeFailure(node_id, _timed_out(timeout)))
                    infos[node_id] = []
    return grouped([info for node_infos in infos.values() for info in node_infos], params["group_by"],
                   registry.cluster_nodes, node_failures=failures)


async def get_task(call: Call) -> dict[str, Any]:
    registry, params = _registry(call), call.params
    wanted = params["task_id"]
    if wanted is None:
        raise ValidationFailed("task id is required")
    registry.catch_up()
    task = registry.lookup(wanted)
    if task is None:
        return _finished(registry, wanted)
    if not params["wait_for_completion"]:
        return {"completed": False, "task": task_info(task, registry.clock.now(), detailed=True, human=params["human"])}
    timeout = params["timeout"] or DEFAULT_WAIT
    remote = [wanted.node] if wanted.node != registry.local.id else []
    with registry.request_task(GET_ACTION, call.headers, remote, child_action=GET_ACTION):
        done = await registry.wait(lambda: task.ended is not None, max(timeout.seconds, 0.0))
    if not done:
        raise _timed_out(timeout)
    return registry.results.get(wanted) or {
        "completed": True, "task": task_info(task, registry.clock.now(), detailed=True, human=params["human"])}


def _finished(registry: TaskRegistry, wanted: TaskId) -> dict[str, Any]:
    """A task that is not running: its stored result, or the 404 a real cluster gives."""
    if (stored := registry.results.get(wanted)) is not None:
        return stored
    missing = ResourceNotFound(f"task [{wanted}] isn't running and hasn't stored its results",
                               caused_by=None if registry.results else ResultsIndexMissing())
    if wanted.node not in registry.nodes:
        raise ResourceNotFound(f"task [{wanted}] belongs to the node [{wanted.node}] which isn't part of the cluster "
                               f"and there is no record of the task", caused_by=missing)
    raise missing


async def cancel_tasks(call: Call) -> dict[str, Any]:
    registry, params = _registry(call), call.params
    target = params["task_id"]
    check_grouping(params["group_by"])
    if target is not None and params["nodes"]:
        raise ValidationFailed("task id cannot be used together with node ids")
    with registry.request_task(CANCEL_ACTION, call.headers):
        registry.catch_up()
        node_ids = ([target.node] if target is not None
                    else resolve_nodes(registry.cluster_nodes, registry.local, params["nodes"]))
        cancelled: list[Task] = []
        failures: list[ApiError] = []
        for node_id in node_ids:
            try:
                matched = _to_cancel(registry, node_id, target, params["actions"], params["parent_task_id"])
            except ApiError as error:
                failures.append(NodeFailure(node_id, error))
                continue
            for task in matched:
                registry.cancel(task)
                cancelled.append(task)
        if params["wait_for_completion"]:
            await registry.wait(lambda: all(task.settled for task in cancelled), math.inf)
        now = registry.clock.now()
        infos = [task_info(task, now, detailed=False, human=params["human"]) for task in cancelled]
    return grouped(infos, params["group_by"], registry.cluster_nodes, node_failures=failures)


def _to_cancel(registry: TaskRegistry, node_id: str, target: TaskId | None, actions: list[str],
               parent: TaskId | None) -> list[Task]:
    """`TransportCancelTasksAction.processTasks` on one node; what it throws becomes a node failure."""
    node = registry.nodes.get(node_id)
    if node is None:
        raise NoSuchNodeFailure(node_id)
    if target is None:
        return [t for t in sorted(node.tasks.values(), key=lambda t: t.id) if t.cancellable and t.matches(actions, parent)]
    task = node.tasks.get(target.id)
    if task is None:
        raise ResourceNotFound(f"task [{target}] is not found")
    if not task.cancellable:
        raise IllegalArgument(f"task [{target}] doesn't support cancellation")
    if not task.matches(actions, parent):
        raise IllegalArgument(f"task [{target}] doesn't support this operation")
    return [task]


# fixtures (mock adapter only) ------------------------------------------------------------------------------
def non_cancellable_task(registry: TaskRegistry, args: dict[str, Any]) -> dict[str, Any]:
    """A long-running task that cannot be cancelled, as a client blocked on
    `GET _tasks/<id>?wait_for_completion=true` holds one (`cluster:monitor/task/get`)."""
    nodes = registry.cluster_nodes
    wanted = args.get("node", 0)
    node = nodes[wanted % len(nodes)] if isinstance(wanted, int) else next(
        (n for n in nodes if wanted in (n.id, n.name)), nodes[0])
    task = registry.hold(node.id, GET_ACTION, float(args.get("seconds", 30)),
                         {"X-Opaque-Id": args["opaque_id"]} if "opaque_id" in args else None)
    return {"task": str(task.task_id), "node": task.node, "id": task.id}


def slow_cancel(registry: TaskRegistry, args: dict[str, Any]) -> dict[str, Any]:
    """Once cancelled, the given running task and its descendants keep running for `seconds` before they stop,
    so that a cancelled task stays visible."""
    wanted = TaskId.parse(str(args.get("task_id", "")))
    task = registry.lookup(wanted) if wanted is not None else None
    if task is None:
        raise ResourceNotFound(f"task [{args.get('task_id')}] is not running")
    seconds = float(args.get("seconds", 5))
    registry.slow_down_cancel(task, seconds)
    return {"task": str(task.task_id), "seconds": seconds}


_GROUP_BY = Param("group_by", string, "nodes")
_HUMAN = Param("human", boolean, False)
_NODES = Param("nodes", string_list, ())
_ACTIONS = Param("actions", string_list, ())
_PARENT = Param("parent_task_id", task_id)
_TASK_ID = Param("task_id", task_id)
_WAIT = Param("wait_for_completion", boolean, False)
_TIMEOUT = Param("timeout", time_value)

ROUTES = (
    Route("GET", "/_tasks", list_tasks,
          params=(_NODES, _ACTIONS, _PARENT, Param("detailed", boolean, False), _WAIT, _TIMEOUT, _GROUP_BY, _HUMAN),
          action=LIST_ACTION),
    Route("GET", "/_tasks/{task_id}", get_task, params=(_TASK_ID, _WAIT, _TIMEOUT, _HUMAN), action=GET_ACTION),
    Route("POST", "/_tasks/_cancel", cancel_tasks,
          params=(_NODES, _TASK_ID, _ACTIONS, _PARENT, _GROUP_BY, _WAIT, _HUMAN),
          action=CANCEL_ACTION),
    Route("POST", "/_tasks/{task_id}/_cancel", cancel_tasks,
          params=(_NODES, _TASK_ID, _ACTIONS, _PARENT, _GROUP_BY, _WAIT, _HUMAN), action=CANCEL_ACTION),
)
