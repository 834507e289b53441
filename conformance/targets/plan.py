"""The targets of a run, each discovered once before any scenario: usable, or with the problem to report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from conformance import redaction
from conformance.targets.base import Target, TargetError
from conformance.targets.specs import BARE_MOCK, expand, is_url, label

MOCK_FLAVOURS = ("elasticsearch", "opensearch")


@dataclass
class PlannedTarget:
    spec: str
    label: str
    target: Target | None
    problem: str | None = None
    implicit: bool = False  # a flavour of the bare `mock`: reported only if a scenario of that flavour ran

    def record(self) -> dict[str, Any]:
        """The target's entry in results.json."""
        if self.target is not None:
            return self.target.info.as_record() | {"label": self.label, "problem": None}
        name = "http" if is_url(self.spec) else self.spec.split(":")[0]
        return {"label": self.label, "name": name, "url": redaction.url(self.spec) if is_url(self.spec) else "",
                "flavour": None, "version": None, "distribution": None, "features": [], "fixtures": [],
                "consent": [], "problem": self.problem}


def plan(specs: list[str], create: Callable[[str], Target]) -> list[PlannedTarget]:
    """Create and discover every target (the bare `mock` as one mock per flavour)."""
    planned: list[PlannedTarget] = []
    for spec in expand(specs):
        if spec == BARE_MOCK:
            planned += [_discover(f"mock:{flavour}", create, implicit=True) for flavour in MOCK_FLAVOURS]
        else:
            planned.append(_discover(spec, create))
    return planned


def _discover(spec: str, create: Callable[[str], Target], implicit: bool = False) -> PlannedTarget:
    target: Target | None = None
    try:
        target = create(spec)
        target.info  # discovery happens on first use
    except Exception as error:  # a plugged-in adapter's bug, too, must not hide the other targets
        if target is not None:
            target.close()
        return PlannedTarget(spec, label(spec), None, _problem(error))
    return PlannedTarget(spec, label(spec), target, implicit=implicit)


def _problem(error: Exception) -> str:
    if not isinstance(error, TargetError):
        return f"the target adapter failed: {type(error).__name__}: {error}"
    return f"{error}; {error.hint}" if error.hint else str(error)
