"""The `stopcheck` command: run, lint, coverage, mock."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from datetime import datetime
from pathlib import Path

from conformance.paths import ROOT, SCENARIOS, sources_dir

DEFAULT_TARGETS = ["mock"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stopcheck", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run scenarios against the bundled mock or a cluster")
    run.add_argument("paths", nargs="*", type=Path, default=[SCENARIOS], help="scenario files or folders")
    run.add_argument("--target", action="append", default=None,
                     help="mock (each scenario on a mock of its flavour), mock:FLAVOUR[@VERSION], a cluster URL (credentials from $STOPCHECK_USERNAME, "
                          "$STOPCHECK_PASSWORD, $STOPCHECK_API_KEY or $STOPCHECK_BEARER_TOKEN), or a plugged-in "
                          "adapter; repeatable (default: mock)")
    run.add_argument("-n", "--workers", default="auto", help="pytest-xdist workers (default: auto; 0: none)")
    run.add_argument("-k", dest="keyword", default=None, help="only scenarios matching this pytest -k expression")
    run.add_argument("--allow-disposable", action="store_true",
                     help="consent to scenarios that stop or cancel everything (_all, *): only on a cluster you can wipe")
    run.add_argument("--username", help="basic-auth user name")
    run.add_argument("--ca-certs", help="CA bundle for https targets")
    run.add_argument("--client-cert", help="client certificate (PEM)")
    run.add_argument("--client-key", help="client certificate key (PEM)")
    run.add_argument("--insecure", action="store_true", help="skip TLS verification (opt-in)")
    run.add_argument("--report-dir", type=Path, default=None, help="default: reports/<run id>")

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

    args = parser.parse_args(argv)
    return {"run": _run, "lint": _lint, "coverage": _coverage, "mock": _mock, "report": _report,
            "diff": _diff}[args.command](args)


def _run(args: argparse.Namespace) -> int:
    import pytest

    run_id = f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    report_dir = args.report_dir or ROOT / "reports" / run_id
    options = [str(p) for p in args.paths] + ["--rootdir", str(ROOT), "-rfEs", "--stopcheck-report-dir",
                                               str(report_dir)]
    options += plugin_options()
    for target in args.target or DEFAULT_TARGETS:
        options += ["--stopcheck-target", target]
    if args.workers not in ("0", "no"):
        options += ["-n", args.workers]
    if args.keyword:
        options += ["-k", args.keyword]
    for flag in ("username", "ca_certs", "client_cert", "client_key"):
        if getattr(args, flag):
            options += [f"--stopcheck-{flag.replace('_', '-')}", getattr(args, flag)]
    if args.allow_disposable:
        options.append("--stopcheck-allow-disposable")
    if args.insecure:
        options.append("--stopcheck-insecure")
    code = pytest.main(options)
    _write_coverage(report_dir)
    print(f"\nstopcheck: results in {report_dir / 'results.json'}, {report_dir / 'junit.xml'} and "
          f"{report_dir / 'coverage.txt'}")
    return int(code)


def _write_coverage(report_dir: Path) -> None:
    """Each documented sentence with the outcome of the scenarios that check it in this run."""
    from conformance.coverage import coverage, render
    from conformance.loader import LoadError

    results = report_dir / "results.json"
    if not results.is_file():
        return
    outcomes: dict[str, str] = {}
    for scenario in json.loads(results.read_text())["scenarios"]:
        previous = outcomes.get(scenario["id"])
        outcomes[scenario["id"]] = scenario["outcome"] if previous in (None, scenario["outcome"]) else "mixed"
    try:
        (report_dir / "coverage.txt").write_text(render(coverage(SCENARIOS), outcomes) + "\n")
    except LoadError:
        return  # the run itself reported the malformed file


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

    settings = MockSettings(flavour=args.flavour, version=Version.parse(args.version) if args.version else None,
                            nodes=args.nodes)
    serve_forever(settings, args.host, args.port)
    return 0


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
