"""Prints what the project's tests cost under pytest-xdist: wall time, CPU time (every process, the tests'
subprocesses included), the load of the machine before and after, and the CPU seconds of each test file, highest
first. On a shared machine the wall time follows the load; the CPU figures are the steadier ones (the goal, 30 s of
wall on 2 free cores, means at most about 55 s of CPU).

Usage: python benchmarks/tests_cpu.py [--workers auto] [--top 20] [--checkout DIR] [PYTEST_ARGS...]
`--checkout` measures the tests of another checkout (an earlier commit, for a before/after) with this Python.
The file is also the pytest plugin that does the counting (`-p tests_cpu`, put on the path by the script).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECORDS = "STOPCHECK_TESTS_CPU_RECORDS"  # where each process appends one line per test


def _cpu_seconds() -> float:
    """This process's CPU time and that of its children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Counts the CPU time of one test: setup, call and teardown."""
    before = _cpu_seconds()
    result = yield
    with open(os.environ[RECORDS], "a", encoding="utf-8") as records:
        records.write(json.dumps({"file": item.nodeid.split("::")[0], "cpu": _cpu_seconds() - before}) + "\n")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--top", type=int, default=20, help="test files to list (default: 20)")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the checkout whose tests run (default: this one)")
    args, pytest_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as scratch:
        records = Path(scratch) / "records.jsonl"
        load_before = os.getloadavg()[0]
        started, cpu_before = time.monotonic(), _cpu_seconds()
        plugin_path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
        completed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", args.workers, "-p", "tests_cpu",
                                    *pytest_args], cwd=args.checkout, capture_output=True, text=True,
                                   env={**os.environ, RECORDS: str(records), "PYTHONPATH": plugin_path})
        wall, cpu = time.monotonic() - started, _cpu_seconds() - cpu_before
        per_file: Counter[str] = Counter()
        tests: Counter[str] = Counter()
        for line in records.read_text(encoding="utf-8").splitlines() if records.exists() else []:
            record = json.loads(line)
            per_file[record["file"]] += record["cpu"]
            tests[record["file"]] += 1
    print(completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else completed.stderr[-2000:])
    print(f"{os.cpu_count()} cores, load {load_before:.1f} before and {os.getloadavg()[0]:.1f} after")
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s (in tests {sum(per_file.values()):.1f} s; the rest is start-up, "
          f"collection and pytest-xdist)")
    print(f"{'CPU s':>7} {'tests':>5}  file")
    for name, seconds in per_file.most_common(args.top):
        print(f"{seconds:7.1f} {tests[name]:5d}  {name}")
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
