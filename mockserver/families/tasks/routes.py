"""Routes of the task management API: list, get and cancel."""

from __future__ import annotations

from typing import Any

from mockserver.errors import ResourceNotFound
from mockserver.families.tasks import operations
from mockserver.families.tasks.ids import TaskId, task_id
from mockserver.families.tasks.info import check_grouping, grouped
from mockserver.families.tasks.operations import CANCEL_ACTION, GET_ACTION, LIST_ACTION, Filter, Listing
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.params import Param, boolean, string, string_list, time_value
from mockserver.routing import Call, Route
from mockserver.xcontent import Encoded

Tasks = Call[TaskRegistry]


def _filter(call: Tasks) -> Filter:
    return Filter(call.params["nodes"], call.params["actions"], call.params["parent_task_id"])


def _grouped(call: Tasks, listing: Listing) -> Encoded:
    return grouped(listing.by_node, listing.info, call.params["group_by"], call.state.cluster_nodes,
                   node_failures=listing.node_failures, streamed=call.state.info_style.streamed)


async def list_tasks(call: Tasks) -> Encoded:
    params = call.params
    check_grouping(params["group_by"])
    listing = await operations.list_tasks(call.state, _filter(call), call.headers, detailed=params["detailed"],
                                          human=params["human"], wait=params["wait_for_completion"],
                                          timeout=params["timeout"])
    return _grouped(call, listing)


async def get_task(call: Tasks) -> dict[str, Any]:
    params = call.params
    return await operations.get_task(call.state, params["task_id"], call.headers, human=params["human"],
                                     wait=params["wait_for_completion"], timeout=params["timeout"])


async def cancel_tasks(call: Tasks) -> Encoded:
    params = call.params
    check_grouping(params["group_by"])
    listing = await operations.cancel_tasks(call.state, params["task_id"], _filter(call), call.headers,
                                            human=params["human"], wait=params["wait_for_completion"])
    return _grouped(call, listing)


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

ROUTES: tuple[Route[TaskRegistry], ...] = (
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
