"""An API family: its routes, its state and the fixtures the mock adapter may ask it for.

A family lives in one package under `mockserver/families/`; the app discovers every package that
exports `FAMILY`, so adding a family edits nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from mockserver.routing import Call, Route

if TYPE_CHECKING:
    from mockserver.cluster import Cluster

Fixture = Callable[[Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Family:
    name: str
    create_state: Callable[["Cluster"], Any]
    routes: tuple[Route, ...]
    flavours: frozenset[str] = frozenset({"elasticsearch", "opensearch"})
    features: frozenset[str] = frozenset()
    fixtures: dict[str, Fixture] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    catch_up: Callable[[Any], None] | None = None  # applies clock-driven work that is due; run before each request
    authenticate: Callable[[Any, Mapping[str, str], str], None] | None = None  # (state, headers, uri); may raise
    authorize: Callable[[Any, "Call"], None] | None = None  # (state, parsed call) before its handler; may raise
    # answers a search of these indices itself (e.g. rollup indices), or returns None to let the default run
    search: Callable[[Any, list[Any], dict[str, Any]], Any] | None = None


def discover() -> list[Family]:
    """Every family under `mockserver.families`, dependencies first."""
    import mockserver.families as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family):
            found[family.name] = family
    ordered: list[Family] = []

    def visit(family: Family) -> None:
        if family in ordered:
            return
        for name in family.depends_on:
            visit(found[name])
        ordered.append(family)

    for family in sorted(found.values(), key=lambda f: f.name):
        visit(family)
    return ordered
