"""No credential reaches any output: not results.json, junit.xml, coverage.txt, nor the terminal."""

import base64

from conformance import redaction
from tests.conformance.conftest import results, run, scenario_folder

SECRETS = ("changeme", base64.b64encode(b"elastic:changeme").decode(), "cookie-secret-1", "key-secret-2",
           "pw-secret-3", "param-secret-4", "token-secret-5")

LEAKY = """\
steps:
  - name: create a user with a password
    request:
      method: PUT
      path: "/_security/user/${run}-user"
      params: {api_key: param-secret-4}
      headers: {Authorization: "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==", Cookie: "sid=cookie-secret-1",
                X-Api-Key: key-secret-2}
      body: {password: pw-secret-3, roles: [], metadata: {refresh_token: token-secret-5}}
    expect: {status: 299}
"""


def test_credentials_never_reach_any_output(pytester, es_mock):
    folder = scenario_folder(pytester, "demo.leaky", "a failing step full of credentials", LEAKY)
    reports = pytester.path / "reports"
    url = es_mock.url.replace("http://", "http://elastic:changeme@")
    result = run(pytester, str(folder), "--stopcheck-target", url, "--stopcheck-report-dir", str(reports), "-v")
    result.assert_outcomes(failed=1)
    record = results(reports)["scenarios"][0]
    request = record["failure"]["step"]["request"]
    assert request["headers"] == {"Authorization": "<redacted>", "Cookie": "<redacted>", "X-Api-Key": "<redacted>"}
    assert request["params"] == {"api_key": "<redacted>"} and '"password": "<redacted>"' in request["body"]
    assert "elastic:changeme@" not in results(reports)["targets"][record["target"]]["url"]
    outputs = {path.name: path.read_text() for path in reports.iterdir()}
    outputs["terminal"] = result.stdout.str() + result.stderr.str()
    assert "PUT /_security/user/" in outputs["terminal"], "the failing request is shown, redacted"
    assert {name: [s for s in SECRETS if s in text] for name, text in outputs.items()} == {
        name: [] for name in outputs}


def test_redaction_of_urls_and_ndjson_bodies():
    assert redaction.url("https://u:p@es.example.com:9200/x") == "https://es.example.com:9200/x"
    assert redaction.url("http://127.0.0.1:9200") == "http://127.0.0.1:9200"
    ndjson = '{"index": {}}\n{"password": "x", "name": "n"}\n'
    assert redaction.body_text(ndjson) == '{"index": {}}\n{"password": "<redacted>", "name": "n"}\n'
    assert redaction.body_text("not json: password=x") == "not json: password=x"


CREATES_A_USER = """\
steps:
  - name: create a user with a password, then fail
    request:
      method: PUT
      path: "/_security/user/${run}-user"
      body: {password: pw-secret-3, roles: [], metadata: {refresh_token: token-secret-5}}
    expect: {status: 299}
"""


def test_named_targets_ledger_and_dry_run_keep_secrets_out(pytester, es_mock, monkeypatch):
    """The new paths: a targets file naming the password's variable, the ledger, and a dry run's text."""
    monkeypatch.setenv("NAMED_PASSWORD", "changeme")
    (pytester.path / "stopcheck.toml").write_text(
        f'[targets.named]\nurl = "{es_mock.url}"\nauth = "basic"\nusername = "elastic"\n'
        f'password_env = "NAMED_PASSWORD"\n')
    folder = scenario_folder(pytester, "demo.user", "creates a user, with its password", CREATES_A_USER)
    reports = pytester.path / "reports"
    result = run(pytester, str(folder), "--stopcheck-target", "named", "--stopcheck-report-dir", str(reports))
    result.assert_outcomes(failed=1)
    dry = run(pytester, str(folder), "--stopcheck-target", "named", "--stopcheck-dry-run")
    assert "target named (elasticsearch" in dry.stdout.str()
    outputs = {path.name: path.read_text() for path in reports.iterdir()}
    assert "ledger.jsonl" in outputs and '"kind": "user"' in outputs["ledger.jsonl"]
    outputs["terminal"] = result.stdout.str() + result.stderr.str()
    outputs["dry run"] = dry.stdout.str() + dry.stderr.str()
    assert {name: [s for s in SECRETS if s in text] for name, text in outputs.items()} == {
        name: [] for name in outputs}
