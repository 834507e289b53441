"""How tasks render: `TaskInfo`, `TaskResult` and the list/cancel response groupings.

A list or cancel answer may hold every task of the cluster: it is written task by task as compact JSON as it is
sent, in chunks, so that it is never held as a tree of Python objects, nor as its bytes in one block."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from mockserver.errors import ApiError, IllegalArgument
from mockserver.families.tasks.model import Task
from mockserver.nodes import Node
from mockserver.timevalue import TimeValue
from mockserver.xcontent import Encoded, chunked, compact_json

GROUPINGS = ("nodes", "parents", "none")
_BOOLEAN = (b"false", b"true")  # by a bool's value
_CANCELLED = (b',"cancelled":false', b',"cancelled":true')
# `TaskInfo.toXContent` after `"node":…,"id":…`, the parts that depend on the task's node, type and action; the
# optional parts are `%s` (empty when absent), each with its leading comma.
_TASK_INFO = (b'%s%d%s%s%s,"start_time_in_millis":%d%s,"running_time_in_nanos":%d,"cancellable":%s%s%s%s,'
              b'"headers":%s}')

TaskRenderer = Callable[[Task], bytes]


@dataclass(frozen=True)
class InfoStyle:
    """How a product renders `TaskInfo`: Elasticsearch prints `cancelled` only for cancellable tasks; OpenSearch
    always prints it, and from 2.8 adds `cancellation_time_millis` to a cancelled task. Elasticsearch 8 sends list
    and cancel answers through its chunked REST listener, with chunked transfer encoding whatever their size
    (`streamed`; from which 8.x minor is not confirmed); 7.x and OpenSearch send them with their length."""

    always_cancelled: bool = False
    cancellation_time: bool = False
    streamed: bool = False


ELASTICSEARCH = InfoStyle()


def iso_millis(seconds: float) -> str:
    """Epoch seconds as `strict_date_optional_time` with milliseconds, the way `?human` prints dates."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class TaskInfoWriter:
    """`TaskInfo.toXContent` as compact JSON, at one moment and with one request's options: `status` and
    `description` only when detailed, `cancelled` as the product has it. The one place that knows how a task
    renders (`task_info` reads what it writes)."""

    def __init__(self, now: float, *, detailed: bool, human: bool = False, style: InfoStyle = ELASTICSEARCH) -> None:
        self.now, self.detailed, self.human, self.style = now, detailed, human, style
        # Nodes, types and actions recur: the fields around the id of each combination are encoded once.
        self._around_id: dict[tuple[str, str, str], tuple[bytes, bytes]] = {}

    def _fields_around_id(self, task: Task) -> tuple[bytes, bytes]:
        key = (task.node, task.type, task.action)
        encoded = self._around_id.get(key)
        if encoded is None:
            encoded = self._around_id[key] = (
                b'{"node":%s,"id":' % compact_json(task.node),
                b',"type":%s,"action":%s' % (compact_json(task.type), compact_json(task.action)))
        return encoded

    def __call__(self, task: Task) -> bytes:
        style = self.style
        before_id, after_id = self._fields_around_id(task)
        running = max(0.0, self.now - task.start)
        details = b""
        if self.detailed:
            status = task.work.status(self.now, self.human) if task.work is not None else None
            details = (b',"status":%s' % compact_json(status) if status is not None else b"") + \
                b',"description":%s' % compact_json(task.description)
        start_time = running_time = b""
        if self.human:
            start_time = b',"start_time":%s' % compact_json(iso_millis(task.start))
            running_time = b',"running_time":%s' % compact_json(str(TimeValue.of_seconds(running)))
        cancelled = _CANCELLED[task.cancelled] if task.cancellable or style.always_cancelled else b""
        cancellation_time = (b',"cancellation_time_millis":%d' % int(task.cancelled_at * 1000)
                             if style.cancellation_time and task.cancelled_at is not None else b"")
        parent = b',"parent_task_id":%s' % compact_json(str(task.parent)) if task.parent is not None else b""
        return _TASK_INFO % (before_id, task.id, after_id, details, start_time, int(task.start * 1000), running_time,
                             int(running * 1e9), _BOOLEAN[task.cancellable], cancelled, cancellation_time, parent,
                             compact_json(task.headers) if task.headers else b"{}")


def task_info(task: Task, now: float, *, detailed: bool, human: bool = False,
              style: InfoStyle = ELASTICSEARCH) -> dict[str, Any]:
    """`TaskInfo` as a document, for answers about one task."""
    return json.loads(TaskInfoWriter(now, detailed=detailed, human=human, style=style)(task))


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


def grouped(by_node: Mapping[str, Sequence[Task]], info: TaskRenderer, group_by: str, nodes: Iterable[Node], *,
            node_failures: Sequence[ApiError] = (), task_failures: Sequence[dict[str, Any]] = (),
            streamed: bool = False) -> Encoded:
    """A list or cancel response in the requested grouping (`ListTasksResponse`), from the tasks of each node in
    the order of their ids, each as `info` renders it when its part of the answer is written."""
    return Encoded(lambda: chunked(_pieces(by_node, info, group_by, nodes, node_failures, task_failures)),
                   streamed=streamed)


def _pieces(by_node: Mapping[str, Sequence[Task]], info: TaskRenderer, group_by: str, nodes: Iterable[Node],
            node_failures: Sequence[ApiError], task_failures: Sequence[dict[str, Any]]) -> Iterator[bytes]:
    yield b"{"
    if task_failures:
        yield b'"task_failures":%s,' % compact_json(list(task_failures))
    if node_failures:
        yield b'"node_failures":%s,' % compact_json([failure.cause() for failure in node_failures])
    tasks = chain.from_iterable(by_node.values())  # for the groupings that ignore nodes
    if group_by == "none":
        yield b'"tasks":['
        for i, task in enumerate(tasks):
            yield b"," + info(task) if i else info(task)
        yield b"]"
    elif group_by == "parents":
        yield b'"tasks":'
        yield from _by_parents(tasks, info)
    else:
        yield b'"nodes":'
        yield from _by_nodes(by_node, info, nodes)
    yield b"}"


def _by_nodes(by_node: Mapping[str, Sequence[Task]], info: TaskRenderer, nodes: Iterable[Node]) -> Iterator[bytes]:
    """The nodes with tasks: the cluster's nodes in their order, then the nodes that left the cluster (by their
    lowest task id)."""
    known = {node.id: node for node in nodes}
    rank = {node_id: i for i, node_id in enumerate(known)}
    listed = [node_id for node_id, node_tasks in by_node.items() if node_tasks]
    yield b"{"
    for n, node_id in enumerate(sorted(listed, key=lambda node_id: (rank.get(node_id, len(rank)),
                                                                       by_node[node_id][0].id))):
        header = compact_json(_node_header(known.get(node_id)))
        key = compact_json(node_id)
        yield b'%s%s:%s%s"tasks":{' % (b"," if n else b"", key, header[:-1], b"," if len(header) > 2 else b"")
        task_key = key[:-1]  # each task's key is `<node id>:<task id>`
        for i, task in enumerate(by_node[node_id]):
            yield b'%s%s:%d":%s' % (b"," if i else b"", task_key, task.id, info(task))
        yield b"}}"
    yield b"}"


def _node_header(node: Node | None) -> dict[str, Any]:
    """Name, addresses, roles and attributes of a node still in the cluster; nothing for one that left."""
    if node is None:
        return {}
    header: dict[str, Any] = {"name": node.name, "transport_address": node.transport_address, "host": node.host,
                              "ip": node.transport_address, "roles": list(node.roles)}
    if node.attributes:
        header["attributes"] = dict(node.attributes)
    return header


def _by_parents(tasks: Iterable[Task], info: TaskRenderer) -> Iterator[bytes]:
    """Tasks under their parents (in `children`, after the task's own fields); a task whose parent is not in the
    result is top level."""
    present = {task.task_id: task for task in tasks}
    top: list[Task] = []
    children: dict[Task, list[Task]] = {}
    for task in present.values():
        parent = present.get(task.parent) if task.parent is not None else None
        if parent is None:
            top.append(task)
        else:
            children.setdefault(parent, []).append(task)

    def family(task: Task) -> Iterator[bytes]:
        rendered = info(task)
        if task not in children:
            yield rendered
            return
        yield rendered[:-1] + b',"children":['
        for i, child in enumerate(children[task]):
            if i:
                yield b","
            yield from family(child)
        yield b"]}"

    yield b"{"
    for i, task in enumerate(top):
        yield b'%s%s:' % (b"," if i else b"", compact_json(str(task.task_id)))
        yield from family(task)
    yield b"}"
