"""Runs the suite against the mock and the project's tests several times in a row and names whatever ever failed.

Usage: python benchmarks/flake_check.py [--times 20] [--workers auto] [--only suite|tests]
Exit status 1 if any scenario or test failed in any round: zero flakes are allowed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def failures(junit: Path) -> list[str]:
    """The ids of failed or erroring test cases in a JUnit XML file (a missing file counts as one failure)."""
    if not junit.is_file():
        return [f"<no report: {junit.name}>"]
    failed = []
    for case in ElementTree.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(f"{case.get('classname')}::{case.get('name')}")
    return failed


def suite_round(workers: str, directory: Path) -> list[str]:
    subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(directory), "--", "-n", workers],
                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return failures(directory / "junit.xml")


def tests_round(workers: str, directory: Path) -> list[str]:
    junit = directory / "tests.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", workers, f"--junitxml={junit}"],
                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return failures(junit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--only", choices=["suite", "tests"], default=None)
    args = parser.parse_args()
    rounds = {"suite": suite_round, "tests": tests_round}
    if args.only:
        rounds = {args.only: rounds[args.only]}

    seen: Counter[str] = Counter()
    for number in range(1, args.times + 1):
        for name, run in rounds.items():
            started = time.monotonic()
            with tempfile.TemporaryDirectory() as directory:
                failed = run(args.workers, Path(directory))
            seen.update(f"{name}: {test}" for test in failed)
            print(f"round {number:2}/{args.times} {name:5}: {len(failed)} failed in {time.monotonic() - started:5.1f}s",
                  flush=True)
    if not seen:
        print(f"no failures in {args.times} rounds")
        return 0
    print(f"{len(seen)} flaky or failing:")
    for test, count in seen.most_common():
        print(f"  {count:2}/{args.times}  {test}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
