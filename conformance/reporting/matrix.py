"""The compatibility matrix of one or more runs: documented sentences grouped by source and family, the scenarios
that check each, and one cell per target, marked against a baseline run when there is one."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.reporting.results import OUTCOMES, Results, ScenarioResult, Sentence, Source, Step

# The outcome that stands for several (a sentence's scenarios on one target): the most alarming one.
_SEVERITY = ("error", "failed", "expected-fail", "passed", "skipped")


@dataclass(frozen=True)
class Answer:
    """What another target answered at the step that failed."""

    target: str
    outcome: str
    step: Step | None
    reason: str


@dataclass(frozen=True)
class Cell:
    target: str
    result: ScenarioResult | None
    was: str | None = None  # the baseline's outcome ("absent" for a new scenario) when the outcome changed
    others: tuple[Answer, ...] = ()

    @property
    def outcome(self) -> str:
        return self.result.outcome if self.result else "not-run"

    @property
    def opens(self) -> bool:
        """A failure opens in place to its transcript."""
        return self.result is not None and self.result.failure is not None

    @property
    def note(self) -> str:
        """The cell's reason in one line: skip reason, expected-failure reason or what did not hold."""
        if self.result is None:
            return "not run on this target"
        if self.result.expected_failure:
            stale = "stale: passes now; " if self.result.expected_failure.stale else ""
            return stale + f"expected to fail: {self.result.expected_failure.reason}"
        return self.result.explanation


@dataclass(frozen=True)
class ScenarioRow:
    id: str
    title: str
    family: str
    file: str
    cells: tuple[Cell, ...]

    @property
    def differs(self) -> bool:
        return len({c.outcome for c in self.cells}) > 1


@dataclass(frozen=True)
class SentenceRow:
    sentence: Sentence | None  # None: scenarios whose quotes are in no catalogued sentence
    scenarios: tuple[ScenarioRow, ...]

    def outcome(self, column: int) -> str:
        outcomes = {row.cells[column].outcome for row in self.scenarios}
        return next((o for o in _SEVERITY if o in outcomes), "not-run")


@dataclass(frozen=True)
class Group:
    source: Source | None
    family: str
    sentences: tuple[SentenceRow, ...]


@dataclass(frozen=True)
class Matrix:
    targets: tuple[str, ...]
    groups: tuple[Group, ...]
    unchecked: int  # documented sentences that no scenario of these runs checks

    @property
    def families(self) -> list[str]:
        return sorted({g.family for g in self.groups})

    @property
    def outcomes(self) -> list[str]:
        present = {c.outcome for g in self.groups for s in g.sentences for r in s.scenarios for c in r.cells}
        return [o for o in (*OUTCOMES, "not-run") if o in present]


def build_matrix(results: Results, baseline: Results | None = None) -> Matrix:
    targets = tuple(results.targets)
    ids = list(dict.fromkeys(r.id for r in results.scenarios))
    rows = {sid: _scenario_row(results, baseline, targets, sid) for sid in ids}
    groups: dict[tuple[str | None, str], list[SentenceRow]] = {}
    placed: set[str] = set()
    unchecked = 0
    for sentence in results.sentences:
        checked = tuple(rows[sid] for sid in sentence.scenarios if sid in rows)
        if not checked:
            unchecked += 1
            continue
        placed.update(r.id for r in checked)
        groups.setdefault((sentence.source, sentence.family), []).append(SentenceRow(sentence, checked))
    for family in sorted({rows[sid].family for sid in ids if sid not in placed}):
        unplaced = tuple(rows[sid] for sid in ids if sid not in placed and rows[sid].family == family)
        groups.setdefault((None, family), []).append(SentenceRow(None, unplaced))
    ordered = sorted(groups.items(), key=lambda item: (item[0][0] is None, item[0][0] or "", item[0][1]))
    return Matrix(targets, tuple(Group(results.source(source) if source else None, family, tuple(sentences))
                                 for (source, family), sentences in ordered), unchecked)


def _scenario_row(results: Results, baseline: Results | None, targets: tuple[str, ...], sid: str) -> ScenarioRow:
    records = {label: results.result(label, sid) for label in targets}
    first = next(r for r in records.values() if r is not None)
    cells = tuple(Cell(label, record, _was(baseline, label, sid, record), _others(records, label))
                  for label, record in records.items())
    return ScenarioRow(first.id, first.title, first.family, first.file, cells)


def _was(baseline: Results | None, label: str, sid: str, record: ScenarioResult | None) -> str | None:
    if baseline is None or label not in baseline.targets or record is None:
        return None
    before = baseline.result(label, sid)
    if before is None:
        return "absent"
    return before.outcome if before.outcome != record.outcome else None


def _others(records: dict[str, ScenarioResult | None], label: str) -> tuple[Answer, ...]:
    """For a failure at a step: every other target's outcome and its answer to that same step."""
    record = records[label]
    if record is None or record.failure is None:
        return ()
    key = record.failure.step.key if record.failure.step else None
    return tuple(Answer(other, result.outcome, result.step(key) if key else None, result.explanation)
                 for other, result in records.items() if other != label and result is not None)
