"""`${name}` interpolation: the run-unique prefix, captured values and target facts."""

from __future__ import annotations

import re
import secrets
from typing import Any

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


class UndefinedVariable(Exception):
    pass


def run_prefix(run_token: str | None = None) -> str:
    """A prefix no other run or scenario uses, valid as an index name, a job id and a DFA id: `sc-`, the run's
    token (so that whatever a run leaves can be found by it), and the scenario's own."""
    return f"sc-{run_token or secrets.token_hex(3)}-{secrets.token_hex(3)}"


class Variables:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = dict(values)

    def __setitem__(self, name: str, value: Any) -> None:
        self.values[name] = value

    def lookup(self, name: str) -> Any:
        node: Any = self.values
        for part in name.split("."):
            if not isinstance(node, dict) or part not in node:
                raise UndefinedVariable(f"undefined variable ${{{name}}}")
            node = node[part]
        return node

    def expand(self, value: Any) -> Any:
        """Interpolate recursively; a string that is exactly one reference keeps the value's type."""
        if isinstance(value, str):
            whole = _REFERENCE.fullmatch(value)
            if whole:
                return self.lookup(whole.group(1))
            return _REFERENCE.sub(lambda m: str(self.lookup(m.group(1))), value)
        if isinstance(value, dict):
            return {self.expand(k): self.expand(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v) for v in value]
        return value
