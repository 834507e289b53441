"""Task ids: `<node id>:<number>`, parsed as `TaskId(String)` does."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockserver.families.tasks.errors import MalformedTaskId
from mockserver.params import accepts

_LONG = re.compile(r"[+-]?\d+")
_LONG_RANGE = range(-(2**63), 2**63)


@dataclass(frozen=True)
class TaskId:
    node: str
    id: int

    def __str__(self) -> str:
        return f"{self.node}:{self.id}"

    @classmethod
    def parse(cls, raw: str | None) -> "TaskId | None":
        """`None` for an absent, empty or `unset` id; `MalformedTaskId` (400) when it is not `<node>:<long>`.

        Only the first `:` separates node and number, so `a:b:c` is malformed (`b:c` is no number)."""
        if not raw or raw == "unset":
            return None
        node, colon, number = raw.partition(":")
        if not colon:
            raise MalformedTaskId(raw)
        if not _LONG.fullmatch(number) or int(number) not in _LONG_RANGE:
            raise MalformedTaskId(raw, number=number)
        return cls(node, int(number))


@accepts({"type": "string", "pattern": "^[^:]+:[0-9]{1,18}$"})
def task_id(raw: str, name: str) -> TaskId | None:
    """Parameter parser for task ids (`parent_task_id`, and `task_id` from the query or the path)."""
    return TaskId.parse(raw)
