"""The contract of an API family: its routes, its typed state, the hooks the cluster calls on that state, and
the fixtures the mock adapter may ask it for.

A family lives in one package under `mockserver/families/` that exports `FAMILY = Family(...)`;
`mockserver.families.discover` finds every such package, so adding a family edits nothing else. A family's state
is built once per cluster from an `Environment`: the cluster's settings, clock and nodes, and the states of the
families it names in `depends_on` (built first). Families never import the cluster or the app, and reach other
families only through those declared dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Mapping, Protocol, TypeVar

from mockserver.clock import Clock
from mockserver.nodes import Node
from mockserver.routing import Call, Request, Route
from mockserver.settings import MockSettings

T = TypeVar("T")


class Hooks(Protocol):
    """What the cluster calls on every family's state around each request. States subclass this to inherit
    the no-op defaults and override what they need."""

    def catch_up(self) -> None:
        """Before routing: apply the clock-driven work that is due, so that whatever a request reads is current."""

    def authenticate(self, request: Request) -> None:
        """Before routing: check the credentials (a signature covers the method, URI, headers and body); raise
        (401, 403) to refuse the request."""

    def authorize(self, call: Call[Any]) -> None:
        """After parsing, before the handler: check the privileges for `call.action`; raise (403) to refuse."""


S = TypeVar("S", bound=Hooks)
Fixture = Callable[[S, dict[str, Any]], Any]


class Catalogue(Protocol):
    """What the cluster tells about all its families (for `GET /_xpack`, the fixture endpoints and the API description)."""

    @property
    def features(self) -> frozenset[str]: ...

    def fixture(self, name: str) -> Callable[[dict[str, Any]], Any] | None: ...

    def fixture_names(self) -> list[str]: ...

    def routes(self) -> list[tuple[Route[Any], Any]]: ...


@dataclass(frozen=True)
class Environment:
    """What a family's state is built from."""

    settings: MockSettings
    clock: Clock
    nodes: tuple[Node, ...]
    uuid: str
    build_hash: str
    catalogue: Catalogue
    dependencies: Mapping[str, Any] = field(default_factory=dict)

    def dependency(self, name: str, kind: type[T]) -> T:
        """The state of a family named in `depends_on`, checked to be of the expected type."""
        state = self.dependencies[name]
        if not isinstance(state, kind):
            raise TypeError(f"family [{name}] has a {type(state).__name__}, not a {kind.__name__}")
        return state


@dataclass(frozen=True)
class Family(Generic[S]):
    name: str
    create_state: Callable[[Environment], S]
    routes: tuple[Route[S], ...]
    flavours: frozenset[str] = frozenset({"elasticsearch", "opensearch"})
    features: frozenset[str] = frozenset()
    fixtures: Mapping[str, Fixture[S]] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
