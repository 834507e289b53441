"""What happens in a run, as typed events. On the pytest controller one loop hands every event, in order, to
every handler (results.json, junit.xml, coverage.txt, the terminal display, and any a plugin adds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.coverage import CoverageRow


@dataclass(frozen=True)
class RunStarted:
    run: str
    started: str  # ISO 8601, UTC
    stopcheck_version: str
    report_dir: Path
    targets: tuple[dict[str, Any], ...]  # target records (label, flavour, version, ..., problem)
    implicit: frozenset[str] = frozenset()  # labels listed only once a scenario ran on them (the bare `mock`)
    expectations: dict[str, Any] | None = None  # {"file": ..., "strict": ...}


@dataclass(frozen=True)
class ScenariosCollected:
    files: tuple[Path, ...]
    scenario_set: dict[str, Any]  # {"digest": "sha256:...", "count": n}
    items: dict[str, tuple[str, str]]  # test id -> (scenario id, target label)
    sentences: dict[str, list[CoverageRow]] = field(default_factory=dict)  # family -> its catalogue's rows


@dataclass(frozen=True)
class ScenarioStarted:
    nodeid: str
    scenario: str
    target: str


@dataclass(frozen=True)
class ScenarioFinished:
    nodeid: str
    record: dict[str, Any]


@dataclass(frozen=True)
class ResourcesSwept:
    """After the scenarios, per target: what the run's ledger still listed (a worker crashed, the run was
    interrupted) and was torn down now, and what the leak check then found still there."""

    target: str
    removed: tuple[str, ...]  # "kind name"
    left: tuple[str, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunFinished:
    """The last event of every run, interrupted ones included."""

    finished: str
    complete: bool


Event = RunStarted | ScenariosCollected | ScenarioStarted | ScenarioFinished | ResourcesSwept | RunFinished


class EventHandler(Protocol):
    def handle(self, event: Event) -> None: ...
