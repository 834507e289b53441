"""tox.ini and the GitHub Actions workflow: they parse, and every stopcheck command they give is one the CLI accepts."""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from conformance import cli, gating

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "stopcheck.yml"
HANDLERS = [name for name in vars(cli) if re.fullmatch(r"_[a-z]+", name) and callable(getattr(cli, name))]


def _tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    assert parser.read(ROOT / "tox.ini")
    return parser


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _invocations(script: str, substitute) -> list[list[str]]:
    """The stopcheck command lines of a shell script or tox commands, placeholders put in for variables."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(substitute(line), comments=True)
        if words and words[0] == "stopcheck":
            commands.append(words[1:])
    return commands


def _tox_invocations() -> list[list[str]]:
    tox = _tox()
    scripts = [tox[section].get(key, "") for section in tox.sections() for key in ("commands", "commands_post")]
    return [c for s in scripts for c in _invocations(s, lambda line: re.sub(r"\{(?!posargs)[^}]*\}", "x",
                                                                              line.replace("{posargs}", "")))]


def _workflow_invocations() -> list[list[str]]:
    steps = [step for job in _workflow()["jobs"].values() for step in job["steps"]]
    return [c for step in steps if "run" in step
            for c in _invocations(step["run"], lambda line: re.sub(r"\$\{?[A-Z_]+\}?", "x", line))]


def test_tox_ini_parses_and_lists_its_environments():
    tox = _tox()
    envs = [e.strip() for e in tox["tox"]["env_list"].split(",")]

    assert envs == ["py", "lint", "mock"]
    assert all(f"testenv:{e}" in tox for e in envs if e != "py")
    lint_extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["lint"]
    assert "pyflakes" in tox["testenv:lint"]["commands"] and tox["testenv:lint"]["extras"] == "lint"
    assert any(requirement.startswith("pyflakes") for requirement in lint_extra)
    sweep = tox["testenv:mock"]["commands"]
    assert "mock:elasticsearch@7.17.0,8.10.0,8.17.0,9.1.0" in sweep and "mock:opensearch@1.3.0,2.19.0,3.1.0" in sweep


def test_the_workflow_runs_against_a_service_cluster_gates_and_uploads():
    workflow = _workflow()
    job = workflow["jobs"]["conformance"]
    service = job["services"]["elasticsearch"]
    uploads = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))

    assert set(workflow[True]) >= {"push", "pull_request"}  # YAML 1.1 reads the key `on` as true
    assert service["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:")
    assert service["env"]["xpack.security.enabled"] == "true"
    assert {"report.html", "junit.xml"} <= {Path(p).name for p in uploads["with"]["path"].split()}
    assert uploads["if"] == "always()"
    assert any(c[0] == "run" and "--expectations" in c for c in _workflow_invocations())
    assert gating.load(ROOT / workflow["env"]["EXPECTATIONS"]).groups == ()


@pytest.mark.parametrize("source", ["tox.ini", "workflow"])
def test_every_stopcheck_command_is_accepted_by_the_cli(monkeypatch, source):
    invocations = _tox_invocations() if source == "tox.ini" else _workflow_invocations()
    called: list[str] = []
    for name in HANDLERS:
        monkeypatch.setattr(cli, name, lambda *args, name=name: called.append(name) or 0)

    for words in invocations:
        assert cli.main(words) == 0, words
    assert sorted(set(called)) == (["_lint", "_report", "_run"] if source == "tox.ini" else
                                   ["_diff", "_report", "_run"])
