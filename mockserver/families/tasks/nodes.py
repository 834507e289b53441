"""Node selection as `DiscoveryNodes.resolveNodes` does it for the `nodes` parameter."""

from __future__ import annotations

from typing import Sequence

from mockserver.nodes import Node
from mockserver.wildcard import simple_match

def resolve_nodes(nodes: Sequence[Node], local: Node, expressions: Sequence[str]) -> list[str]:
    """Ids of the nodes the expressions name, in cluster order. No expression means every node; names that
    match nothing select nothing. Supports ids, names, host and ip (with `*`), `_local`, `_master`, `_all`,
    `role:true|false` and `attribute:value`."""
    if not expressions:
        return [node.id for node in nodes]
    chosen: set[str] = set()
    for expression in expressions:
        if expression == "_local":
            chosen.add(local.id)
        elif expression == "_master":
            chosen.add(nodes[0].id)
        elif expression == "_all":
            chosen.update(node.id for node in nodes)
        elif any(node.id == expression for node in nodes):
            chosen.add(expression)
        else:
            chosen.update(node.id for node in nodes
                          if any(simple_match(expression, value) for value in (node.name, node.host, node.ip)))
            name, colon, value = expression.partition(":")
            if colon:
                _select_by_attribute(nodes, name, value, chosen)
    return [node.id for node in nodes if node.id in chosen]


def _select_by_attribute(nodes: Sequence[Node], name: str, value: str, chosen: set[str]) -> None:
    roles = {role for node in nodes for role in node.roles}
    if name in roles and value in ("true", "false"):
        holders = {node.id for node in nodes if name in node.roles}
        if value == "true":
            chosen |= holders
        else:
            chosen -= holders
        return
    chosen.update(node.id for node in nodes
                  if any(simple_match(name, key) and simple_match(value, attribute)
                         for key, attribute in node.attributes.items()))
