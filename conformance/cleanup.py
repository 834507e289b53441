"""Removing what runs left on a cluster, found by the ledger and by the run's name pattern only: never anything
stopcheck did not create. Used after every run (what a crashed worker or an interrupt left), and by
`stopcheck cleanup` for earlier runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from conformance.ledger import (LEDGER_NAME, Entry, Ledger, Place, named_like, outstanding, read, run_pattern,
                                still_there, tear_down)
from conformance.resources import Resource
from conformance.targets.base import Target

AFTER_RUN = "teardown after the run"


@dataclass(frozen=True)
class Swept:
    place: Place
    removed: tuple[Resource, ...]
    left: tuple[Resource, ...]  # still there afterwards (on a dry run: what would be removed)
    problems: tuple[str, ...] = ()


def clean_target(target: Target, place: Place, entries: list[Entry], runs: Iterable[str], ledger: Ledger | None,
                 dry_run: bool = False) -> Swept:
    """Tear down, in dependency order, what the ledger entries of this target left and what is named with the
    runs' patterns, then check what is still there. With `dry_run`, only find what would be removed."""
    mine = [e for e in entries if e.target == place.label]
    patterns = [run_pattern(run) for run in runs]
    candidates = _unique([e.resource for e in outstanding(mine)] +
                         [r for p in patterns for r in named_like(target, place.flavour, p)])
    if dry_run:
        return Swept(place, (), tuple(still_there(target, place.flavour, candidates) + _unlisted(candidates)))
    removed: list[Resource] = []

    def gone(resource: Resource, existed: bool) -> None:
        if existed:
            removed.append(resource)
        if ledger is not None:
            ledger.record("deleted", resource, place, AFTER_RUN)

    problems = tear_down(target, place.flavour, candidates, gone)
    made = _unique([e.resource for e in mine if e.event == "created"] + candidates)
    left = _unique(still_there(target, place.flavour, made) +
                   [r for p in patterns for r in named_like(target, place.flavour, p)])
    return Swept(place, tuple(r for r in removed if r not in left), tuple(left), tuple(problems))


def _unlisted(resources: list[Resource]) -> list[Resource]:
    """Tasks have no existence check before the teardown tries them: a dry run lists them as they are."""
    return [r for r in resources if r.kind == "task"]


def _unique(resources: list[Resource]) -> list[Resource]:
    return list(dict.fromkeys(resources))


@dataclass(frozen=True)
class RunLedger:
    run: str
    directory: Path
    entries: list[Entry]


def ledgers(reports: Path, run: str | None) -> list[RunLedger]:
    """The ledger of one run (`reports/<run>/ledger.jsonl`), or of every run under `reports`."""
    folders = [reports / run] if run else sorted(p for p in reports.iterdir() if p.is_dir()) if reports.is_dir() else []
    found = [(folder, read(folder / LEDGER_NAME)) for folder in folders if (folder / LEDGER_NAME).is_file()]
    return [RunLedger(entries[0].run if entries else folder.name, folder, entries) for folder, entries in found]


def cleanup(found: list[RunLedger], connect: Callable[[Place], Target], dry_run: bool,
            say: Callable[[str], None]) -> int:
    """`stopcheck cleanup`: for every target the ledgers name, remove what the runs left. Exit code: 0 when
    nothing is left (or, on a dry run, always), 1 when something could not be removed, 2 when a target could not
    be reached."""
    code = 0
    places: dict[Place, list[RunLedger]] = {}
    for run in found:
        for place in dict.fromkeys(e.place for e in run.entries):
            places.setdefault(place, []).append(run)
    for place, runs in places.items():
        if place.spec.startswith("mock"):
            say(f"{place.label}: skipped, a mock ends with its run")
            continue
        try:
            target = connect(place)
            target.info
        except Exception as error:
            say(f"{place.label}: cannot connect ({type(error).__name__}: {error}); {getattr(error, 'hint', '')}")
            code = max(code, 2)
            continue
        try:
            for run in runs:
                ledger = None if dry_run else Ledger(run.directory, run.run, "cleanup")
                swept = clean_target(target, place, run.entries, [run.run], ledger, dry_run)
                code = max(code, _report(swept, run.run, dry_run, say))
        finally:
            target.close()
    if not places:
        say("stopcheck cleanup: no ledger found")
    return code


def _report(swept: Swept, run: str, dry_run: bool, say: Callable[[str], None]) -> int:
    where = f"{swept.place.label} (run {run})"
    if dry_run:
        say(f"{where}: would remove {_names(swept.left) or 'nothing'}")
        return 0
    say(f"{where}: removed {_names(swept.removed) or 'nothing'}")
    for problem in swept.problems:
        say(f"{where}: problem: {problem}")
    if swept.left:
        say(f"{where}: STILL THERE: {_names(swept.left)}")
        return 1
    return 0


def _names(resources: Iterable[Resource]) -> str:
    return ", ".join(f"{r.kind} {r.name}" for r in resources)
