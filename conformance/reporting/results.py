"""A results.json file (format_version 1) as typed, read-only objects, and several files read as one."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

FORMAT_VERSION = 1
OUTCOMES = ("passed", "failed", "error", "expected-fail", "skipped")
NOT_APPLICABLE = frozenset({"skipped"})
FAILING = frozenset({"failed", "error"})


class ResultsError(Exception):
    """A results file that cannot be read: the message names the file and what is wrong."""


@dataclass(frozen=True)
class Run:
    """One `stopcheck run`: where its results came from and when it ran."""

    id: str
    file: str
    started: str
    finished: str | None
    complete: bool
    stopcheck_version: str
    expectations: str | None


@dataclass(frozen=True)
class Leaks:
    """The leak check after a run's scenarios on one target (each entry "kind name")."""

    removed: tuple[str, ...]  # what the ledger still listed, torn down by the sweep
    left: tuple[str, ...]  # what of the run was still there afterwards
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    label: str
    name: str
    url: str
    flavour: str
    version: str
    distribution: str | None
    features: tuple[str, ...]
    problem: str | None
    run: Run
    leaks: Leaks | None = None  # None: not checked, or a file from before the check


@dataclass(frozen=True)
class Step:
    phase: str
    index: int
    name: str
    file: str
    line: int
    attempts: int
    problems: tuple[str, ...]
    request: dict[str, Any] | None
    response: dict[str, Any] | None

    @property
    def key(self) -> tuple[str, int]:
        """Steps of one scenario on different targets are matched by this."""
        return self.phase, self.index

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def title(self) -> str:
        phase = "" if self.phase == "steps" else f"{self.phase} "
        return f'{phase}step {self.index + 1} "{self.name}"'


@dataclass(frozen=True)
class DocRef:
    source: str
    quote: str


@dataclass(frozen=True)
class ExpectedFailure:
    reason: str
    link: str | None
    stale: bool


@dataclass(frozen=True)
class Failure:
    message: str
    step: Step | None
    teardown: tuple[Step, ...]
    traceback: str | None


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario on one target."""

    id: str
    title: str
    file: str
    family: str
    target: str
    docs: tuple[DocRef, ...]
    outcome: str
    reason: str | None
    expected_failure: ExpectedFailure | None
    duration: float
    prefix: str
    failure: Failure | None
    steps: tuple[Step, ...]

    def step(self, key: tuple[str, int]) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    @property
    def explanation(self) -> str:
        """Why it did not pass, in one line, with the run-unique prefix replaced so runs compare equal."""
        if self.failure and self.failure.step:
            text = f"{self.failure.step.title}: " + "; ".join(self.failure.step.problems)
        elif self.failure:
            text = self.failure.message.strip().splitlines()[0] if self.failure.message.strip() else ""
        else:
            text = self.reason or ""
        return text.replace(self.prefix, "${run}") if self.prefix else text


@dataclass(frozen=True)
class Sentence:
    family: str
    source: str
    quote: str
    verdict: str
    note: str | None
    scenarios: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    product: str | None = None
    url: str | None = None
    versions: str | None = None


@dataclass
class Results:
    """The targets, documented sentences and scenario results of one or more runs."""

    targets: dict[str, Target]
    sentences: list[Sentence]
    sources: dict[str, Source]
    scenarios: list[ScenarioResult]
    _index: dict[tuple[str, str], ScenarioResult] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {(r.target, r.id): r for r in self.scenarios}

    def result(self, target: str, scenario: str) -> ScenarioResult | None:
        return self._index.get((target, scenario))

    def results_of(self, target: str) -> list[ScenarioResult]:
        return [r for r in self.scenarios if r.target == target]

    def source(self, source_id: str) -> Source:
        """The catalogued source, or one titled by its id when the file has no entry for it."""
        return self.sources.get(source_id) or Source(id=source_id, title=source_id)

    def counts(self, target: str) -> Counter[str]:
        return Counter(r.outcome for r in self.results_of(target))

    @property
    def runs(self) -> list[Run]:
        return list(dict.fromkeys(t.run for t in self.targets.values()))


def load_results(path: Path) -> Results:
    """Read one results.json file; ResultsError says plainly what is wrong with it."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ResultsError(f"{path}: cannot read it ({error.strerror or error})") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ResultsError(f"{path}: not JSON ({error})") from None
    if not isinstance(document, dict) or "format_version" not in document:
        raise ResultsError(f"{path}: not a stopcheck results file (no format_version)")
    if document["format_version"] != FORMAT_VERSION:
        raise ResultsError(f"{path}: format_version {document['format_version']!r} is not supported "
                           f"(this stopcheck reads {FORMAT_VERSION})")
    try:
        return _results(document, str(path))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ResultsError(f"{path}: not a valid stopcheck results file ({type(error).__name__}: {error})") from None


def combine(parts: Sequence[Results]) -> Results:
    """Several results files read as one; a target label may appear in only one of them."""
    targets: dict[str, Target] = {}
    for part in parts:
        for label, target in part.targets.items():
            if label in targets:
                raise ResultsError(f"target {label!r} is in both {targets[label].run.file} and {target.run.file}; "
                                   "compare two runs of one target with --baseline or `stopcheck diff`")
            targets[label] = target
    copies: dict[tuple[str, str], list[Sentence]] = {}
    for part in parts:
        for sentence in part.sentences:
            copies.setdefault((sentence.source, sentence.quote), []).append(sentence)
    merged = [_merge_sentence(same) for same in copies.values()]
    sources = {k: v for part in parts for k, v in part.sources.items()}
    return Results(targets, merged, sources, [r for part in parts for r in part.scenarios])


def _merge_sentence(copies: list[Sentence]) -> Sentence:
    scenarios = tuple(dict.fromkeys(sid for s in copies for sid in s.scenarios))
    first = copies[0]
    return Sentence(first.family, first.source, first.quote, first.verdict, first.note, scenarios)


def _results(document: dict[str, Any], file: str) -> Results:
    expectations = document.get("expectations")
    run = Run(id=document["run"], file=file, started=document["started"], finished=document.get("finished"),
              complete=bool(document["complete"]), stopcheck_version=document["stopcheck_version"],
              expectations=expectations["file"] if expectations else None)
    targets = {label: _target(label, t, run) for label, t in document["targets"].items()}
    sentences = [Sentence(family=s["family"], source=s["source"], quote=s["quote"], verdict=s["verdict"],
                          note=s.get("note"), scenarios=tuple(s["scenarios"])) for s in document["sentences"]]
    sources = {key: Source(id=key, title=s.get("title") or key, product=s.get("product"), url=s.get("url"),
                           versions=s.get("versions")) for key, s in document["sources"].items()}
    return Results(targets, sentences, sources, [_scenario(s) for s in document["scenarios"]])


def _target(label: str, record: dict[str, Any], run: Run) -> Target:
    return Target(label=label, name=record["name"], url=record["url"], flavour=record["flavour"],
                  version=record["version"], distribution=record.get("distribution"),
                  features=tuple(record.get("features", ())), problem=record.get("problem"), run=run,
                  leaks=_leaks(record.get("leaks")))


def _leaks(record: dict[str, Any] | None) -> Leaks | None:
    if record is None:
        return None
    return Leaks(removed=tuple(record.get("removed") or ()), left=tuple(record.get("left") or ()),
                 problems=tuple(record.get("problems") or ()))


def _scenario(record: dict[str, Any]) -> ScenarioResult:
    failure = record.get("failure")
    expected = record.get("expected_failure")
    return ScenarioResult(
        id=record["id"], title=record["title"], file=record["file"], family=record["family"],
        target=record["target"], docs=tuple(DocRef(d["source"], d["quote"]) for d in record["docs"]),
        outcome=_outcome(record["outcome"]), reason=record.get("reason"),
        expected_failure=ExpectedFailure(expected["reason"], expected.get("link"), bool(expected.get("stale")))
        if expected else None,
        duration=float(record.get("duration") or 0.0), prefix=record.get("prefix") or "",
        failure=Failure(message=failure.get("message") or "", step=_step(failure["step"]) if failure.get("step")
                        else None, teardown=_steps(failure.get("teardown") or ()),
                        traceback=failure.get("traceback")) if failure else None,
        steps=_steps(record.get("steps") or ()))


def _outcome(value: str) -> str:
    if value not in OUTCOMES:
        raise ValueError(f"unknown outcome {value!r}")
    return value


def _steps(records: Iterable[dict[str, Any]]) -> tuple[Step, ...]:
    return tuple(_step(r) for r in records)


def _step(record: dict[str, Any]) -> Step:
    return Step(phase=record["phase"], index=int(record["index"]), name=record["name"], file=record["file"],
                line=int(record["line"]), attempts=int(record.get("attempts") or 1),
                problems=tuple(record.get("problems") or ()), request=record.get("request"),
                response=record.get("response"))
