"""Errors of the task management APIs, as real clusters render them."""

from __future__ import annotations

from mockserver.errors import ApiError, FailedNode, IllegalArgument, NumberFormat


class MalformedTaskId(IllegalArgument):
    """`IllegalArgumentException("malformed task id ...")`, caused by the number's `NumberFormatException`."""

    def __init__(self, raw: str, *, number: str | None = None) -> None:
        super().__init__(f"malformed task id {raw}",
                         caused_by=NumberFormat.for_input(number) if number is not None else None)


class NodeFailure(FailedNode):
    """`FailedNodeException`: one node could not run its part of a tasks request."""

    def __init__(self, node_id: str, cause: ApiError) -> None:
        super().__init__(f"Failed node [{node_id}]", caused_by=cause, node_id=node_id)


class NoSuchNodeFailure(FailedNode):
    """`NoSuchNodeException`: a subclass of `FailedNodeException`, hence its `node_id`."""

    type = "no_such_node_exception"

    def __init__(self, node_id: str) -> None:
        super().__init__(f"No such node [{node_id}]", node_id=node_id)
