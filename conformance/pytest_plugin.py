"""The pytest plugin: each scenario file is one test item per target; results stream to reports/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance.loader import LoadError, load_scenario
from conformance.model import Scenario
from conformance.paths import NOT_SCENARIOS
from conformance.report import ResultsWriter, failure_message, scenario_record
from conformance.runner import ScenarioResult, run_scenario
from conformance.targets import Target, TargetConfig, TargetError, create_target

_RECORD_KEY = "stopcheck"
_TARGETS_KEY = pytest.StashKey[dict[str, Target]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stopcheck", "stopcheck conformance scenarios")
    group.addoption("--stopcheck-target", action="append", default=None, metavar="TARGET",
                    help="mock (both flavours, each scenario on its own), mock:opensearch, mock:elasticsearch@9.0.0, "
                         "a cluster URL, or a plugged-in adapter; repeatable (default: mock)")
    group.addoption("--stopcheck-allow-disposable", action="store_true",
                    help="consent to scenarios that may touch resources they did not create (_all, *)")
    group.addoption("--stopcheck-username", default=None, help="basic-auth user (password: $STOPCHECK_PASSWORD)")
    group.addoption("--stopcheck-ca-certs", default=None, help="CA bundle to verify the cluster's certificate")
    group.addoption("--stopcheck-client-cert", default=None, help="client certificate (PEM)")
    group.addoption("--stopcheck-client-key", default=None, help="client certificate key (PEM)")
    group.addoption("--stopcheck-insecure", action="store_true", help="do not verify TLS certificates")
    group.addoption("--stopcheck-report-dir", default=None, help="write results.json (and junit.xml) here")


def _target_specs(config: pytest.Config) -> list[str]:
    return config.getoption("stopcheck_target") or ["mock"]


def _label(spec: str) -> str:
    return re.sub(r"[^A-Za-z0-9.@:-]+", "_", re.sub(r"^https?://", "", spec))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "stopcheck: a stopcheck conformance scenario")
    report_dir = config.getoption("stopcheck_report_dir")
    if report_dir and not hasattr(config, "workerinput"):
        directory = Path(report_dir)
        config.pluginmanager.register(_ResultsPlugin(ResultsWriter(directory, directory.name)), "stopcheck-results")
        if not config.option.xmlpath:
            config.option.xmlpath = str(directory / "junit.xml")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and file_path.name not in NOT_SCENARIOS and "scenarios" in file_path.parts:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator["ScenarioItem"]:
        try:
            scenario = load_scenario(self.path)
        except LoadError as error:
            raise self.CollectError(str(error)) from None
        specs = _target_specs(self.config)
        for spec in specs:
            name = scenario.id if len(specs) == 1 else f"{scenario.id}[{_label(spec)}]"
            yield ScenarioItem.from_parent(self, name=name, scenario=scenario, target_spec=spec)


class ScenarioFailed(Exception):
    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.scenario.id)
        self.result = result


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, target_spec: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.target_spec = target_spec
        self.add_marker(pytest.mark.stopcheck)

    def runtest(self) -> None:
        spec = self.target_spec
        if spec == "mock":  # the bundled mock in whichever flavour the scenario is written for
            spec = f"mock:{self.scenario.requires.flavour}"
        target = _target(self.config, spec)
        result = run_scenario(self.scenario, target)
        record = scenario_record(result) | {"target": _label(spec)}
        target_record = target.info.as_record() | {"label": _label(spec)}
        self.user_properties.append((_RECORD_KEY, {"scenario": record, "target": target_record}))
        if result.outcome == "skipped":
            pytest.skip(result.reason)
        if result.outcome != "passed":
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return failure_message(excinfo.value.result)
        if isinstance(excinfo.value, TargetError):
            return f"target {self.target_spec}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.scenario.id}"


def _target(config: pytest.Config, spec: str) -> Target:
    """One target per spec per process (so one mock per xdist worker), created on first use."""
    targets = config.stash.setdefault(_TARGETS_KEY, {})
    if spec not in targets:
        consent = frozenset({"disposable_cluster"}) if config.getoption("stopcheck_allow_disposable") else frozenset()
        targets[spec] = create_target(TargetConfig(
            target=spec, username=config.getoption("stopcheck_username"),
            ca_certs=config.getoption("stopcheck_ca_certs"), client_cert=config.getoption("stopcheck_client_cert"),
            client_key=config.getoption("stopcheck_client_key"), insecure=config.getoption("stopcheck_insecure"),
            consent=consent))
    return targets[spec]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Point a scenario's skip at its file, not at this plugin."""
    report = yield
    if isinstance(item, ScenarioItem) and report.skipped and isinstance(report.longrepr, tuple):
        report.longrepr = (str(item.path), 1, report.longrepr[2])
    return report


class _ResultsPlugin:
    """Streams each scenario's record into results.json (on the controller when running under xdist)."""

    def __init__(self, writer: ResultsWriter) -> None:
        self.writer = writer

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = dict(report.user_properties).get(_RECORD_KEY)
        if payload is not None and report.when == "call":
            self.writer.add(payload["scenario"], payload["target"])

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.writer.finish(complete=exitstatus != pytest.ExitCode.INTERRUPTED and not session.shouldstop)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for target in session.config.stash.get(_TARGETS_KEY, {}).values():
        target.close()
