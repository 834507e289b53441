"""Typed errors that render as the error envelope a real cluster sends.

Each exception class mirrors a server-side exception: its `type` is the snake_case name a real cluster
prints and its `status` the HTTP status it maps to. Models raise these; the HTTP layer renders them.
"""

from __future__ import annotations

from typing import Any

from mockserver.version import Version


class ApiError(Exception):
    """An error a real cluster answers with `{"error": {...}, "status": N}`."""

    type = "exception"
    status = 500
    headers: dict[str, str | list[str]] = {}  # HTTP headers the response carries (e.g. WWW-Authenticate)
    # An ElasticsearchException (or OpenSearchException) subclass; False for JDK exceptions such as
    # IllegalArgumentException, which `root_cause` never looks through.
    server_exception = True

    def __init__(self, reason: str, *, caused_by: "ApiError | None" = None, **metadata: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.caused_by = caused_by
        self.metadata = metadata

    def http_status(self, version: Version) -> int:
        """The status for the emulated version (some changed between releases)."""
        return self.status

    def cause(self, trace: bool = False) -> dict[str, Any]:
        """This error as an `ErrorCause` object (`type`, `reason`, metadata, `caused_by`, and with `trace` the
        `stack_trace` that `?error_trace=true` asks for)."""
        body: dict[str, Any] = {"type": self.type, "reason": self.reason, **self.metadata}
        if self.caused_by is not None:
            body["caused_by"] = self.caused_by.cause(trace)
        if trace:
            body["stack_trace"] = self.stack_trace()
        return body

    def stack_trace(self) -> str:
        java_name = "".join(part.capitalize() for part in self.type.split("_"))
        return f"{java_name}[{self.reason}]\n\tat the stopcheck mock (no Java frames)"

    def root(self) -> "ApiError":
        """`guessRootCauses`: follow `caused_by` while both this and the cause are server exceptions."""
        cause = self.caused_by
        if self.server_exception and cause is not None and cause.server_exception:
            return cause.root()
        return self

    def envelope(self, version: Version, trace: bool = False) -> dict[str, Any]:
        """The body a real cluster sends: `root_cause` is the guessed root, without its `caused_by`."""
        root = self.root()
        root_cause = {"type": root.type, "reason": root.reason, **root.metadata}
        if trace:
            root_cause["stack_trace"] = root.stack_trace()
        return {"error": {"root_cause": [root_cause], **self.cause(trace)}, "status": self.http_status(version)}


class IllegalArgument(ApiError):
    type, status = "illegal_argument_exception", 400
    server_exception = False


class IllegalState(ApiError):
    type, status = "illegal_state_exception", 500
    server_exception = False


class ParseError(ApiError):
    type, status = "parse_exception", 400


class ParsingError(ApiError):
    type, status = "parsing_exception", 400


class XContentParseError(ApiError):
    type, status = "x_content_parse_exception", 400
    server_exception = False


class ResourceNotFound(ApiError):
    type, status = "resource_not_found_exception", 404


class IndexNotFound(ApiError):
    """`IndexNotFoundException`: `index_or_alias` for a name in a request path, `index_expression` for an
    index a server reads itself (the `.tasks` results index, a plugin's config index)."""

    type, status = "index_not_found_exception", 404

    def __init__(self, index: str, resource_type: str = "index_or_alias") -> None:
        super().__init__(
            f"no such index [{index}]",
            index=index,
            **{"resource.type": resource_type, "resource.id": index, "index_uuid": "_na_"},
        )


class NumberFormat(ApiError):
    """`NumberFormatException`: a JDK `IllegalArgumentException`, so 400, and never looked through by `root()`."""

    type, status = "number_format_exception", 400
    server_exception = False

    @classmethod
    def for_input(cls, text: str) -> "NumberFormat":
        return cls(f'For input string: "{text}"')


class ResourceAlreadyExists(ApiError):
    type, status = "resource_already_exists_exception", 400


class RuntimeFailure(ApiError):
    type, status = "runtime_exception", 500
    server_exception = False


class GenericException(ApiError):
    type, status = "exception", 500


class StatusError(ApiError):
    """`ElasticsearchStatusException` / `OpenSearchStatusException`: the status is chosen by the thrower."""

    type = "status_exception"

    def __init__(self, reason: str, status: int, **kwargs: Any) -> None:
        super().__init__(reason, **kwargs)
        self.status = status


class VersionConflict(ApiError):
    type, status = "version_conflict_engine_exception", 409


class ValidationFailed(ApiError):
    """`ActionRequestValidationException`: numbered messages, each ended by a semicolon."""

    type, status = "action_request_validation_exception", 400

    def __init__(self, *messages: str) -> None:
        numbered = "".join(f"{i}: {m};" for i, m in enumerate(messages, start=1))
        super().__init__(f"Validation Failed: {numbered}")


class TimedOut(ApiError):
    """`ElasticsearchTimeoutException`: 500 up to 8.x, 429 from 9.0 (elastic/elasticsearch#116026)."""

    type = "timeout_exception"

    def http_status(self, version: Version) -> int:
        return 429 if version.major >= 9 else 500


class FailedNode(ApiError):
    type = "failed_node_exception"


class MediaTypeHeader(ApiError):
    type, status = "media_type_header_exception", 400
    server_exception = False


class RoutingError(ApiError):
    """An answer of the REST layer itself, before any handler runs: its `error` is a bare string."""

    def envelope(self, version: Version, trace: bool = False) -> dict[str, Any]:
        return {"error": self.reason, "status": self.status}


class NoHandler(RoutingError):
    """`RestController.handleBadRequest`: no route for the path; the body has no `status` key."""

    status = 400

    def __init__(self, uri: str, method: str) -> None:
        super().__init__(f"no handler found for uri [{uri}] and method [{method}]")

    def envelope(self, version: Version, trace: bool = False) -> dict[str, Any]:
        return {"error": self.reason}


class MethodNotAllowed(RoutingError):
    """`RestController.handleUnsupportedHttpMethod`: the path exists for other methods only."""

    status = 405

    def __init__(self, uri: str, method: str, allowed: list[str]) -> None:
        super().__init__(f"Incorrect HTTP method for uri [{uri}] and method [{method}], allowed: [{', '.join(allowed)}]")
        self.headers = {"Allow": ",".join(allowed)}
