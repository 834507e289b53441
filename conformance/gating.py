"""Gating with expectations: a YAML file lists, per kind of target, the scenarios known to fail there. Those
failures do not fail the run; an expected failure that passes is stale."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from conformance.documents import LoadError, parse
from conformance.requirements import version_matches

SCHEMA = "expectations.schema.json"
FAILING = ("failed", "error", "expected-fail")


@dataclass(frozen=True)
class ExpectedFailure:
    scenario: str
    reason: str
    link: str | None = None


def selects(group: dict[str, Any], target: dict[str, Any]) -> bool:
    """Whether an expectations group applies to a target (a results.json target record)."""
    if "flavour" in group and group["flavour"] != target.get("flavour"):
        return False
    if "version" in group and not (target.get("version") and version_matches(group["version"], target["version"])):
        return False
    return "label" not in group or fnmatch.fnmatchcase(target["label"], group["label"])


@dataclass(frozen=True)
class Expectations:
    groups: tuple[dict[str, Any], ...]

    def lookup(self, scenario: str, target: dict[str, Any]) -> ExpectedFailure | None:
        for group in self.groups:
            if selects(group, target):
                for entry in group["scenarios"]:
                    if entry["id"] == scenario:
                        return ExpectedFailure(scenario, entry["reason"], entry.get("link"))
        return None


def load(path: Path) -> Expectations:
    """The file, validated; a problem is a `LoadError` naming file and line."""
    document = parse(path, SCHEMA)
    if document.schema_problems:
        raise LoadError.of(document.schema_problems[0])
    for index, group in enumerate(document.data["expected_failures"]):
        try:
            SpecifierSet(group.get("version", ""))
        except InvalidSpecifier:
            raise LoadError.of(document.problem(["expected_failures", index, "version"],
                                                f"{group['version']!r} is not a version range (use e.g. \">=9\")")) from None
    return Expectations(tuple(document.data["expected_failures"]))


def apply(record: dict[str, Any], expected: ExpectedFailure | None) -> dict[str, Any]:
    """The record as gated: a listed failure is `expected-fail`; a listed scenario that passed is stale."""
    if expected is None:
        return record
    gated = record | {"expected_failure": {"reason": expected.reason, "link": expected.link,
                                           "stale": record["outcome"] == "passed"}}
    if record["outcome"] in FAILING:
        gated["outcome"] = "expected-fail"
    return gated


def update(results: dict[str, Any], current: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """The expectations after a run, and what changed: failures not yet listed are added under their target's
    label (their reason taken from the failure, to be edited), entries that passed on every target they select
    are dropped, everything else is kept as written."""
    targets = results["targets"]
    outcomes: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for record in results["scenarios"]:
        outcomes.setdefault(record["id"], []).append((targets[record["target"]], record["outcome"]))
    changes: list[str] = []
    groups = []
    for group in (current or {}).get("expected_failures", []):
        kept = []
        for entry in group["scenarios"]:
            seen = [outcome for target, outcome in outcomes.get(entry["id"], []) if selects(group, target)]
            if seen and all(outcome == "passed" for outcome in seen):
                changes.append(f"removed {entry['id']}: it passed on every target it was expected to fail on")
            else:
                kept.append(entry)
        if kept:
            groups.append(group | {"scenarios": kept})
    listed = Expectations(tuple(groups))
    for record in results["scenarios"]:
        target = targets[record["target"]]
        if record["outcome"] in FAILING and listed.lookup(record["id"], target) is None:
            group = next((g for g in groups if g.keys() == {"label", "scenarios"} and g["label"] == target["label"]),
                         None)
            if group is None:
                group = {"label": target["label"], "scenarios": []}
                groups.append(group)
            reason = f"{record['outcome']} on {target['label']}: {record['reason'] or 'no reason recorded'}"
            group["scenarios"].append({"id": record["id"], "reason": reason})
            changes.append(f"added {record['id']} on {target['label']}")
    return {"expected_failures": groups}, changes
