"""What the tests' nested pytest runs (pytester sandboxes, `stopcheck run` in or out of process) leave out."""

from pathlib import Path

from conformance.cli import main

# Installed pytest plugins a nested run has no use for: loading them, and in every pytest-xdist worker the libraries
# behind them (Hypothesis, Schemathesis), costs seconds of start-up. The stopcheck plugin is still found as a user's
# pytest finds it, by its entry point; pytest then rewrites the assertions of every module of its distribution (the
# runner and the whole mock) as they are imported, in each nested run and each of its workers, most of a second
# each time. A nested run's tests are scenario files, whose checks are the runner's, not Python `assert`s: plain
# assertions lose nothing there. At its end, pytest's unraisable-exception plugin runs full garbage collections of the
# whole process, the test's own heap included (seconds over a test run); without it in the nested run, what such an
# exception would have reported reaches the outer run's hook instead, which reports it as a warning of the test.
NESTED_RUN_OPTIONS = ("-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:anyio", "-p",
                      "no:unraisableexception", "--assert=plain")


def stopcheck_run(*arguments: str | Path, quiet: bool = False) -> int:
    """`stopcheck run ARGUMENTS` in the test's process, without pytest-xdist workers and without the plugins above;
    its exit code. `quiet` passes `-q` to pytest."""
    return main(["run", *map(str, arguments), "--", "-n", "0", *(["-q"] if quiet else []), *NESTED_RUN_OPTIONS])
