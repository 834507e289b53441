"""`stopcheck run --dry-run`: per target, which scenarios would run, which would be skipped and why, what each
would create, and which need `--allow-disposable`. Nothing is sent but discovery (`GET /` and the feature
probes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from conformance.discovery import scenario_files
from conformance.loader import LoadError
from conformance.model import Scenario
from conformance.requirements import unmet
from conformance.resources import Resource, created
from conformance.targets.named import DISPOSABLE
from conformance.targets.plan import PlannedTarget
from conformance.targets.specs import for_flavour, label

TASK_PLACEHOLDER = "<its task id>"


@dataclass(frozen=True)
class Verdict:
    scenario: Scenario
    skipped: str | None  # the reason, or None: it would run
    creates: tuple[Resource, ...]

    @property
    def needs_consent(self) -> bool:
        return DISPOSABLE in self.scenario.requires.consent


def would_create(scenario: Scenario, flavour: str) -> tuple[Resource, ...]:
    """What the scenario's setup and steps would create, as written (`${run}` not yet expanded)."""
    found: list[Resource] = []
    for step in scenario.setup + scenario.steps:
        request = step.request
        if request is None:
            continue
        background = str(request.params.get("wait_for_completion", "")).lower() == "false"
        answer = {"task": TASK_PLACEHOLDER} if background else None
        found += created(flavour, request.method, request.path, request.ndjson or request.body, answer)
    return tuple(dict.fromkeys(found))


def verdicts(scenarios: list[Scenario], specs: list[str], target: PlannedTarget) -> list[Verdict]:
    """The verdict on every scenario that would be collected for this target."""
    assert target.target is not None
    info = target.target.info
    return [Verdict(s, unmet(s.requires, info), would_create(s, info.flavour)) for s in scenarios
            if target.label in {label(for_flavour(spec, s.requires.flavour)) for spec in specs}]


def render(files: Iterable[Path], load: Callable[[Path], list[Scenario]], specs: list[str],
           planned: list[PlannedTarget]) -> tuple[str, int]:
    """The dry run as text, and its exit code (2 when a target cannot be used, as for a real run); `load` gives
    the scenarios of a file."""
    scenarios, lines = [], ["stopcheck dry run: nothing was sent to the targets but discovery (GET / and the "
                            "feature probes); ${run} stands for each scenario's run-unique prefix"]
    for path in scenario_files(files):
        try:
            scenarios += load(path)
        except LoadError as error:
            lines.append(f"cannot load {error}")
    shown: set[str] = set()
    for target in planned:
        if target.label in shown:
            continue
        shown.add(target.label)
        lines.append("")
        if target.target is None:
            lines.append(f"target {target.label}: cannot be used, nothing would run on it: {target.problem}")
            continue
        found = verdicts(scenarios, specs, target)
        if target.implicit and not found:
            continue
        info = target.target.info
        features, consent = ", ".join(sorted(info.features)) or "none", ", ".join(sorted(info.consent)) or "none"
        lines.append(f"target {target.label} ({info.flavour} {info.version}; features: {features}; "
                     f"consent: {consent})")
        lines += [_line(verdict) for verdict in found]
        running = [v for v in found if v.skipped is None]
        blocked = [v for v in found if v.skipped and v.needs_consent and DISPOSABLE not in info.consent]
        lines.append(f"  {target.label}: {len(running)} would run, {len(found) - len(running)} would be skipped"
                     + (f" ({len(blocked)} only with --allow-disposable)" if blocked else ""))
    return "\n".join(lines), 2 if any(t.problem for t in planned) else 0


def _line(verdict: Verdict) -> str:
    scenario = verdict.scenario
    if verdict.skipped:
        return f"  skip  {scenario.id}: {verdict.skipped}"
    made = ", ".join(f"{r.kind} {r.name}" for r in verdict.creates) or "nothing"
    consent = "  [acts on everything: allowed by --allow-disposable]" if verdict.needs_consent else ""
    return f"  run   {scenario.id}: creates {made}{consent}"
