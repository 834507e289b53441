"""How tasks render: `TaskInfo`, `TaskResult` and the list/cancel response groupings."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from mockserver.errors import ApiError, IllegalArgument
from mockserver.families.tasks.model import Task
from mockserver.nodes import Node
from mockserver.timevalue import TimeValue

GROUPINGS = ("nodes", "parents", "none")
_ID = itemgetter("id")


@dataclass(frozen=True)
class InfoStyle:
    """How a product renders `TaskInfo`: Elasticsearch prints `cancelled` only for cancellable tasks; OpenSearch
    always prints it, and from 2.8 adds `cancellation_time_millis` to a cancelled task."""

    always_cancelled: bool = False
    cancellation_time: bool = False


ELASTICSEARCH = InfoStyle()


def iso_millis(seconds: float) -> str:
    """Epoch seconds as `strict_date_optional_time` with milliseconds, the way `?human` prints dates."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def task_info(task: Task, now: float, *, detailed: bool, human: bool = False,
              style: InfoStyle = ELASTICSEARCH) -> dict[str, Any]:
    """`TaskInfo.toXContent`: `status` and `description` only when detailed, `cancelled` as the product has it."""
    info: dict[str, Any] = {"node": task.node, "id": task.id, "type": task.type, "action": task.action}
    if detailed:
        status = task.work.status(now, human) if task.work is not None else None
        if status is not None:
            info["status"] = status
        info["description"] = task.description
    if human:
        info["start_time"] = iso_millis(task.start)
    info["start_time_in_millis"] = int(task.start * 1000)
    running = max(0.0, now - task.start)
    if human:
        info["running_time"] = str(TimeValue.of_seconds(running))
    info["running_time_in_nanos"] = int(running * 1e9)
    info["cancellable"] = task.cancellable
    if task.cancellable or style.always_cancelled:
        info["cancelled"] = task.cancelled
    if style.cancellation_time and task.cancelled_at is not None:
        info["cancellation_time_millis"] = int(task.cancelled_at * 1000)
    if task.parent is not None:
        info["parent_task_id"] = str(task.parent)
    info["headers"] = task.headers  # fixed at registration: every rendering of the task shares it
    return info


def task_result(task: Task, info: dict[str, Any]) -> dict[str, Any]:
    """`TaskResult`: a completed task with its `error` or `response`, as stored in the results index."""
    result: dict[str, Any] = {"completed": True, "task": info}
    work = task.work
    if work is not None and work.error is not None:
        result["error"] = work.error.cause()
    elif work is not None and work.response is not None:
        result["response"] = work.response
    return result


def check_grouping(group_by: str) -> None:
    if group_by not in GROUPINGS:
        raise IllegalArgument(f"[group_by] must be one of [nodes], [parents] or [none] but was [{group_by}]")


def grouped(infos: Sequence[dict[str, Any]], group_by: str, nodes: Iterable[Node], *,
            node_failures: Sequence[ApiError] = (), task_failures: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A list or cancel response in the requested grouping (`ListTasksResponse`)."""
    body: dict[str, Any] = {}
    if task_failures:
        body["task_failures"] = list(task_failures)
    if node_failures:
        body["node_failures"] = [failure.cause() for failure in node_failures]
    if group_by == "none":
        body["tasks"] = list(infos)
    elif group_by == "parents":
        body["tasks"] = _by_parents(infos)
    else:
        body["nodes"] = _by_nodes(infos, nodes)
    return body


def _by_nodes(infos: Sequence[dict[str, Any]], nodes: Iterable[Node]) -> dict[str, Any]:
    """The tasks of each node by id: the cluster's nodes in their order, then the nodes that left the cluster
    (by their lowest task id)."""
    known = {node.id: node for node in nodes}
    rank = {node_id: i for i, node_id in enumerate(known)}
    by_node: dict[str, list[dict[str, Any]]] = {}
    for info in infos:
        by_node.setdefault(info["node"], []).append(info)
    for node_infos in by_node.values():
        node_infos.sort(key=_ID)
    grouped_nodes: dict[str, Any] = {}
    for node_id in sorted(by_node, key=lambda node_id: (rank.get(node_id, len(rank)), by_node[node_id][0]["id"])):
        entry = grouped_nodes[node_id] = _node_header(known.get(node_id))
        entry["tasks"] = {f"{node_id}:{info['id']}": info for info in by_node[node_id]}
    return grouped_nodes


def _node_header(node: Node | None) -> dict[str, Any]:
    """Name, addresses, roles and attributes of a node still in the cluster; nothing for one that left."""
    if node is None:
        return {}
    header: dict[str, Any] = {"name": node.name, "transport_address": node.transport_address, "host": node.host,
                              "ip": node.transport_address, "roles": list(node.roles)}
    if node.attributes:
        header["attributes"] = dict(node.attributes)
    return header


def _by_parents(infos: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Tasks under their parents; a task whose parent is not in the result is top level."""
    groups = {f"{info['node']}:{info['id']}": {**info} for info in infos}
    top: dict[str, Any] = {}
    for key, group in groups.items():
        parent = groups.get(group.get("parent_task_id", ""))
        if parent is None:
            top[key] = group
        else:
            parent.setdefault("children", []).append(group)
    return top
