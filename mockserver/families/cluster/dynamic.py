"""Dynamic cluster settings (`PUT/GET _cluster/settings`): persistent and transient, stored as strings by their
dotted keys, as `Settings` holds them. The mock keeps any key; a real cluster refuses keys it does not know."""

from __future__ import annotations

from typing import Any

from mockserver.errors import IllegalArgument, ValidationFailed
from mockserver.xcontent import flatten
from mockserver.wildcard import simple_match

SCOPES = ("persistent", "transient")


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested objects, the way settings print without `flat_settings`."""
    tree: dict[str, Any] = {}
    for key, value in sorted(flat.items()):
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def _as_setting(value: Any) -> Any:
    """A value as `Settings` stores it: text (`true`, `10`), or a list of texts."""
    if isinstance(value, list):
        return [_as_setting(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class DynamicSettings:
    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {scope: {} for scope in SCOPES}

    def update(self, body: Any) -> dict[str, dict[str, Any]]:
        """Apply an update body; the settings it set, by scope (a `null` resets a key, or the keys a `*` matches)."""
        if not isinstance(body, dict):
            raise IllegalArgument("request body must be a JSON object")
        if unknown := sorted(set(body) - set(SCOPES)):
            raise IllegalArgument(f"[cluster_update_settings_request] unknown field [{unknown[0]}]")
        updates = {scope: flatten(body.get(scope) or {}) for scope in SCOPES}
        if not any(updates.values()):
            raise ValidationFailed("no settings to update")
        applied: dict[str, dict[str, Any]] = {}
        for scope, changes in updates.items():
            stored = self.values[scope]
            applied[scope] = {}
            for key, value in changes.items():
                if value is None:
                    for name in [n for n in stored if simple_match(key, n)]:
                        del stored[name]
                else:
                    stored[key] = applied[scope][key] = _as_setting(value)
        return applied

    def effective(self, key: str) -> Any:
        """A setting's value in force: the transient one over the persistent one; None when unset."""
        return self.values["transient"].get(key, self.values["persistent"].get(key))

    def get(self, flat: bool) -> dict[str, dict[str, Any]]:
        return {scope: dict(self.values[scope]) if flat else nested(self.values[scope]) for scope in SCOPES}
