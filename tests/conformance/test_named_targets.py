"""Named targets: a targets file describes clusters once; `--target NAME` runs on them, several at a time."""

import base64

import pytest

from conformance.targets import TargetConfig, TargetError, create_target
from conformance.targets.named import TargetsFileError, find, load
from tests.conformance.conftest import results, run


def write(folder, text, name="stopcheck.toml"):
    path = folder / name
    path.write_text(text)
    return path


def test_a_targets_file_is_found_in_stopcheck_toml_or_pyproject(tmp_path):
    assert find(tmp_path) is None
    write(tmp_path, "[project]\nname = 'x'\n", "pyproject.toml")
    assert find(tmp_path) is None, "a pyproject.toml without [tool.stopcheck] is not a targets file"
    pyproject = write(tmp_path, '[tool.stopcheck.targets.staging]\nurl = "https://es.example.com:9200"\n'
                                'auth = "basic"\nusername = "ci"\npassword_env = "STAGING_PASSWORD"\n'
                                'ca_certs = "ca.pem"\nflavour = "elasticsearch"\nversion = ">=8.10"\n',
                      "pyproject.toml")
    assert find(tmp_path) == pyproject
    staging = load(pyproject)["staging"]
    options = staging.http_options({"STAGING_PASSWORD": "s3cret-value"}, frozenset())
    assert (options.username, options.password) == ("ci", "s3cret-value")
    assert options.ca_certs == str(tmp_path / "ca.pem"), "TLS files are relative to the targets file"
    own = write(tmp_path, '[targets.local]\nurl = "mock:opensearch"\n')
    assert find(tmp_path) == own and list(load(own)) == ["local"]


@pytest.mark.parametrize(("text", "message"), [
    ('[targets.prod]\nurl = "https://x:9200"\npassword = "hunter2-secret"\n',
     'targets.prod.password: secrets are not written in the targets file; name the environment variable that '
     'holds it instead (password_env = "MY_VARIABLE")'),
    ('[targets.prod]\nurl = "https://x:9200"\nauth = "kerberos"\n', "targets.prod.auth: 'kerberos' is not one of"),
    ('[targets.prod]\nurl = "https://x:9200"\nport = 9200\n', "('port' was unexpected)"),
    ('[targets.prod]\nauth = "basic"\n', "targets.prod: 'url' is a required property"),
    ('[targets.prod]\nurl = "https://x:9200"\nauth = "basic"\nusername = "u"\n',
     'targets.prod: auth = "basic" needs password_env'),
    ('[targets.prod]\nurl = "https://x:9200"\nversion = "eight"\n', "version 'eight' is not a version range"),
    ('[targets.prod\nurl = 1\n', "TOML syntax error"),
])
def test_a_bad_targets_file_is_one_clear_error(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(TargetsFileError) as error:
        load(path)
    assert message in str(error.value) and str(path) in str(error.value)
    assert "hunter2-secret" not in str(error.value)


def test_an_unset_environment_variable_is_named_not_guessed(tmp_path):
    named = load(write(tmp_path, '[targets.prod]\nurl = "https://x:9200"\nauth = "api_key"\n'
                                 'api_key_env = "PROD_KEY"\n'))
    with pytest.raises(TargetError) as error:
        create_target(TargetConfig(target="prod", named=named, environ={}))
    assert "$PROD_KEY is not set" in str(error.value) and "export PROD_KEY=" in error.value.hint


def test_named_targets_run_together_and_a_wrong_flavour_is_reported_before_anything_runs(pytester, rollup_dir,
                                                                                         start_mock, monkeypatch):
    cluster = start_mock()
    write(pytester.path, f"""
[targets.local]
url = "{cluster.url}"
auth = "basic"
username = "elastic"
password_env = "LOCAL_PASSWORD"
flavour = "elasticsearch"
version = ">=8,<9"

[targets.search]
url = "mock:opensearch"
flavour = "elasticsearch"
""")
    monkeypatch.setenv("LOCAL_PASSWORD", "changeme")
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-target", "local",
                 "--stopcheck-target", "search", "--stopcheck-report-dir", str(reports))
    assert result.ret == 2
    result.assert_outcomes(passed=1)
    header = result.stdout.str().partition("collected")[0]
    assert "target search is opensearch 2.19.0, but the targets file expects elasticsearch" in header
    document = results(reports)
    assert document["targets"]["local"]["name"] == "local" and document["targets"]["local"]["problem"] is None
    assert {s["target"] for s in document["scenarios"]} == {"local"}
    basic = base64.b64encode(b"elastic:changeme").decode()
    assert all(basic not in path.read_text() and "changeme" not in path.read_text() for path in reports.iterdir())


def test_a_named_target_gives_consent_for_itself_only(pytester, rollup_dir):
    write(pytester.path, '[targets.wipeable]\nurl = "mock:elasticsearch"\nallow_disposable = true\n')
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir), "--stopcheck-target", "wipeable", "--stopcheck-target",
                 "http://127.0.0.1:1", "--stopcheck-report-dir", str(reports), "-k", "not privileges")
    document = results(reports)
    assert "disposable_cluster" in document["targets"]["wipeable"]["consent"]
    assert not [s for s in document["scenarios"] if s["outcome"] == "skipped" and "consent" in s["reason"]]
    assert result.ret == 2


def test_a_malformed_targets_file_stops_the_run_with_its_error(pytester, rollup_dir):
    write(pytester.path, '[targets.prod]\nurl = "https://x:9200"\ntoken = "tok-secret-9"\n')
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), "--stopcheck-target", "prod")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert "stopcheck targets file:" in output and 'token_env = "MY_VARIABLE"' in output
    assert "tok-secret-9" not in output and "Traceback" not in output
