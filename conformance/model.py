"""The validated scenario model the loader builds and the runner executes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from conformance.targets.base import TargetInfo


@dataclass(frozen=True)
class DocRef:
    """A documented sentence a scenario checks: a quote from the source with this id."""

    source: str
    quote: str
    note: str = ""
    line: int = 0


class Condition(Protocol):
    """A further requirement on the target, beyond the declared ones (e.g. a peer dialect's version gate)."""

    def unmet(self, target: TargetInfo) -> str | None:
        """Why the target cannot run the scenario (the skip reason), or None."""


@dataclass(frozen=True)
class Requirements:
    flavour: str
    version: str = ""
    features: tuple[str, ...] = ()
    fixtures: tuple[str, ...] = ()
    consent: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class RequestSpec:
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    ndjson: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Expectation:
    """What a response must show; `when` limits an alternative to targets it applies to."""

    status: tuple[int, ...] = ()
    schema: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    when: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Polling:
    timeout: float
    interval: float


@dataclass(frozen=True)
class Step:
    name: str
    line: int
    file: Path
    request: RequestSpec | None = None
    expectations: tuple[Expectation, ...] = ()  # one: must hold; several: one_of
    capture: dict[str, str] = field(default_factory=dict)
    eventually: Polling | None = None
    fixture: str | None = None
    fixture_args: dict[str, Any] = field(default_factory=dict)
    optional: bool = False  # a fixture step that targets without the fixture skip, going on with the scenario


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    path: Path
    line: int
    docs: tuple[DocRef, ...]
    requires: Requirements
    setup: tuple[Step, ...]
    steps: tuple[Step, ...]
    teardown: tuple[Step, ...]

    @property
    def family(self) -> str:
        return self.path.parent.name


@dataclass(frozen=True)
class Sentence:
    """A behaviour sentence of a documentation source, from a family's catalogue."""

    source: str
    quote: str
    verdict: str = "confirmed"
    note: str = ""
    line: int = 0


@dataclass(frozen=True)
class Source:
    """A document the scenarios check, from specs/sources.yaml."""

    id: str
    product: str
    title: str
    versions: str
    url: str
    format: str
    file: str
