"""The http adapter against the mock started as a separate process, as it would face a real cluster."""

import subprocess
import sys

import pytest

from conformance.runner import run_scenario
from conformance.loader import load_scenario
from conformance.paths import SCENARIOS
from conformance.targets import TargetConfig, TargetError, create_target
from conformance.targets.base import Request
from conformance.targets.http import HttpOptions, HttpTarget


@pytest.fixture(scope="module")
def mock_process():
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "--port", "0", "--nodes", "3"],
                               stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        assert banner.startswith("stopcheck mock: elasticsearch 8.17.0 on http://127.0.0.1:"), banner
        yield banner.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_discovers_flavour_version_and_features(mock_process):
    info = create_target(TargetConfig(target=mock_process)).info
    assert (info.name, info.flavour, info.version, info.url) == ("http", "elasticsearch", "8.17.0", mock_process)
    assert {"rollup"} <= info.features
    assert info.fixtures == frozenset() and info.consent == frozenset()


def test_runs_a_scenario_unchanged(mock_process):
    target = create_target(TargetConfig(target=mock_process))
    result = run_scenario(load_scenario(SCENARIOS / "rollup" / "stop_stopped_job.yaml"), target)
    assert result.outcome == "passed", result.failed_step


def test_credentials_are_sent_but_never_recorded(mock_process):
    target = create_target(TargetConfig(target=mock_process, username="elastic",
                                        environ={"STOPCHECK_PASSWORD": "hunter2"}))
    refused = target.send(Request("GET", "/_rollup/job"))
    assert refused.status == 401, "the mock checked the credentials the adapter sent"
    assert refused.body["error"]["reason"] == "unable to authenticate user [elastic] for REST request [/_rollup/job]"
    request = Request("GET", "/", headers={"Authorization": "Basic c2VjcmV0"})
    assert "hunter2" not in repr(target._options) and "c2VjcmV0" not in str(request.as_record())
    assert HttpOptions(mock_process, api_key="k").auth_headers() == {"Authorization": "ApiKey k"}
    assert HttpOptions(mock_process, bearer_token="t").auth_headers() == {"Authorization": "Bearer t"}
    assert HttpOptions(mock_process, username="u", password="p").auth_headers() == {"Authorization": "Basic dTpw"}


def test_unreachable_and_malformed_urls_are_clear_errors():
    with pytest.raises(TargetError, match="not a cluster URL"):
        HttpTarget(HttpOptions("localhost:9200"))
    with pytest.raises(TargetError, match="failed"):
        HttpTarget(HttpOptions("http://127.0.0.1:9")).info
    with pytest.raises(TargetError, match="unknown target 'nosuch'"):
        create_target(TargetConfig(target="nosuch"))
