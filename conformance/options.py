"""The run options, declared once: the pytest plugin adds them as `--stopcheck-NAME`, `stopcheck run` as
`--NAME`, and the command hands them to pytest unchanged."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from conformance.targets import TargetConfig
from conformance.targets.named import DISPOSABLE, NamedTarget


@dataclass(frozen=True)
class RunOption:
    name: str
    help: str
    action: str = "store"
    metavar: str | None = None

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"action": self.action, "help": self.help}
        if self.action in ("store", "append"):
            arguments["metavar"] = self.metavar or self.name.upper().replace("-", "_")
        return arguments

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


RUN_OPTIONS = (
    RunOption("target", "mock (each scenario on a mock of its flavour), mock:FLAVOUR[@VERSION[,VERSION...]] (a "
                        "version sweep; mock+security:... requires credentials), a cluster URL (credentials from $STOPCHECK_USERNAME, $STOPCHECK_PASSWORD, "
                        "$STOPCHECK_API_KEY or $STOPCHECK_BEARER_TOKEN), a name from the targets file, or a plugged-in "
                        "adapter; repeatable "
                        "(default: mock)", "append"),
    RunOption("targets-file", "the named targets (default: stopcheck.toml, else [tool.stopcheck] in pyproject.toml, "
                              "in the current folder)", metavar="TOML"),
    RunOption("allow-disposable", "consent to scenarios that stop or cancel everything (_all, *): only on a cluster "
                                  "you can wipe", "store_true"),
    RunOption("username", "basic-auth user name (password: $STOPCHECK_PASSWORD)"),
    RunOption("auth", "sigv4: sign requests to a cluster URL with AWS SigV4 (Amazon OpenSearch Service, managed "
                      "Elasticsearch), credentials from botocore's chain; needs --aws-region and the aws extra "
                      "(default: the credentials in the environment)"),
    RunOption("aws-region", "with --auth sigv4: the cluster's AWS region", metavar="REGION"),
    RunOption("aws-service", "with --auth sigv4: the service name to sign for (default: es; aoss for OpenSearch "
                             "Serverless)", metavar="SERVICE"),
    RunOption("ca-certs", "CA bundle to verify an https cluster", metavar="PEM"),
    RunOption("client-cert", "client certificate", metavar="PEM"),
    RunOption("client-key", "client certificate key", metavar="PEM"),
    RunOption("insecure", "do not verify TLS certificates (opt-in)", "store_true"),
    RunOption("report-dir", "write results.json, junit.xml and coverage.txt here (default: reports/<run>)",
              metavar="DIR"),
    RunOption("dry-run", "say per target what would run, be skipped (and why) and be created; send nothing but "
                         "discovery", "store_true"),
    RunOption("expectations", "YAML file of scenarios expected to fail per target: they do not fail the run",
              metavar="FILE"),
    RunOption("strict", "with --expectations: an expected failure that passes (stale) fails the run", "store_true"),
    RunOption("dialect", "read the given files as peer tests in this dialect: es-yaml (Elasticsearch YAML REST tests) "
                         "or opensearch-story (OpenSearch API-spec stories); default: judged by content"),
    RunOption("api-spec", "a rest-api-spec JSON file or folder that turns es-yaml API names into requests (default: "
                          "the elasticsearch client's own request building)", metavar="PATH"),
)


CONNECTION_OPTIONS = ("targets-file", "username", "auth", "aws-region", "aws-service", "ca-certs", "client-cert",
                      "client-key", "insecure")


def target_config(option: Callable[[str], Any], spec: str, named: Mapping[str, NamedTarget]) -> TargetConfig:
    """The configuration of one target from the run options (`option(dest)` gives an option's value)."""
    consent = frozenset({DISPOSABLE}) if option("allow_disposable") else frozenset()
    return TargetConfig(target=spec, username=option("username"), ca_certs=option("ca_certs"),
                        client_cert=option("client_cert"), client_key=option("client_key"),
                        insecure=bool(option("insecure")), auth=option("auth"), aws_region=option("aws_region"),
                        aws_service=option("aws_service"), consent=consent, named=named)


def add_pytest_options(group: Any) -> None:
    for option in RUN_OPTIONS:
        group.addoption(f"--stopcheck-{option.name}", **option.arguments())


def add_command_options(parser: argparse.ArgumentParser, only: tuple[str, ...] | None = None) -> None:
    for option in RUN_OPTIONS:
        if only is None or option.name in only:
            parser.add_argument(f"--{option.name}", dest=option.dest, **option.arguments())


def pytest_arguments(args: argparse.Namespace) -> list[str]:
    """The command's run options as the plugin's pytest options, each value joined to its flag: pytest takes any
    separate argument naming an existing path (a report folder) for a path to test, and looks for its
    configuration file from there instead of from the scenarios and the working directory."""
    found: list[str] = []
    for option in RUN_OPTIONS:
        value = getattr(args, option.dest)
        flag = f"--stopcheck-{option.name}"
        if option.action == "store_true":
            found += [flag] if value else []
        elif option.action == "append":
            found += [f"{flag}={item}" for item in value or ()]
        elif value is not None:
            found.append(f"{flag}={value}")
    return found
