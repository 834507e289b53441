"""The pytest plugin: each scenario file is one test per target. On the controller one pipeline turns the run
into events (`conformance.events`) and hands each to every handler: results.json, junit.xml, coverage.txt, the
terminal display, and any a plugin adds through `pytest_stopcheck_handlers`."""

from __future__ import annotations

import re
import secrets
import signal
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance import gating, hookspecs, redaction
from conformance.cleanup import clean_target
from conformance.coverage import CoverageRow, coverage
from conformance.discovery import OWN_ROOTS, is_scenario_file, scenario_set, within
from conformance.events import Event, EventHandler, RunFinished, RunStarted, ScenarioFinished, ScenariosCollected
from conformance.events import ResourcesSwept, ScenarioStarted
from conformance.handlers.coverage_txt import CoverageText
from conformance.handlers.junit_xml import JunitXml
from conformance.handlers.results_json import ResultsJson
from conformance.handlers.terminal import TerminalDisplay
from conformance.ledger import LEDGER_NAME, Ledger, Place, RecordingTarget, read, run_token
from conformance.loader import LoadError, load_scenarios
from conformance.model import Scenario
from conformance.options import add_pytest_options, target_config
from conformance.records import scenario_record, unusable_record
from conformance.runner import run_scenario
from conformance.schedule import longest_first, remembered
from conformance.variables import run_prefix
from conformance.targets import Target, create_target
from conformance.targets import named
from conformance.targets.named import NamedTarget
from conformance.targets.plan import PlannedTarget, plan
from conformance.targets.specs import BARE_MOCK, expand, for_flavour, is_url, label

MAIN_PROCESS = "main"  # the ledger's name for the pytest process itself (workers are gw0, gw1, ...)
RECORD_ATTRIBUTE = "stopcheck_record"  # on the call report: plain JSON data, so pytest-xdist carries it along
TARGET_PROBLEM = 2  # the exit code when a target could not be used
_TARGETS = pytest.StashKey[dict[str, Target]]()
_UNUSABLE = pytest.StashKey[frozenset[str]]()
_EXPECTATIONS = pytest.StashKey[gating.Expectations]()
_NAMED = pytest.StashKey[dict[str, NamedTarget]]()
_LEDGER = pytest.StashKey[Ledger]()
_PREVIOUS_SIGTERM = pytest.StashKey[Any]()
_WORKER_UNUSABLE = "stopcheck_unusable"
_WORKER_RUN = "stopcheck_run"
_WORKER_REPORT_DIR = "stopcheck_report_dir"
_DURATIONS = pytest.StashKey[dict[str, float]]()
_WORKER_DURATIONS = "stopcheck_durations"
LONGEST_FIRST_CHUNK = 2  # scenarios pytest-xdist sends a worker at a time when they run longest first


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stopcheck", "stopcheck conformance scenarios")
    group.addoption("--stopcheck", action="store_true",
                    help="collect the YAML files under the given paths as stopcheck scenarios (without it, only "
                         "stopcheck's own specs/scenarios and the folders in the `stopcheck_paths` ini setting)")
    add_pytest_options(group)
    parser.addini("stopcheck_paths", type="paths", default=[],
                  help="folders whose YAML files are stopcheck scenarios")
    parser.addini("stopcheck_progress_interval", default="30",
                  help="seconds between stopcheck progress lines (a line is also shown when a target is done)")


@pytest.hookimpl(trylast=True)  # after the terminal reporter is registered
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stopcheck: a stopcheck conformance scenario")
    expectations = config.getoption("stopcheck_expectations")
    if expectations:
        try:
            config.stash[_EXPECTATIONS] = gating.load(Path(expectations))
        except LoadError as error:
            raise pytest.UsageError(f"stopcheck expectations: {error}") from None
    if not _asked(config):
        return
    config.stash[_NAMED] = _named_targets(config)
    _terminate_as_interrupt(config)
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        config.stash[_UNUSABLE] = frozenset(worker.get(_WORKER_UNUSABLE, ()))
        config.stash[_DURATIONS] = worker.get(_WORKER_DURATIONS, {})
        if _WORKER_RUN in worker:
            config.stash[_LEDGER] = Ledger(Path(worker[_WORKER_REPORT_DIR]), worker[_WORKER_RUN], worker["workerid"])
    else:
        pipeline = Pipeline(config)
        config.stash[_LEDGER] = Ledger(pipeline.report_dir, pipeline.run, MAIN_PROCESS)
        config.pluginmanager.register(pipeline, "stopcheck-pipeline")


def _terminate_as_interrupt(config: pytest.Config) -> None:
    """SIGTERM (a CI job cancelled, `kill`) ends the run as Ctrl-C does: each scenario's teardown runs, then the
    run tears down what its ledger still lists."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        config.stash[_PREVIOUS_SIGTERM] = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        pass


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(_PREVIOUS_SIGTERM, None)
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """`--stopcheck-dry-run`: say what the run would do, after discovering the targets, and run nothing."""
    if not config.getoption("stopcheck_dry_run"):
        return None
    from conformance.dry_run import render

    try:
        targets = named.for_folder(config.getoption("stopcheck_targets_file"), config.invocation_params.dir)
    except named.TargetsFileError as error:
        print(f"stopcheck targets file: {error}")
        return pytest.ExitCode.USAGE_ERROR
    specs = _specs(config)
    planned = plan(specs, lambda spec: create_target(
        target_config(lambda name: config.getoption(f"stopcheck_{name}"), spec, targets)))
    paths = [config.invocation_params.dir / arg.split("::")[0] for arg in config.args]
    try:
        text, code = render([p for p in paths if config.getoption("stopcheck") or within(p, _roots(config))],
                            lambda path: _load(config, path), specs, planned)
    finally:
        for target in planned:
            if target.target is not None:
                target.target.close()
    print(text)
    return code


def _named_targets(config: pytest.Config) -> dict[str, NamedTarget]:
    """The targets file given, or found in the folder pytest was started from (none: no named targets)."""
    try:
        return named.for_folder(config.getoption("stopcheck_targets_file"), config.invocation_params.dir)
    except named.TargetsFileError as error:
        raise pytest.UsageError(f"stopcheck targets file: {error}") from None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Scenarios start longest first, as earlier runs timed them (the same order on every xdist worker)."""
    durations = config.stash.get(_DURATIONS, None)
    if durations:
        longest_first(items, lambda item: item.name if isinstance(item, ScenarioItem) else None, durations)


def _roots(config: pytest.Config) -> list[Path]:
    return [*OWN_ROOTS, *config.getini("stopcheck_paths")]


def _asked(config: pytest.Config) -> bool:
    """Whether this session runs scenarios: `--stopcheck`, or a path given that holds or lies in a scenario root."""
    if config.getoption("stopcheck"):
        return True
    paths = [config.invocation_params.dir / arg.split("::")[0] for arg in config.args]
    return any(within(path, _roots(config)) or within(root, [path]) for path in paths for root in _roots(config))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if is_scenario_file(file_path) and (config.getoption("stopcheck") or within(file_path, _roots(config))):
        return ScenarioFile.from_parent(parent, path=file_path, nodeid=_node_path(config, file_path))
    return None


def _node_path(config: pytest.Config, path: Path) -> str:
    """A scenario file's part of its node ids, from which the controller finds the file again: relative to the
    rootdir, as pytest writes it, and absolute outside it (where pytest would write it relative to whichever
    argument holds the file)."""
    return path.relative_to(config.rootpath).as_posix() if path.is_relative_to(config.rootpath) else path.as_posix()


def _specs(config: pytest.Config) -> list[str]:
    return expand(config.getoption("stopcheck_target") or [BARE_MOCK])


def _load(config: pytest.Config, path: Path) -> list[Scenario]:
    """The scenarios of a file, in the dialect the options name (or its own)."""
    api_spec = config.getoption("stopcheck_api_spec")
    return load_scenarios(path, config.getoption("stopcheck_dialect"), Path(api_spec) if api_spec else None)


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator["ScenarioItem"]:
        try:
            scenarios = _load(self.config, self.path)
        except LoadError as error:
            raise self.CollectError(str(error)) from None
        unusable = self.config.stash.get(_UNUSABLE, frozenset())
        for scenario in scenarios:
            seen: set[str] = set()
            for spec in _specs(self.config):
                spec = for_flavour(spec, scenario.requires.flavour)
                name = label(spec)
                if name not in unusable and name not in seen:
                    seen.add(name)
                    yield ScenarioItem.from_parent(self, name=f"{scenario.id}[{name}]", scenario=scenario,
                                                   spec=spec, label=name)


class ScenarioFailed(Exception):
    """A scenario failed or errored; the message is the record's, so every output says the same."""


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, spec: str, label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.spec = spec
        self.label = label
        self.record: dict[str, Any] | None = None
        self.add_marker(pytest.mark.stopcheck)

    def runtest(self) -> None:
        record, target = self._run()
        expectations = self.config.stash.get(_EXPECTATIONS, None)
        if expectations is not None:
            record = gating.apply(record, expectations.lookup(record["id"], target))
        self.record = record
        outcome = record["outcome"]
        if outcome == "skipped":
            pytest.skip(record["reason"])
        if outcome == "expected-fail":
            pytest.xfail(f"expected to fail: {record['expected_failure']['reason']} ({record['reason']})")
        if outcome in ("failed", "error"):
            raise ScenarioFailed(record["failure"]["message"])

    def _run(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The scenario's record, whatever happens (a target that cannot be used is an `error` record too), and
        the target's."""
        try:
            target = _target(self.config, self.spec)
            info = target.info.as_record() | {"label": self.label}
        except Exception as error:
            return unusable_record(self.scenario, self.label, self.config.rootpath, error), {"label": self.label}
        ledger = self.config.stash.get(_LEDGER, None)
        prefix = None
        if ledger is not None:
            target = RecordingTarget(target, ledger, _place(self.spec, self.label, target), self.scenario.id)
            prefix = run_prefix(run_token(ledger.run))
        return scenario_record(run_scenario(self.scenario, target, prefix), self.label, self.config.rootpath), info

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.scenario.id} on {self.label}"


def _place(spec: str, label: str, target: Target) -> Place:
    """Where a target's resources live, as the ledger records it: without credentials."""
    return Place(label, redaction.url(spec) if is_url(spec) else spec, target.info.flavour)


def _target(config: pytest.Config, spec: str) -> Target:
    """One target per spec per process (so one mock per xdist worker), created on first use."""
    targets = config.stash.setdefault(_TARGETS, {})
    if spec not in targets:
        targets[spec] = create_target(target_config(lambda name: config.getoption(f"stopcheck_{name}"), spec,
                                                    config.stash.get(_NAMED, {})))
    return targets[spec]


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the report after pytest's xfail handling
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the scenario's record to its call report; point a skip at the scenario file."""
    report = yield
    if isinstance(item, ScenarioItem) and call.when == "call":
        record = item.record
        if record is None:  # stopcheck itself failed outside the runner
            assert call.excinfo is not None
            record = unusable_record(item.scenario, item.label, item.config.rootpath, call.excinfo.value)
        setattr(report, RECORD_ATTRIBUTE, record)
        if report.skipped and isinstance(report.longrepr, tuple):
            report.longrepr = (str(item.path), 1, report.longrepr[2])
        expected = record["expected_failure"]
        if expected and expected["stale"]:
            _stale(item.config, report, f"{record['id']} on {item.label} passed but is listed as expected to fail "
                                        f"({expected['reason']})")
    return report


def _stale(config: pytest.Config, report: pytest.TestReport, text: str) -> None:
    """An expected failure that passed: pytest's XPASS, which fails the run with --stopcheck-strict."""
    if config.getoption("stopcheck_strict"):
        report.outcome = "failed"
        report.longrepr = f"[XPASS(strict)] {text}: remove it from {config.getoption('stopcheck_expectations')}"
    else:
        report.wasxfail = text


def pytest_stopcheck_handlers(config: pytest.Config, report_dir: Path) -> list[EventHandler]:
    handlers: list[EventHandler] = [ResultsJson(report_dir), JunitXml(report_dir), CoverageText(report_dir)]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        display = TerminalDisplay(reporter, float(config.getini("stopcheck_progress_interval")))
        config.pluginmanager.register(display, "stopcheck-terminal")
        handlers.append(display)
    return handlers


class Pipeline:
    """On the controller: pytest's hooks become run events, each handed to every handler in turn."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.run = f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        option = config.getoption("stopcheck_report_dir")
        self.report_dir = Path(option) if option else config.rootpath / "reports" / self.run
        self.handlers = [h for found in config.hook.pytest_stopcheck_handlers(config=config, report_dir=self.report_dir)
                         for h in found]
        self.planned: list[PlannedTarget] = []
        self.items: dict[str, tuple[str, str]] | None = None
        config.stash[_DURATIONS] = remembered(config.rootpath / "reports")
        if config.stash[_DURATIONS] and getattr(config.option, "maxschedchunk", False) is None:
            # pytest-xdist hands tests out in runs of a quarter of a worker's share: the longest scenarios, first in
            # the order, would all go to the first worker. Two at a time spreads them (unless the user chose).
            config.option.maxschedchunk = LONGEST_FIRST_CHUNK

    def emit(self, event: Event) -> None:
        for handler in self.handlers:
            handler.handle(event)

    @pytest.hookimpl(tryfirst=True)  # before pytest-xdist starts its workers
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.planned = plan(_specs(self.config), lambda spec: _target(self.config, spec))
        self.config.stash[_UNUSABLE] = frozenset(p.label for p in self.planned if p.problem)
        expectations = self.config.getoption("stopcheck_expectations")
        self.emit(RunStarted(self.run, _now(), _stopcheck_version(), self.report_dir,
                             tuple(p.record() for p in self.planned),
                             frozenset(p.label for p in self.planned if p.implicit),
                             {"file": expectations, "strict": bool(self.config.getoption("stopcheck_strict"))}
                             if expectations else None))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[_WORKER_UNUSABLE] = sorted(self.config.stash[_UNUSABLE])
        node.workerinput[_WORKER_RUN] = self.run
        node.workerinput[_WORKER_REPORT_DIR] = str(self.report_dir)
        node.workerinput[_WORKER_DURATIONS] = self.config.stash[_DURATIONS]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self.config.pluginmanager.has_plugin("dsession"):
            self._collected([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._collected(ids)

    def _collected(self, nodeids: list[str]) -> None:
        if self.items is not None:  # every xdist worker collects the same
            return
        self.items = {nodeid: parsed for nodeid in nodeids if (parsed := _scenario_and_target(nodeid))}
        files = sorted({self.config.rootpath / nodeid.split("::")[0] for nodeid in self.items})
        self.emit(ScenariosCollected(tuple(files), scenario_set(files), self.items, _sentences(files)))

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        if self.items and nodeid in self.items:
            self.emit(ScenarioStarted(nodeid, *self.items[nodeid]))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, RECORD_ATTRIBUTE, None)
        if record is not None and report.when == "call":
            self.emit(ScenarioFinished(report.nodeid, record))

    @pytest.hookimpl(trylast=True)  # after pytest-xdist has shut its workers down
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._sweep()
        self.emit(RunFinished(_now(), exitstatus != pytest.ExitCode.INTERRUPTED and not session.shouldstop))
        if any(p.problem for p in self.planned):
            session.exitstatus = TARGET_PROBLEM


    def _sweep(self) -> None:
        """Tear down what the ledger still lists (a worker crashed, the run was interrupted), then check what is
        still there. Mocks live in the process that used them: under pytest-xdist, only shared clusters."""
        entries = read(self.report_dir / LEDGER_NAME)
        distributed = self.config.pluginmanager.has_plugin("dsession")
        ledger = self.config.stash[_LEDGER]
        for planned in self.planned:
            if planned.target is None or (distributed and planned.spec.startswith("mock")):
                continue
            if not any(e.target == planned.label for e in entries) and planned.spec.startswith("mock"):
                continue
            place = _place(planned.spec, planned.label, planned.target)
            try:
                swept = clean_target(planned.target, place, entries, [self.run], ledger)
            except Exception as error:  # the run's own results matter more than its cleanup
                swept_problem = f"{type(error).__name__}: {error}"
                self.emit(ResourcesSwept(planned.label, (), (), (swept_problem,)))
                continue
            self.emit(ResourcesSwept(planned.label, tuple(f"{r.kind} {r.name}" for r in swept.removed),
                                     tuple(f"{r.kind} {r.name}" for r in swept.left), swept.problems))


def _scenario_and_target(nodeid: str) -> tuple[str, str] | None:
    path, _, name = nodeid.partition("::")
    match = re.fullmatch(r"(.+)\[(.+)\]", name)
    return (match.group(1), match.group(2)) if match and is_scenario_file(Path(path)) else None


def _sentences(files: list[Path]) -> dict[str, list[CoverageRow]]:
    """The documented sentences of each family (scenario folder) in the run, with the scenarios checking them."""
    found: dict[str, list[CoverageRow]] = {}
    for folder in sorted({f.parent for f in files}):
        try:
            rows = coverage(folder)
        except LoadError:
            continue  # the run reports the malformed file itself
        if rows:
            found[folder.name] = rows
    return found


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _stopcheck_version() -> str:
    try:
        return version("stopcheck")
    except PackageNotFoundError:
        return "unknown"


@pytest.hookimpl(wrapper=True)  # around every other implementation: after the pipeline's teardown of what is left
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    yield
    for target in session.config.stash.get(_TARGETS, {}).values():
        target.close()
