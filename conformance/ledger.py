"""The resource ledger of a run: `reports/<run>/ledger.jsonl`, one line per resource created or deleted on a
cluster, written as it happens (by every process of the run), so that whatever a run leaves behind, even after a
crash, can be found and removed, and nothing else."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from conformance.resources import KINDS, Resource, created, deleted, in_teardown_order, kind, teardown_requests
from conformance.targets.base import Request, Response, Target, TargetError, TargetWrapper

LEDGER_NAME = "ledger.jsonl"
PREFIX = "sc-"  # every name a scenario makes starts with `sc-<run token>-`


def run_token(run: str) -> str:
    """The random part of a run id (`20250101-120000-a1b2c3`): it is in the name of everything the run makes."""
    return run.rpartition("-")[2]


def run_pattern(run: str) -> str:
    """What the names of a run's resources contain."""
    return f"{PREFIX}{run_token(run)}-"


@dataclass(frozen=True)
class Place:
    """Where resources live: the target's label, how to reach it again without credentials (a URL, a name from
    the targets file or a mock spec), and its flavour."""

    label: str
    spec: str
    flavour: str


@dataclass(frozen=True)
class Entry:
    event: str  # created | deleted
    kind: str
    name: str
    target: str
    spec: str
    flavour: str
    scenario: str
    process: str
    time: str
    run: str

    @property
    def resource(self) -> Resource:
        return Resource(self.kind, self.name)

    @property
    def place(self) -> Place:
        return Place(self.target, self.spec, self.flavour)


class Ledger:
    """Appends to a run's ledger: each line with a single `write` on a file opened for appending, so that lines
    from several processes never mix."""

    def __init__(self, directory: Path, run: str, process: str) -> None:
        self.path = directory / LEDGER_NAME
        self.run = run
        self.process = process

    def record(self, event: str, resource: Resource, place: Place, scenario: str) -> None:
        entry = Entry(event, resource.kind, resource.name, place.label, place.spec, place.flavour, scenario,
                      self.process, datetime.now(timezone.utc).isoformat(timespec="milliseconds"), self.run)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(asdict(entry)) + "\n").encode()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)


def read(path: Path) -> list[Entry]:
    """The entries of a ledger file (a line cut short by a crash is skipped)."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else ():
        try:
            entries.append(Entry(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return entries


def outstanding(entries: Iterable[Entry]) -> list[Entry]:
    """The creations not followed by a deletion of the same resource on the same target, oldest first."""
    state: dict[tuple[str, str, str], Entry | None] = {}
    for entry in entries:
        key = (entry.target, entry.kind, entry.name)
        if entry.event == "created":
            state.pop(key, None)
            state[key] = entry
        else:
            state[key] = None
    return [entry for entry in state.values() if entry is not None]


class RecordingTarget(TargetWrapper):
    """Records in the ledger what each request of a scenario creates and deletes, as soon as it answers."""

    def __init__(self, inner: Target, ledger: Ledger, place: Place, scenario: str) -> None:
        super().__init__(inner)
        self.ledger = ledger
        self.place = place
        self.scenario = scenario
        self.present: set[Resource] = set()  # recorded as created, not yet as deleted

    def send(self, request: Request) -> Response:
        response = self.inner.send(request)
        flavour = self.place.flavour
        if 200 <= response.status < 300:
            answer = response.body
            for resource in created(flavour, request.method, request.path, _body(request.body), answer):
                if resource not in self.present:
                    self.present.add(resource)
                    self.ledger.record("created", resource, self.place, self.scenario)
        if 200 <= response.status < 300 or response.status == 404:
            for resource in deleted(flavour, request.method, request.path):
                if resource in self.present:
                    self.present.discard(resource)
                    self.ledger.record("deleted", resource, self.place, self.scenario)
        return response


def _body(raw: bytes | None) -> Any:
    """A JSON body, or the lines of an NDJSON one."""
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return None


def tear_down(target: Target, flavour: str, resources: list[Resource],
              gone: Callable[[Resource, bool], None]) -> list[str]:
    """Remove the resources in dependency order; `gone` is told of each one that is gone now, and whether it was
    there until then (a 404 means it was not). Returns the problems."""
    problems = []
    for resource in in_teardown_order(resources):
        response = None
        for method, path, params in teardown_requests(resource, flavour):
            try:
                response = target.send(Request(method, path, params))
            except TargetError as error:
                problems.append(f"{resource.kind} {resource.name}: {error}")
                response = None
                break
        if response is not None and (200 <= response.status < 300 or response.status == 404):
            gone(resource, response.status != 404)
        elif response is not None:
            problems.append(f"{resource.kind} {resource.name}: {method} {path} answered {response.status}")
    return problems


def still_there(target: Target, flavour: str, resources: Iterable[Resource]) -> list[Resource]:
    """The resources a cluster still has (those it cannot say anything about count as still there)."""
    found = []
    for resource in resources:
        check = kind(resource.kind, flavour)
        if check is None or check.exists is None:
            continue
        path, present = check.exists
        try:
            response = target.send(Request("GET", path.format(name=resource.name)))
        except TargetError:
            found.append(resource)
            continue
        if present(response.status, response.body):
            found.append(resource)
    return found


def named_like(target: Target, flavour: str, pattern: str) -> list[Resource]:
    """Every resource whose name contains `pattern` (a run's `sc-<token>-`), from the cluster's own listings."""
    found = []
    for candidate in KINDS:
        if flavour not in candidate.flavours or candidate.listing is None:
            continue
        path, params, names = candidate.listing
        try:
            response = target.send(Request("GET", path.format(pattern=f"*{pattern}*"), params))
        except TargetError:
            continue
        if response.status == 200:
            found += [Resource(candidate.name, name) for name in names(response.body) if pattern in name]
    return found
