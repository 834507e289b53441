"""Routes as a real cluster's REST layer matches them, independent of the HTTP server."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Any, Awaitable, Callable, Generic, Mapping, NamedTuple, TypeVar
from urllib.parse import unquote

from mockserver.errors import IllegalArgument, MethodNotAllowed, NoHandler, ParseError
from mockserver.params import Param, parse_params
from mockserver.xcontent import Document, compact_json

S = TypeVar("S")
NO_HEADERS: Mapping[str, Any] = MappingProxyType({})


class Body(Enum):
    """What a route does with a request body."""

    NONE = "none"  # a body is refused with the real 400
    OPTIONAL = "optional"
    REQUIRED = "required"
    NDJSON = "ndjson"  # newline-delimited JSON, required


@dataclass(slots=True)
class Call(Generic[S]):
    """One request as a handler sees it: its family's state, parsed path and query parameters, and body
    (`body` decoded, `document` with the body's token locations for parse errors)."""

    state: S
    method: str
    path: str
    uri: str
    path_params: dict[str, str]
    params: dict[str, Any]
    document: Document | None = None
    warnings: list[str] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)  # request headers, case-insensitive when served
    action: str | None = None
    ndjson: list[str] | None = None  # a newline-delimited body split at its newlines, for the handler to parse

    @property
    def body(self) -> Any:
        return self.ndjson if self.ndjson is not None else self.document.value if self.document else None

    def warn(self, message: str) -> None:
        """Add a deprecation `Warning` header to the response."""
        self.warnings.append(message)


class Reply(NamedTuple):
    """A handler's answer when it is not a 200 with the returned body: another status, headers, or no body; or
    a constant answer, encoded once."""

    status: int
    body: Any  # JSON, or a str for a plain-text answer
    headers: Mapping[str, str | list[str]] = NO_HEADERS  # a list: the header once per value
    compact: bytes | None = None  # the body's compact JSON, when made in advance

    @classmethod
    def constant(cls, body: Any) -> "Reply":
        """A 200 whose body never changes (e.g. `{"stopped":true}`), with its compact JSON made now."""
        return cls(200, body, NO_HEADERS, compact_json(body))


Handler = Callable[[Call[S]], Awaitable[Any]]
STOPPED = Reply.constant({"stopped": True})
ACKNOWLEDGED = Reply.constant({"acknowledged": True})


@dataclass(frozen=True)
class Route(Generic[S]):
    method: str
    pattern: str
    handler: Handler[S]
    params: tuple[Param, ...] = ()
    body: Body = Body.NONE
    flavours: frozenset[str] | None = None  # None: served by every flavour the family serves
    action: str | None = None  # the transport action name security checks (e.g. cluster:admin/xpack/rollup/stop)
    request_schema: str | None = None  # the JSON Schema of the body, `<file>#/$defs/<name>` in specs/schemas

    @cached_property
    def segments(self) -> list[str]:
        return _split(self.pattern)

    @cached_property
    def placeholders(self) -> tuple[tuple[int, str], ...]:
        """The position and name of each `{placeholder}` segment."""
        return tuple((i, s[1:-1]) for i, s in enumerate(self.segments) if s.startswith("{"))

    @cached_property
    def defaults(self) -> dict[str, Any] | None:
        """Every declared parameter's default, which is what a request without a query string gets; None when a
        declared parameter is read from the path instead (then each request's values must be parsed)."""
        placeholders = {name for _, name in self.placeholders}
        if any(param.name in placeholders for param in self.params):
            return None
        return {param.name: param.default for param in self.params}


def _split(path: str) -> list[str]:
    stripped = path.strip("/")
    if not stripped:
        return []
    return [unquote(s) for s in stripped.split("/")] if "%" in stripped else stripped.split("/")


class Request(NamedTuple):
    """An HTTP request as the routing layer needs it, whatever server received it (made once per request: a
    named tuple is the cheapest immutable record)."""

    method: str
    path: str
    uri: str  # the raw URI, query string included, as error messages print it
    query: Mapping[str, str]
    body: bytes = b""
    headers: Mapping[str, str] = NO_HEADERS


class _Node:
    """A node of the path trie: the routes ending here by method, and the children by literal segment or
    placeholder."""

    __slots__ = ("by_method", "literals", "placeholder")

    def __init__(self) -> None:
        self.by_method: dict[str, tuple[Route[Any], Any]] = {}  # the first route for each method
        self.literals: dict[str, _Node] = {}
        self.placeholder: _Node | None = None

    def add(self, route: Route[Any], state: Any) -> None:
        node = self
        for segment in route.segments:
            if segment.startswith("{"):
                node.placeholder = node = node.placeholder or _Node()
            else:
                node = node.literals.setdefault(segment, _Node())
        node.by_method.setdefault(route.method, (route, state))

    def matches(self, segments: list[str]) -> list[_Node]:
        """The nodes whose patterns match a path, most specific first: a literal segment wins over a placeholder,
        left to right, as in the server's path trie."""
        reached = [self]  # in order of specificity, which expanding each node literal-first keeps
        for segment in segments:
            following = []
            for node in reached:
                literal = node.literals.get(segment)
                if literal is not None:
                    following.append(literal)
                if node.placeholder is not None:
                    following.append(node.placeholder)
            reached = following
        return [node for node in reached if node.by_method]

    def find(self, segments: list[str], method: str, depth: int = 0) -> tuple[Route[Any], Any] | None:
        """The route for `method` of the most specific node matching a path (from segment `depth` on), as
        `matches` orders them: depth first, a literal child before the placeholder, so that the usual path is found
        without visiting the rest. It recurses no deeper than the trie."""
        if depth == len(segments):
            return self.by_method.get(method)
        literal = self.literals.get(segments[depth])
        if literal is not None:
            found = literal.find(segments, method, depth + 1)
            if found is not None:
                return found
        if self.placeholder is not None:
            return self.placeholder.find(segments, method, depth + 1)
        return None


class Router:
    """Finds the route for a request and parses it into a `Call` on the route's state."""

    def __init__(self, routes: list[tuple[Route[Any], Any]]) -> None:
        self._trie = _Node()
        for route, state in routes:
            self._trie.add(route, state)

    def resolve(self, request: Request) -> tuple[Route[Any], Call[Any]]:
        """The route and call for this request: the most specific matching route, its parameters (their errors first),
        then its body. Raises the routing-layer error a real cluster gives when no route matches."""
        segments = _split(request.path)
        route, state = self.match(request.method, segments, request.uri)
        path_params = {name: segments[i] for i, name in route.placeholders}
        defaults = route.defaults
        if defaults is not None and not request.query:
            params = defaults.copy()
        else:
            params = parse_params(request.query, route.params, request.path, path_params)
        call = Call(state, request.method, request.path, request.uri, path_params, params, headers=request.headers,
                    action=route.action)
        if request.body or route.body in _BODY_REQUIRED:  # otherwise there is nothing to parse nor to refuse
            _parse_body(call, route.body, request.body)
        return route, call

    def match(self, method: str, segments: list[str], uri: str) -> tuple[Route[Any], Any]:
        """The most specific route for a method on a path (split in segments) and its state, or the routing
        error a real cluster gives (405 when other methods match, the bare 400 when nothing does)."""
        found = self._trie.find(segments, method)
        if found is not None:
            return found
        allowed = sorted({m for node in self._trie.matches(segments) for m in node.by_method})
        if allowed:
            raise MethodNotAllowed(uri, method, allowed)
        raise NoHandler(uri, method)


_BODY_REQUIRED = (Body.REQUIRED, Body.NDJSON)


def _parse_body(call: Call[Any], policy: Body, raw: bytes) -> None:
    """Apply the route's body policy after its parameters were parsed, as `BaseRestHandler` does."""
    has_body = bool(raw.strip())
    if policy is Body.NONE:
        if has_body:
            raise IllegalArgument(f"request [{call.method} {call.path}] does not support having a body")
        return
    if not has_body:
        if policy in _BODY_REQUIRED:
            raise ParseError("request body is required")
        return
    text = raw.decode("utf-8", errors="replace")
    if policy is Body.NDJSON:
        call.ndjson = text.split("\n")
    else:
        call.document = Document(text)
