"""SigV4 end to end without AWS: stopcheck signs with botocore's signer and credential chain, and the mock,
started to require SigV4 for given test credentials, verifies each signature with the same library."""

import argparse
import json

import pytest

from conformance.options import add_command_options, pytest_arguments, target_config
from conformance.paths import SCENARIOS
from conformance.targets import TargetConfig, TargetError, create_target
from conformance.targets.base import Request
from conformance.targets.named import load
from tests.conformance.conftest import results, run

ACCESS_KEY, SECRET = "AKIDSTOPCHECKTEST", "stopcheck-test-secret"
USERS = {"users": {"admin": {"password": "changeme", "roles": ["all_access"]}},
         "aws": [{"access_key_id": ACCESS_KEY, "secret_access_key": SECRET, "user": "admin"}]}


@pytest.fixture
def aws_environment(monkeypatch, tmp_path):
    """Only the environment's credentials: no shared files, no instance metadata."""
    for name, value in {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
                        "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def sigv4_target(tmp_path, url):
    (tmp_path / "stopcheck.toml").write_text(f'[targets.managed]\nurl = "{url}"\nauth = "sigv4"\n'
                                             f'region = "eu-west-1"\nflavour = "opensearch"\n')
    return load(tmp_path / "stopcheck.toml")


def test_signed_requests_pass_and_tampered_ones_do_not(secured_mock, aws_environment, tmp_path):
    server = secured_mock(USERS, flavour="opensearch")
    target = create_target(TargetConfig(target="managed", named=sigv4_target(tmp_path, server.url)))
    assert target.info.flavour == "opensearch", "discovery was signed"
    body = json.dumps({"rollup": {}}).encode()
    listing = target.send(Request("GET", "/_plugins/_rollup/jobs", {"size": "5"}))  # signed: the plugin answers
    assert listing.status == 404 and listing.body["error"]["type"] == "index_not_found_exception"
    assert target.send(Request("PUT", "/_plugins/_rollup/jobs/x", {}, body)).status == 400, "signed; the body is bad"
    signer = target.inner._options.signer
    headers = signer.sign("GET", f"{server.url}/", {"Accept": "application/json"}, None)
    forged = target.inner._pool.request("POST", f"{server.url}/_plugins/_rollup/jobs/x/_stop", headers=headers)
    assert forged.status == 403 and "signature we calculated does not match" in forged.data.decode()
    assert "stopcheck-test-secret" not in repr(signer) and "stopcheck-test-secret" not in repr(target.inner._options)
    target.close()


def test_scenarios_run_on_a_sigv4_target(pytester, secured_mock, aws_environment):
    server = secured_mock(USERS, flavour="opensearch")
    sigv4_target(pytester.path, server.url)
    folder = pytester.path / "scenarios" / "opensearch_rollup"
    folder.mkdir(parents=True)
    for name in ("library.yaml", "get.yaml", "delete.yaml"):
        (folder / name).write_text((SCENARIOS / "opensearch_rollup" / name).read_text())
    reports = pytester.path / "reports"
    result = run(pytester, str(folder / "get.yaml"), str(folder / "delete.yaml"), "--stopcheck-target", "managed",
                 "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=2)
    assert SECRET not in "".join(p.read_text() for p in reports.iterdir()) + result.stdout.str()
    assert results(reports)["targets"]["managed"]["flavour"] == "opensearch"


def test_a_wrong_secret_is_a_target_problem_and_no_credentials_are_explained(secured_mock, aws_environment, tmp_path,
                                                                            monkeypatch):
    server = secured_mock(USERS, flavour="opensearch")
    named = sigv4_target(tmp_path, server.url)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(TargetError, match="answered 403"):
        create_target(TargetConfig(target="managed", named=named)).info
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(TargetError, match="no AWS credentials found"):
        create_target(TargetConfig(target="managed", named=named))


def test_a_cluster_url_is_signed_from_the_command_line(pytester, secured_mock, aws_environment):
    server = secured_mock(USERS, flavour="opensearch")
    folder = pytester.path / "scenarios" / "opensearch_rollup"
    folder.mkdir(parents=True)
    for name in ("library.yaml", "get.yaml"):
        (folder / name).write_text((SCENARIOS / "opensearch_rollup" / name).read_text())
    reports = pytester.path / "reports"
    result = run(pytester, str(folder / "get.yaml"), "--stopcheck-target", server.url, "--stopcheck-auth", "sigv4",
                 "--stopcheck-aws-region", "eu-west-1", "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(passed=1)
    assert SECRET not in "".join(p.read_text() for p in reports.iterdir()) + result.stdout.str()
    unsigned = run(pytester, str(folder / "get.yaml"), "--stopcheck-target", server.url)
    assert unsigned.ret == 2 and "answered 401" in unsigned.stdout.str()


@pytest.mark.parametrize(("options", "message"), [
    ({"auth": "sigv4"}, "--auth sigv4 needs the cluster's AWS region"),
    ({"auth": "kerberos"}, "unknown auth 'kerberos'"),
])
def test_command_line_auth_mistakes_are_target_problems(options, message, aws_environment):
    config = target_config(options.get, "https://search.example.com", {})
    with pytest.raises(TargetError, match=message):
        create_target(config)


def test_the_run_command_hands_the_sigv4_options_to_pytest():
    parser = argparse.ArgumentParser()
    add_command_options(parser)
    found = pytest_arguments(parser.parse_args(["--auth", "sigv4", "--aws-region", "us-east-1",
                                                "--aws-service", "aoss"]))
    assert {"--stopcheck-auth=sigv4", "--stopcheck-aws-region=us-east-1", "--stopcheck-aws-service=aoss"} <= set(found)
