"""Runs a folder of peer tests (Elasticsearch YAML REST tests or OpenSearch API-specification stories) against
the bundled mock and prints, per suite folder, how many passed, failed, errored and were skipped, with the
failure reasons grouped.

    .venv/bin/python benchmarks/dialect_suites.py SUITE_DIR [--target mock:elasticsearch@8.17.0] [--users]

`--users` first creates, as superusers, the users whose basic credentials the suite's requests carry (the
upstream test clusters have them; the mock starts with `elastic` only).
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import re
import sys
from pathlib import Path

from conformance.dialects import detect, load
from conformance.documents import LoadError
from conformance.runner import ScenarioResult, run_scenario
from conformance.targets import TargetConfig, create_target
from conformance.targets.base import Request, Target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", type=Path, help="a folder of peer test files (searched recursively)")
    parser.add_argument("--target", default=None, help="default: the mock in the dialect's flavour")
    parser.add_argument("--users", action="store_true", help="create the users the suite authenticates as")
    parser.add_argument("--verbose", action="store_true", help="print each test's outcome")
    args = parser.parse_args()
    files = [f for f in sorted(args.suite.rglob("*.y*ml")) if detect(f)]
    if not files:
        print(f"no peer test files under {args.suite}", file=sys.stderr)
        return 2
    flavour = "opensearch" if detect(files[0]) == "opensearch-story" else "elasticsearch"
    target = create_target(TargetConfig(target=args.target or f"mock:{flavour}"))
    try:
        if args.users:
            _create_users(target, files)
        print(f"target: {target.info.describe()}")
        results: dict[str, list[ScenarioResult]] = collections.defaultdict(list)
        problems: list[str] = []
        for file in files:
            try:
                scenarios = load(file)
            except LoadError as error:
                problems.append(str(error))
                continue
            for scenario in scenarios:
                result = run_scenario(scenario, target)
                results[str(file.parent.relative_to(args.suite))].append(result)
                if args.verbose:
                    print(f"  {result.outcome:8} {scenario.id}  {_reason(result)[:150]}")
        _print(results, problems)
    finally:
        target.close()
    return 0


def _create_users(target: Target, files: list[Path]) -> None:
    credentials = set()
    for file in files:
        for token in re.findall(r"Basic\s+([A-Za-z0-9+/=]+)", file.read_text(encoding="utf-8")):
            credentials.add(base64.b64decode(token).decode(errors="replace"))
    for credential in sorted(credentials):
        name, _, password = credential.partition(":")
        body = json.dumps({"password": password, "roles": ["superuser"]}).encode()
        response = target.send(Request("PUT", f"/_security/user/{name}", {}, body))
        print(f"created user {name}: {response.status}")


def _reason(result: ScenarioResult) -> str:
    if result.outcome == "skipped":
        return result.reason
    record = result.failed_step or (result.teardown_problems[0] if result.teardown_problems else None)
    if record is None:
        return ""
    problems = " | ".join(re.sub(r"expected \[(\d+, ){5,}\d+\]", "expected another status", p.splitlines()[0])
                          for p in record.problems)
    answer = record.response.body if record.response else None
    error = answer.get("error") if isinstance(answer, dict) else None
    detail = f" ({error.get('type')}: {error.get('reason')})" if isinstance(error, dict) else ""
    return f"{record.phase} {record.name}: {problems}{detail}"


def _print(results: dict[str, list[ScenarioResult]], problems: list[str]) -> None:
    for suite, outcomes in sorted(results.items()):
        counts = collections.Counter(r.outcome for r in outcomes)
        print(f"\n{suite}: {len(outcomes)} tests: " +
              ", ".join(f"{counts[o]} {o}" for o in ("passed", "failed", "error", "skipped")))
        reasons = collections.Counter(_reason(r)[:300] for r in outcomes if r.outcome != "passed")
        for reason, count in reasons.most_common():
            print(f"  {count:3} x {reason}")
    for problem in problems:
        print(f"\nnot loaded: {problem}")


if __name__ == "__main__":
    sys.exit(main())
