"""Helpers for running the plugin in a pytester sandbox and reading what it wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import plugin_options
from conformance.paths import SCENARIOS
from conformance.schemas import store
from tests.nested_runs import NESTED_RUN_OPTIONS


@pytest.fixture
def rollup_dir(pytester: pytest.Pytester) -> Path:
    """A copy of the rollup scenarios that need no consent or privileges, in the sandbox."""
    folder = pytester.path / "scenarios" / "rollup"
    shutil.copytree(SCENARIOS / "rollup", folder,
                    ignore=lambda d, names: [n for n in names if n.startswith(("default_timeout", "privileges"))])
    return folder


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The plugin on the given paths, asked explicitly (`--stopcheck`), progress lines on every scenario."""
    return pytester.runpytest_inprocess(*args, "--stopcheck", "-p", "no:cacheprovider", *NESTED_RUN_OPTIONS, "-o",
                                        "stopcheck_progress_interval=0", *plugin_options(), no_reraise_ctrlc=True)


def scenario_folder(pytester: pytest.Pytester, scenario_id: str, title: str, body: str) -> Path:
    """A folder holding one Elasticsearch scenario (documented by a rollup sentence) with the given steps."""
    folder = pytester.path / "scenarios" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{scenario_id.rpartition('.')[2]}.yaml").write_text(
        f"id: {scenario_id}\ntitle: {title}\ndocs:\n  - source: es-rollup-stop-job\n"
        f"    quote: If you try to stop a job that does not exist, an exception occurs.\n"
        f"requires:\n  flavour: elasticsearch\n{body}")
    return folder


def results(directory: Path) -> dict[str, Any]:
    """results.json, checked against its schema."""
    document = json.loads((directory / "results.json").read_text())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in store().errors("results.schema.json", document)]
    assert errors == []
    return document
