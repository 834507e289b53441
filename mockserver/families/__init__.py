"""API families. Each package here exports `FAMILY`; see `mockserver.family`."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from mockserver.family import Family


def discover() -> list[Family[Any]]:
    """Every family in this package (every folder on its `__path__`), dependencies first."""
    found: dict[str, Family[Any]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family):
            found[family.name] = family
    ordered: list[Family[Any]] = []

    def visit(family: Family[Any]) -> None:
        if family in ordered:
            return
        for name in family.depends_on:
            visit(found[name])
        ordered.append(family)

    for family in sorted(found.values(), key=lambda f: f.name):
        visit(family)
    return ordered
