"""What changed between two runs, per target (matched by label): regressions, fixes, new and removed scenarios,
other outcome changes, changed failure reasons and large duration changes."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.reporting.results import FAILING, Results, ScenarioResult

# A duration change is "large" when one run took at least SLOWER_FACTOR times the other and the gap is at least
# MIN_SECONDS (so that 0.01 s -> 0.03 s is not news).
SLOWER_FACTOR = 2.0
MIN_SECONDS = 1.0

KINDS = ("regression", "fix", "new", "removed", "outcome", "reason", "slower", "faster")
_NAMES = {"regression": ("regression", "regressions"), "fix": ("fix", "fixes"),
          "new": ("new scenario", "new scenarios"), "removed": ("removed scenario", "removed scenarios"),
          "outcome": ("other outcome change", "other outcome changes"),
          "reason": ("changed failure reason", "changed failure reasons"),
          "slower": ("much slower scenario", "much slower scenarios"),
          "faster": ("much faster scenario", "much faster scenarios")}


def counted(kind: str, count: int) -> str:
    """'1 regression', '2 fixes': a count of changes of one kind."""
    singular, plural = _NAMES[kind]
    return f"{count} {singular if count == 1 else plural}"


def kind_title(kind: str) -> str:
    return _NAMES[kind][1].capitalize()


@dataclass(frozen=True)
class Change:
    kind: str
    scenario: str
    before: ScenarioResult | None
    after: ScenarioResult | None

    @property
    def current(self) -> ScenarioResult:
        """The newest record of the scenario (the base one for a removed scenario)."""
        return self.after or self.before  # type: ignore[return-value]


@dataclass(frozen=True)
class TargetDiff:
    label: str
    status: str  # "compared", "added" (only in the new run) or "removed" (only in the base run)
    changes: tuple[Change, ...]

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


@dataclass(frozen=True)
class RunDiff:
    base: Results
    new: Results
    targets: tuple[TargetDiff, ...]

    @property
    def regressions(self) -> list[Change]:
        return [c for t in self.targets for c in t.of("regression")]


def diff(base: Results, new: Results) -> RunDiff:
    labels = list(dict.fromkeys([*new.targets, *base.targets]))
    return RunDiff(base, new, tuple(_target_diff(base, new, label) for label in labels))


def _target_diff(base: Results, new: Results, label: str) -> TargetDiff:
    if label not in base.targets:
        return TargetDiff(label, "added", ())
    if label not in new.targets:
        return TargetDiff(label, "removed", ())
    before = {r.id: r for r in base.results_of(label)}
    after = {r.id: r for r in new.results_of(label)}
    changes = [change for sid in dict.fromkeys([*after, *before])
               if (change := classify(before.get(sid), after.get(sid))) is not None]
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.scenario))
    return TargetDiff(label, "compared", tuple(changes))


def classify(before: ScenarioResult | None, after: ScenarioResult | None) -> Change | None:
    """The one change that best describes how a scenario moved between two runs on one target, if any."""
    if before is None or after is None:
        record = after or before
        assert record is not None
        return Change("new" if before is None else "removed", record.id, before, after)
    kind = _outcome_change(before.outcome, after.outcome)
    if kind is None and after.outcome != "passed" and before.explanation != after.explanation:
        kind = "reason"
    if kind is None and after.outcome == before.outcome != "skipped":
        kind = _duration_change(before.duration, after.duration)
    return Change(kind, after.id, before, after) if kind else None


def _outcome_change(before: str, after: str) -> str | None:
    if before == after:
        return None
    if before == "passed" and after in FAILING:
        return "regression"
    if after == "passed" and before in (*FAILING, "expected-fail"):
        return "fix"
    return "outcome"


def _duration_change(before: float, after: float) -> str | None:
    if abs(after - before) < MIN_SECONDS:
        return None
    if after >= before * SLOWER_FACTOR:
        return "slower"
    if before >= after * SLOWER_FACTOR:
        return "faster"
    return None
