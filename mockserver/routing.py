"""Routes as a real cluster's REST layer matches them, independent of the HTTP server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping
from urllib.parse import unquote

from mockserver.errors import IllegalArgument, ParseError, Reply, XContentParseError
from mockserver.params import Param, parse_params

if TYPE_CHECKING:
    from mockserver.cluster import Cluster


class Body(Enum):
    """What a route does with a request body."""

    NONE = "none"  # a body is refused with the real 400
    OPTIONAL = "optional"
    REQUIRED = "required"
    NDJSON = "ndjson"  # newline-delimited JSON, required


@dataclass
class Call:
    """One request as a handler sees it: parsed path parameters, query parameters and body."""

    cluster: "Cluster"
    state: Any
    method: str
    path: str
    uri: str
    path_params: dict[str, str]
    params: dict[str, Any]
    body: Any
    warnings: list[str] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)  # request headers, case-insensitive when served
    action: str | None = None

    def warn(self, message: str) -> None:
        """Add a deprecation `Warning` header to the response."""
        self.warnings.append(message)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    params: tuple[Param, ...] = ()
    body: Body = Body.NONE
    flavours: frozenset[str] | None = None  # None: served by every flavour the family serves
    action: str | None = None  # the transport action name security checks (e.g. cluster:admin/xpack/rollup/stop)

    @property
    def segments(self) -> list[str]:
        return _split(self.pattern)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        mine = self.segments
        if len(mine) != len(segments):
            return None
        bound = {}
        for want, got in zip(mine, segments):
            if want.startswith("{"):
                bound[want[1:-1]] = got
            elif want != got:
                return None
        return bound

    def specificity(self) -> tuple[bool, ...]:
        """Literal segments win over placeholders, left to right, as in the server's path trie."""
        return tuple(not s.startswith("{") for s in self.segments)


def _split(path: str) -> list[str]:
    stripped = path.strip("/")
    return [unquote(s) for s in stripped.split("/")] if stripped else []


@dataclass
class Match:
    route: Route
    path_params: dict[str, str]


class Router:
    """Finds the route for a method and path, or raises the routing-layer error a real cluster gives."""

    def __init__(self, routes: list[tuple[Route, Any]]) -> None:
        self._routes = routes

    def resolve(self, method: str, path: str, uri: str) -> tuple[Match, Any]:
        segments = _split(path)
        candidates = [(r, s, b) for r, s in self._routes if (b := r.match(segments)) is not None]
        allowed = [(r, s, b) for r, s, b in candidates if r.method == method]
        if allowed:
            route, state, bound = max(allowed, key=lambda c: c[0].specificity())
            return Match(route, bound), state
        if candidates:
            methods = sorted({r.method for r, _, _ in candidates})
            raise Reply(
                405,
                {"error": f"Incorrect HTTP method for uri [{uri}] and method [{method}], allowed: [{', '.join(methods)}]",
                 "status": 405},
                {"Allow": ",".join(methods)},
            )
        raise Reply(400, {"error": f"no handler found for uri [{uri}] and method [{method}]"})


def parse_request_body(route: Route, method: str, path: str, raw: bytes) -> Any:
    """Apply the route's body policy after its parameters were parsed, as `BaseRestHandler` does."""
    has_body = bool(raw.strip())
    if route.body is Body.NONE:
        if has_body:
            raise IllegalArgument(f"request [{method} {path}] does not support having a body")
        return None
    if not has_body:
        if route.body in (Body.REQUIRED, Body.NDJSON):
            raise ParseError("request body is required")
        return None
    text = raw.decode("utf-8", errors="replace")
    if route.body is Body.NDJSON:
        return [_json(line) for line in text.splitlines() if line.strip()]
    return _json(text)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise XContentParseError(f"[{exc.lineno}:{exc.colno}] failed to parse JSON: {exc.msg}") from None


def call_for(cluster: "Cluster", match: Match, state: Any, method: str, path: str, uri: str,
             query: dict[str, str], raw_body: bytes, headers: Mapping[str, str] | None = None) -> Call:
    """Parse parameters (their errors first), then the body, into a `Call`."""
    params = parse_params(query, match.route.params, path, match.path_params)
    body = parse_request_body(match.route, method, path, raw_body)
    return Call(cluster, state, method, path, uri, match.path_params, params, body, headers=headers or {},
                action=match.route.action)
