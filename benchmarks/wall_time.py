"""Prints the wall time of the whole suite against the mock (`stopcheck run`) and of the project's tests, serial
and with pytest-xdist workers, next to the goals (suite <= 10 s and tests <= 30 s with `-n auto` on 2 cores).

Usage: python benchmarks/wall_time.py [--workers auto] [--only suite|tests]
Exit status 1 if a run failed (its time would mean nothing).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"suite": 10.0, "tests": 30.0}


def command(kind: str, workers: str, reports: Path) -> list[str]:
    if kind == "suite":
        return [sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(reports), "--", "-n", workers]
    return [sys.executable, "-m", "pytest", "-q", "-n", workers]


def timed(kind: str, workers: str) -> float:
    """Seconds one run takes; exits if it failed."""
    with tempfile.TemporaryDirectory() as reports:
        started = time.monotonic()
        completed = subprocess.run(command(kind, workers, Path(reports)), cwd=ROOT, capture_output=True, text=True)
        elapsed = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit(f"{kind} with -n {workers} failed:\n{completed.stdout[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--only", choices=list(GOALS), default=None)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; wall seconds")
    print(f"{'':6} {'serial':>8} {f'-n {args.workers}':>8}   speed-up   goal with -n")
    for kind in [args.only] if args.only else list(GOALS):
        serial, parallel = timed(kind, "0"), timed(kind, args.workers)
        verdict = "met" if parallel <= GOALS[kind] else "NOT met"
        print(f"{kind:6} {serial:8.1f} {parallel:8.1f}   x{serial / parallel:.2f}      <= {GOALS[kind]:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
