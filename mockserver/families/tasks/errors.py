"""Errors of the task management and bulk-by-scroll APIs, as real clusters render them."""

from __future__ import annotations

from mockserver.errors import ApiError, FailedNode, IllegalArgument


class JavaError(ApiError):
    """A plain JDK exception (not an `ElasticsearchException`): `root_cause` stops at it, whatever its cause."""

    def root(self) -> ApiError:
        return self


class NumberFormat(JavaError):
    type, status = "number_format_exception", 400


class JavaIllegalArgument(JavaError, IllegalArgument):
    """`IllegalArgumentException` thrown with a cause."""


class MalformedTaskId(JavaIllegalArgument):
    def __init__(self, raw: str, *, number: str | None = None) -> None:
        cause = NumberFormat(f'For input string: "{number}"') if number is not None else None
        super().__init__(f"malformed task id {raw}", caused_by=cause)


class NodeFailure(FailedNode):
    """`FailedNodeException`: one node could not run its part of a tasks request."""

    def __init__(self, node_id: str, cause: ApiError) -> None:
        super().__init__(f"Failed node [{node_id}]", caused_by=cause, node_id=node_id)


class NoSuchNodeFailure(FailedNode):
    """`NoSuchNodeException`: a subclass of `FailedNodeException`, hence its `node_id`."""

    type = "no_such_node_exception"

    def __init__(self, node_id: str) -> None:
        super().__init__(f"No such node [{node_id}]", node_id=node_id)


class ResultsIndexMissing(ApiError):
    """`IndexNotFoundException` for the `.tasks` results index, as a get-by-id reports it."""

    type, status = "index_not_found_exception", 404

    def __init__(self) -> None:
        super().__init__("no such index [.tasks]", index=".tasks",
                         **{"resource.id": ".tasks", "resource.type": "index_expression", "index_uuid": "_na_"})
