"""Checking one response against a step's expectations."""

from __future__ import annotations

import difflib
import json
from typing import Any

from conformance.matchers import MISSING, check, is_operator, resolve
from conformance.model import Expectation
from conformance.requirements import version_matches
from conformance.schemas import store
from conformance.targets.base import Response, TargetInfo
from conformance.variables import Variables


def applies(expectation: Expectation, target: TargetInfo) -> bool:
    """Whether the alternative's `when` (flavour, version range, fixture provided or not) fits the target."""
    when = expectation.when
    provided, lacking = when.get("fixture"), when.get("no_fixture")
    return (when.get("flavour", target.flavour) == target.flavour
            and version_matches(when.get("version", ""), target.version)
            and (provided is None or provided in target.fixtures)
            and (lacking is None or lacking not in target.fixtures))


def problems(expectation: Expectation, response: Response, variables: Variables) -> list[str]:
    """Everything about the response that the expectation rules out (empty: it holds)."""
    found: list[str] = []
    if expectation.status and response.status not in expectation.status:
        wanted = expectation.status[0] if len(expectation.status) == 1 else list(expectation.status)
        found.append(f"status: expected {wanted}, got {response.status}")
    body = response.body
    if expectation.schema:
        error = store().first_error(expectation.schema, body)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            found.append(f"schema {expectation.schema}: at {where}: {error.message}")
    for raw_path, raw_spec in expectation.body.items():
        path, spec = variables.expand(raw_path), variables.expand(raw_spec)
        actual = resolve(body, path)
        problem = check(actual, spec)
        if problem:
            found.append(f"body {path}: {problem}" + _diff(spec, actual))
    headers = {k.lower(): v for k, v in response.headers.items()}
    for name, raw_spec in expectation.headers.items():
        problem = check(headers.get(name.lower(), MISSING), variables.expand(raw_spec))
        if problem:
            found.append(f"header {name}: {problem}")
    return found


def _diff(spec: Any, actual: Any) -> str:
    """A unified diff when a whole object or list was expected."""
    if is_operator(spec) or not isinstance(spec, (dict, list)) or not isinstance(actual, (dict, list)):
        return ""
    expected_lines = json.dumps(spec, indent=2, sort_keys=True).splitlines()
    actual_lines = json.dumps(actual, indent=2, sort_keys=True).splitlines()
    diff = difflib.unified_diff(expected_lines, actual_lines, "expected", "actual", lineterm="")
    return "\n" + "\n".join(f"      {line}" for line in diff)
