"""The task managers of every node of the cluster: registration, lazy progress, cancellation, stored results."""

from __future__ import annotations

import itertools
import math
import random
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from mockserver.clock import Agenda, Clock
from mockserver.families.indices.models import IndexStore
from mockserver.families.tasks.ids import TaskId
from mockserver.families.tasks.info import ELASTICSEARCH, InfoStyle, task_info, task_result
from mockserver.families.tasks.model import Task, Work, copied_headers
from mockserver.family import Hooks
from mockserver.nodes import Node

CANCEL_REASON = "by user request"


class NodeTasks:
    """One node's task manager: its running tasks by id, numbered from its own counter, and the cancellable ones
    apart (as `TaskManager` keeps them), so that a cancel looks at those only. Both keep the order of the ids."""

    def __init__(self, node: Node, first_id: int) -> None:
        self.node = node
        self.tasks: dict[int, Task] = {}
        self.cancellable: dict[int, Task] = {}
        self._ids = itertools.count(first_id)

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, task: Task) -> None:
        self.tasks[task.id] = task
        if task.cancellable:
            self.cancellable[task.id] = task

    def remove(self, task: Task) -> None:
        self.tasks.pop(task.id, None)
        self.cancellable.pop(task.id, None)


@dataclass
class Hold:
    """Work that only occupies its task until `until` (e.g. a client blocked on `GET _tasks/<id>?wait_for_completion`)."""

    until: float
    response: dict[str, Any] | None = None
    error: None = None

    def advance(self, now: float) -> float | None:
        return self.until if now >= self.until else None

    def due(self) -> float:
        return self.until

    def cancel(self, now: float, stops_at: float, reason: str) -> None:
        """Nothing to wind down."""

    def status(self, now: float, human: bool) -> None:
        return None


class TaskRegistry(Hooks):
    """All nodes' task managers, and the indices their bulk-by-scroll work reads and writes. Work is applied
    lazily: `catch_up` brings every task whose work is due to the clock's now, from an agenda ordered by when
    each work is next due, so that a request costs the same however many tasks wait."""

    def __init__(self, clock: Clock, nodes: Sequence[Node], store: IndexStore, *, seed: int = 0,
                 node_tasks_cancellable: bool = True, info_style: InfoStyle = ELASTICSEARCH) -> None:
        rng = random.Random(seed)
        self.clock = clock
        self.store = store
        self.nodes = {node.id: NodeTasks(node, rng.randint(100, 9000)) for node in nodes}
        self.results: dict[TaskId, dict[str, Any]] = {}  # the `.tasks` results index
        self.cancel_lag = 0.05  # how long cancelled work keeps running before it stops
        self.node_tasks_cancellable = node_tasks_cancellable  # `[n]` tasks are cancellable from 8.0
        self.info_style = info_style
        self._spread = itertools.cycle(list(self.nodes))
        self._rank = {node_id: rank for rank, node_id in enumerate(self.nodes)}
        self._agenda: Agenda[Task] = Agenda()  # running tasks by when their work is next due

    @property
    def local(self) -> Node:
        """The node that coordinates request-scoped tasks (the one that answers `GET /`)."""
        return next(iter(self.nodes.values())).node

    @property
    def cluster_nodes(self) -> list[Node]:
        return [tasks.node for tasks in self.nodes.values()]

    def next_node(self) -> str:
        """The node a new background request lands on: clients spread requests over the nodes."""
        return next(self._spread)

    # registration ----------------------------------------------------------------------------------------
    def register(self, node_id: str, action: str, *, parent: Task | None = None, **fields: Any) -> Task:
        node = self.nodes[node_id]
        task = Task(node_id, node.next_id(), action, self.clock.now(),
                    parent=parent.task_id if parent is not None else None, **fields)
        node.add(task)
        if parent is not None:
            parent.children += (task,)
        if task.work is not None:
            self._schedule(task, task.work.due())
        return task

    def assign(self, task: Task, work: Work) -> None:
        """Give a registered task its work."""
        task.work = work
        self._schedule(task, work.due())

    def _schedule(self, task: Task, due: float) -> None:
        self._agenda.add(task, due)

    def complete(self, task: Task, at: float) -> None:
        """The task is done: store its result if asked to, and unregister it."""
        task.ended = at
        if task.store_result:
            self.results[task.task_id] = task_result(task, task_info(task, at, detailed=True, style=self.info_style))
        self.nodes[task.node].remove(task)

    @contextmanager
    def request_task(self, action: str, headers: Mapping[str, str], fan_out: Sequence[str] = (),
                     child_action: str | None = None, child_cancellable: bool = False) -> Iterator[Task]:
        """The task of a REST request on the local node, with one child per node it fans out to."""
        copied = copied_headers(headers)
        top = self.register(self.local.id, action, headers=copied)
        children = [self.register(node_id, child_action or f"{action}[n]", parent=top, headers=copied,
                                  type="direct" if node_id == self.local.id else "transport",
                                  cancellable=child_cancellable)
                    for node_id in fan_out if node_id in self.nodes]
        try:
            yield top
        finally:
            now = self.clock.now()
            for task in (*children, top):
                self.complete(task, now)

    # lookup ----------------------------------------------------------------------------------------------
    def running(self) -> list[Task]:
        """Node by node, by id (a node registers its tasks in the order of their ids)."""
        return [task for node in self.nodes.values() for task in node.tasks.values()]

    def lookup(self, task_id: TaskId) -> Task | None:
        node = self.nodes.get(task_id.node)
        return node.tasks.get(task_id.id) if node is not None else None

    # progress --------------------------------------------------------------------------------------------
    def catch_up(self) -> None:
        """Apply all work due by now, task by task in the order of `running`; children finish before the parents
        that wait for them."""
        if not self._agenda:
            return
        now = self.clock.now()
        while self._agenda.next_moment() <= now:
            due = {id(task): task for task in self._agenda.take_due(now) if task.ended is None}
            for task in sorted(due.values(), key=lambda t: (self._rank[t.node], t.id)):
                assert task.work is not None
                finished = task.work.advance(now)
                if finished is None:
                    self._schedule(task, task.work.due())
                    continue
                self.complete(task, finished)
                parent = self.lookup(task.parent) if task.parent is not None else None
                if parent is not None and parent.work is not None:
                    self._schedule(parent, -math.inf)  # it may have been waiting for this child

    async def wait(self, done: Callable[[], bool], deadline: float) -> bool:
        """Wait (on the clock) until `done()` holds, catching up before each check; False once `deadline` passed."""
        def check() -> bool:
            self.catch_up()
            return done()

        return await self.clock.wait_until(check, deadline)

    def cancel(self, task: Task, reason: str = CANCEL_REASON) -> None:
        """Cancel the task and, through bans, its running cancellable descendants. Work winds down after
        `cancel_lag`; cancelling again, or a task that is not cancellable, changes nothing."""
        self.cancel_all((task,), reason)

    def cancel_all(self, tasks: Iterable[Task], reason: str = CANCEL_REASON) -> None:
        """`cancel` each of the tasks, all at one moment."""
        now = self.clock.now()
        for task in tasks:
            self._cancel(task, reason, now)

    def _cancel(self, task: Task, reason: str, now: float) -> None:
        if not task.cancellable:
            return
        if not task.cancelled:
            task.cancelled, task.cancelled_at = True, now
            if task.work is not None and task.ended is None:
                lag = self.cancel_lag if task.cancel_lag is None else task.cancel_lag
                task.work.cancel(now, now + lag, reason)
                self._schedule(task, task.work.due())
        for child in task.children:
            if child.ended is None:
                self._cancel(child, reason, now)

    def slow_down_cancel(self, task: Task, seconds: float) -> None:
        """Once cancelled, the task and its descendants keep running for `seconds` before they stop."""
        task.cancel_lag = seconds
        for child in task.children:
            self.slow_down_cancel(child, seconds)

    def hold(self, node_id: str, action: str, seconds: float, headers: Mapping[str, str] | None = None) -> Task:
        """A non-cancellable task that stays registered for `seconds`."""
        return self.register(node_id, action, headers=copied_headers(headers or {}),
                             work=Hold(self.clock.now() + seconds))
