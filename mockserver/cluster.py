"""The emulated cluster: settings, clock, nodes and the state of every family it serves."""

from __future__ import annotations

import hashlib
import random
from typing import Any, Callable

from mockserver.clock import make_clock
from mockserver.families import discover
from mockserver.family import Environment, Family, Hooks
from mockserver.nodes import Node, make_nodes, random_id
from mockserver.routing import Call, Request, Route
from mockserver.settings import MockSettings


class Cluster:
    """Everything a mock cluster knows; the HTTP layer is a thin skin over it."""

    def __init__(self, settings: MockSettings, families: list[Family[Any]] | None = None) -> None:
        self.settings = settings
        self.clock = make_clock(settings)
        rng = random.Random(settings.seed)
        self.uuid = random_id(rng)
        self.nodes: tuple[Node, ...] = make_nodes(settings, rng)
        self.build_hash = hashlib.sha1(str(settings.version).encode()).hexdigest()
        self.families = [f for f in (families or discover()) if settings.flavour in f.flavours]
        self._states: dict[str, Hooks] = {}
        for family in self.families:
            environment = Environment(settings, self.clock, self.nodes, self.uuid, self.build_hash, self,
                                      {name: self._states[name] for name in family.depends_on})
            self._states[family.name] = family.create_state(environment)
        self._catch_ups = self._hooks("catch_up")
        self._authenticators = self._hooks("authenticate")
        self._authorizers = self._hooks("authorize")

    def _hooks(self, name: str) -> list[Callable[..., None]]:
        """The states' `name` hooks, leaving out the no-op defaults (they run around every request)."""
        return [getattr(state, name) for state in self._states.values()
                if getattr(type(state), name) is not getattr(Hooks, name)]

    def state(self, family: str) -> Any:
        return self._states[family]

    def routes(self) -> list[tuple[Route[Any], Any]]:
        """Every route this cluster serves, with the state its handler is called on."""
        return [(route, self._states[family.name]) for family in self.families for route in family.routes
                if route.flavours is None or self.settings.flavour in route.flavours]

    def catch_up(self) -> None:
        for catch_up in self._catch_ups:
            catch_up()

    def authenticate(self, request: Request) -> None:
        for authenticate in self._authenticators:
            authenticate(request)

    def authorize(self, call: Call[Any]) -> None:
        for authorize in self._authorizers:
            authorize(call)

    # Catalogue ------------------------------------------------------------------------------------------
    @property
    def features(self) -> frozenset[str]:
        return frozenset(feature for family in self.families for feature in family.features)

    def fixture(self, name: str) -> Callable[[dict[str, Any]], Any] | None:
        for family in self.families:
            if name in family.fixtures:
                fixture, state = family.fixtures[name], self._states[family.name]
                return lambda args: fixture(state, args)
        return None

    def fixture_names(self) -> list[str]:
        return sorted(name for family in self.families for name in family.fixtures)
