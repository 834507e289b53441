"""What the cluster family answers about: the emulated product, its nodes and the mock's fixtures."""

from __future__ import annotations

from typing import Any

from mockserver.errors import IllegalArgument, ResourceNotFound
from mockserver.families.cluster.dynamic import DynamicSettings
from mockserver.family import Environment, Hooks
from mockserver.nodes import Node


class ClusterInfo(Hooks):
    def __init__(self, environment: Environment) -> None:
        self.settings = environment.settings
        self.nodes = environment.nodes
        self.uuid = environment.uuid
        self.build_hash = environment.build_hash
        self.catalogue = environment.catalogue
        self.dynamic = DynamicSettings()

    def select_nodes(self, wanted: str | None) -> list[Node]:
        """The nodes a `node_id` path parameter names (ids or names, comma-separated, or `_all`)."""
        names = wanted.split(",") if wanted is not None else []
        return [n for n in self.nodes if wanted in (None, "_all") or n.id in names or n.name in names]

    def use_fixture(self, name: str, args: dict[str, Any] | None) -> Any:
        """Run a fixture with `args` (none: `{}`); its answer, or `{}`."""
        fixture = self.catalogue.fixture(name)
        if fixture is None:
            raise ResourceNotFound(f"no fixture [{name}]")
        try:
            return fixture(args or {}) or {}
        except (KeyError, TypeError, ValueError) as exc:
            raise IllegalArgument(f"fixture [{name}] cannot use arguments {args!r}: {exc!r}") from None
