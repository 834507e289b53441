"""The `stopcheck` command: run, cleanup, expectations, lint, coverage, mock."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from conformance.options import CONNECTION_OPTIONS, add_command_options, pytest_arguments
from conformance.paths import ROOT, SCENARIOS, sources_dir


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    own, passthrough = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(prog="stopcheck", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run scenarios against the bundled mock or clusters",
                              usage="stopcheck run [PATHS] [options] [-- PYTEST_ARGS (e.g. -n 4 -k timeout -x)]")
    run.add_argument("paths", nargs="*", type=Path, default=[SCENARIOS], help="scenario files or folders")
    add_command_options(run)

    clean = commands.add_parser("cleanup", help="remove what earlier runs left on clusters, found by their ledgers "
                                                "and run prefixes only")
    which = clean.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", help="the run id (its folder under the reports folder)")
    which.add_argument("--all-runs", action="store_true", help="every run with a ledger under the reports folder")
    clean.add_argument("--dry-run", action="store_true", help="only list what would be removed")
    clean.add_argument("--reports", type=Path, default=ROOT / "reports",
                       help="the reports folder (default: %(default)s)")
    add_command_options(clean, only=CONNECTION_OPTIONS)

    expectations = commands.add_parser("expectations", help="manage the file of scenarios expected to fail")
    expectation_commands = expectations.add_subparsers(dest="action", required=True)
    update = expectation_commands.add_parser("update", help="write or refresh it from a run's results.json, "
                                                            "keeping the reasons already written")
    update.add_argument("results", type=Path, help="results.json of a run")
    update.add_argument("-o", "--output", type=Path, default=None,
                        help="the expectations file (default: the one the run used, else expectations.yaml)")

    lint = commands.add_parser("lint", help="check scenario files without running them")
    lint.add_argument("paths", nargs="*", type=Path, default=[SCENARIOS])
    lint.add_argument("--format", choices=["text", "github"], default="text",
                      help="github: GitHub Actions error annotations (default: file:line: message)")

    cover = commands.add_parser("coverage", help="list each documented sentence and the scenarios checking it")
    cover.add_argument("--strict", action="store_true", help="exit 1 if any sentence is not covered")

    mock = commands.add_parser("mock", help="serve the mock cluster in the foreground")
    mock.add_argument("--host", default="127.0.0.1")
    mock.add_argument("--port", type=int, default=9200)
    mock.add_argument("--flavour", "--flavor", dest="flavour", default="elasticsearch",
                      choices=["elasticsearch", "opensearch"])
    mock.add_argument("--version", dest="version", default=None, help="emulated version, e.g. 8.17.0 or 9.1.0")
    mock.add_argument("--nodes", type=int, default=2)
    mock.add_argument("--security", action="store_true",
                      help="require credentials, as a secured cluster does (default: the superuser elastic, or "
                           "admin for opensearch, with password changeme)")
    mock.add_argument("--users", type=Path, default=None, metavar="YAML",
                      help="with --security: users, roles, API keys and AWS credentials (see "
                           "mockserver/families/security/config.py)")
    mock.add_argument("--realtime", action="store_true",
                      help="keep the mock on wall time: a waiting request really waits out its timeout (default: "
                           "virtual time, which jumps ahead whenever every request in flight is waiting)")
    mock.add_argument("--time-scale", type=_time_scale, default=1.0, metavar="N",
                      help="let the mock's clock run N times as fast as the wall, also between requests (e.g. 20: a "
                           "job phase of 20 s takes 1 s for a client polling from outside); default 1")
    mock.add_argument("--openapi", action="store_true",
                      help="print the OpenAPI 3.1 description of what this mock serves (also served at "
                           "GET /_stopcheck/openapi.json) instead of serving it")

    report = commands.add_parser("report", help="write the HTML report of one or more results files")
    report.add_argument("results", nargs="+", type=Path, help="results.json files (their targets side by side)")
    report.add_argument("-o", "--output", type=Path, default=Path("report.html"), help="default: report.html")
    report.add_argument("--baseline", type=Path, help="an earlier results.json: cells that changed are marked")
    diff = commands.add_parser("diff", help="what changed between two runs; exit 1 on a regression")
    diff.add_argument("base", type=Path, help="the earlier results.json")
    diff.add_argument("new", type=Path, help="the later results.json")
    diff_format = diff.add_mutually_exclusive_group()
    diff_format.add_argument("--markdown", action="store_true",
                             help="Markdown for a pull request (also appended to $GITHUB_STEP_SUMMARY when set)")
    diff_format.add_argument("--json", action="store_true", help="JSON for tools")

    args = parser.parse_args(own)
    if passthrough and args.command != "run":
        parser.error("only `stopcheck run` passes arguments after -- to pytest")
    if args.command == "run":
        return _run(args, passthrough)
    return {"cleanup": _cleanup, "expectations": _expectations, "lint": _lint, "coverage": _coverage,
            "mock": _mock, "report": _report, "diff": _diff}[args.command](args)


def _run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    """pytest with the plugin: the run options become the plugin's, and what follows `--` goes to pytest as is."""
    import pytest

    options = [str(p) for p in args.paths] + ["--stopcheck", f"--rootdir={ROOT}", "-rfExX", "-n", "auto"]
    return int(pytest.main(options + plugin_options() + pytest_arguments(args) + pytest_args))


def _cleanup(args: argparse.Namespace) -> int:
    """`cleanup`: reconnect to every target a run's ledger names (credentials as for `run`) and remove what is left."""
    from conformance.cleanup import cleanup, ledgers
    from conformance.ledger import Place
    from conformance.options import target_config
    from conformance.targets import create_target
    from conformance.targets.named import TargetsFileError, for_folder

    try:
        named = for_folder(args.targets_file, Path.cwd())
    except TargetsFileError as error:
        print(f"stopcheck cleanup: {error}")
        return 2
    if args.run and not (args.reports / args.run).is_dir():
        print(f"stopcheck cleanup: no run {args.run} in {args.reports}")
        return 2

    def connect(place: Place):
        return create_target(target_config(lambda name: getattr(args, name, None), place.spec, named))

    return cleanup(ledgers(args.reports, args.run), connect, args.dry_run, print)


def _expectations(args: argparse.Namespace) -> int:
    """`expectations update`: refresh the file from a run, keeping what a person wrote."""
    import json

    import yaml

    from conformance import gating
    from conformance.loader import LoadError

    try:
        results = json.loads(args.results.read_text())
    except (OSError, ValueError) as exc:
        print(f"stopcheck expectations: cannot read {args.results}: {exc}")
        return 2
    used = results.get("expectations") or {}
    output = args.output or Path(used.get("file") or "expectations.yaml")
    try:
        current = {"expected_failures": list(gating.load(output).groups)} if output.is_file() else None
    except LoadError as error:
        print(f"stopcheck expectations: {error}")
        return 2
    updated, changes = gating.update(results, current)
    header = ("# Scenarios each kind of target is known to fail (stopcheck run --expectations FILE).\n"
              "# Selectors: flavour, version (a range such as \">=9\"), label (a target label or glob).\n")
    output.write_text(header + yaml.safe_dump(updated, sort_keys=False, allow_unicode=True, width=120))
    for change in changes:
        print(change)
    print(f"stopcheck expectations: {len(changes)} change(s) written to {output}")
    return 0


def plugin_options() -> list[str]:
    """pytest options that load the plugin when no installed entry point does (a checkout run from source)."""
    from importlib.metadata import entry_points

    installed = any(e.value == "conformance.pytest_plugin" for e in entry_points(group="pytest11"))
    return [] if installed else ["-p", "conformance.pytest_plugin"]


def _lint(args: argparse.Namespace) -> int:
    from conformance.lint import lint, render

    problems = lint(args.paths, sources_dir())
    for problem in problems:
        print(render(problem, args.format))
    print(f"stopcheck lint: {len(problems)} problem(s)" if problems else "stopcheck lint: all files are valid")
    return 1 if problems else 0


def _coverage(args: argparse.Namespace) -> int:
    from conformance.coverage import coverage, render
    from conformance.loader import LoadError

    try:
        rows = coverage(SCENARIOS)
    except LoadError as error:
        print(f"stopcheck coverage: {error}")
        return 2
    print(render(rows))
    return 1 if args.strict and any(not r.scenarios for r in rows) else 0


def _mock(args: argparse.Namespace) -> int:
    from mockserver.server import serve_forever
    from mockserver.settings import MockSettings
    from mockserver.version import Version

    import yaml

    try:
        security = _users(args.users, args.flavour) if args.security else None
    except (OSError, ValueError, yaml.YAMLError) as error:  # ConfigError is a ValueError
        print(f"stopcheck mock: {args.users}: {error}")
        return 2
    if args.users and not args.security:
        print("stopcheck mock: --users needs --security")
        return 2
    settings = MockSettings(flavour=args.flavour, version=Version.parse(args.version) if args.version else None,
                            nodes=args.nodes, security=security, clock="system" if args.realtime else "virtual",
                            time_scale=args.time_scale)
    if args.openapi:
        from mockserver.cluster import Cluster
        from mockserver.openapi import document

        print(json.dumps(document((route for route, _ in Cluster(settings).routes()), settings), indent=2))
        return 0
    serve_forever(settings, args.host, args.port)
    return 0


def _time_scale(text: str) -> float:
    """`--time-scale`: a positive, finite number."""
    try:
        scale = float(text)
    except ValueError:
        scale = math.nan
    if not (scale > 0 and math.isfinite(scale)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return scale


def _users(path: Path | None, flavour: str) -> dict:
    """The users file's content, checked (or the flavour's default superuser)."""
    import yaml

    from mockserver.families.security.config import default_document, parse

    document = yaml.safe_load(path.read_text(encoding="utf-8")) if path else default_document(flavour)
    parse(document)
    return document


def _report(args: argparse.Namespace) -> int:
    from conformance.reporting.html_report import write_report
    from conformance.reporting.results import ResultsError, combine, load_results

    try:
        results = combine([load_results(path) for path in args.results])
        baseline = load_results(args.baseline) if args.baseline else None
        output = write_report(results, args.output, baseline)
    except (ResultsError, OSError) as error:
        print(f"stopcheck report: {error}", file=sys.stderr)
        return 2
    print(f"stopcheck report: {output}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    import os

    from conformance.reporting.diff import diff
    from conformance.reporting.diff_format import as_json, as_markdown, as_text
    from conformance.reporting.results import ResultsError, load_results

    try:
        result = diff(load_results(args.base), load_results(args.new))
    except ResultsError as error:
        print(f"stopcheck diff: {error}", file=sys.stderr)
        return 2
    text = as_json(result) if args.json else as_markdown(result) if args.markdown else as_text(result)
    print(text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.markdown and summary:
        with open(summary, "a", encoding="utf-8") as stream:
            stream.write(text)
    return 1 if result.regressions else 0


if __name__ == "__main__":
    sys.exit(main())
