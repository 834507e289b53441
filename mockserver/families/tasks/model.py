"""A running task as a node's task manager holds it, and the work some tasks do over time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from mockserver.errors import ApiError
from mockserver.families.tasks.ids import TaskId
from mockserver.wildcard import simple_match

HEADERS_TO_COPY = ("X-Opaque-Id", "X-elastic-product-origin")
NO_HEADERS: dict[str, str] = {}  # shared by every task of a request without such headers: never changed


class Work(Protocol):
    """Clock-driven work a task performs. `advance` applies what is due by `now` and returns when the work
    finished, or `None` while it runs; once finished, `response` or `error` is its outcome."""

    response: dict[str, Any] | None
    error: ApiError | None

    def advance(self, now: float) -> float | None: ...

    def due(self) -> float:
        """The earliest moment `advance` may change anything (`math.inf`: only once another task ended)."""

    def cancel(self, now: float, stops_at: float, reason: str) -> None:
        """Cancellation reached the work at `now`; it winds down and finishes at `stops_at`."""

    def status(self, now: float, human: bool) -> dict[str, Any] | None: ...


@dataclass(eq=False, slots=True)
class Task:
    node: str
    id: int
    action: str
    start: float
    type: str = "transport"
    cancellable: bool = False
    description: str = ""
    parent: TaskId | None = None
    headers: dict[str, str] = field(default_factory=dict)  # never changed once registered
    work: Work | None = None
    store_result: bool = False
    cancelled: bool = False
    cancelled_at: float | None = None
    ended: float | None = None
    cancel_lag: float | None = None  # how long its work runs on once cancelled; None: the registry's default
    children: tuple["Task", ...] = ()  # few, and most tasks have none: no list of its own for each task

    @property
    def task_id(self) -> TaskId:
        return TaskId(self.node, self.id)

    @property
    def settled(self) -> bool:
        """The task and all its descendants have completed."""
        return self.ended is not None and all(child.settled for child in self.children)

    def matches(self, actions: list[str], parent: TaskId | None) -> bool:
        """`BaseTasksRequest.match`: any action pattern (`*` wildcards) and the exact parent, when given."""
        if actions and not any(simple_match(pattern, self.action) for pattern in actions):
            return False
        return parent is None or parent == self.parent


def copied_headers(headers: Any) -> dict[str, str]:
    """The request headers a task records (`Task.HEADERS_TO_COPY`), under their canonical names."""
    lowered = {key.lower(): value for key, value in dict(headers).items()}
    return {name: lowered[name.lower()] for name in HEADERS_TO_COPY if name.lower() in lowered} or NO_HEADERS
