"""A target that cannot be used is reported once, before any scenario, with what to check; the run exits 2."""

import ssl
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler

import pytest
import trustme

from conformance.paths import SCENARIOS
from mockserver.server import MockServer
from tests.conformance.conftest import results, run
from tests.http_servers import serving
from tests.nested_runs import stopcheck_run


class NotACluster(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>Welcome to Kibana</html>")

    def log_message(self, *args):
        pass


@pytest.fixture
def web_page():
    with serving(NotACluster) as url:
        yield url


@pytest.fixture
def untrusted_tls_mock():
    """The mock over HTTPS with a certificate from a CA the client was not given."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)
    with MockServer(ssl_context=context) as server:
        yield server.url


@pytest.mark.parametrize(("kind", "problem", "check"), [
    ("refused", "failed", "check the URL (host and port) and that the cluster is running"),
    ("wrong password", "answered 401", "check --username and $STOPCHECK_PASSWORD"),
    ("unknown certificate", "CERTIFICATE_VERIFY_FAILED", "pass --ca-certs with the CA"),
    ("not a cluster", "not as Elasticsearch or OpenSearch do", "the cluster's REST endpoint (not Kibana"),
])
def test_a_target_that_cannot_be_used_is_one_clear_error_and_exit_code_2(pytester, rollup_dir, request, kind,
                                                                          problem, check):
    url = {"refused": lambda: "http://127.0.0.1:1",
           "wrong password": lambda: request.getfixturevalue("es_mock").url.replace("//", "//elastic:wrong-secret@"),
           "unknown certificate": lambda: request.getfixturevalue("untrusted_tls_mock"),
           "not a cluster": lambda: request.getfixturevalue("web_page")}[kind]()
    reports = pytester.path / "reports"
    result = run(pytester, str(rollup_dir / "stop_missing_job.yaml"), str(rollup_dir / "stop_stopped_job.yaml"),
                 "--stopcheck-target", url, "--stopcheck-target", "mock", "--stopcheck-report-dir", str(reports))
    assert result.ret == 2
    result.assert_outcomes(passed=2)  # the usable target still ran
    output = result.stdout.str()
    header, _, rest = output.partition("collected")
    assert problem in header and check in header, "reported before any scenario"
    assert rest.count(problem) <= 1, "not once per scenario"
    assert "wrong-secret" not in output
    document = results(reports)
    label = next(label for label in document["targets"] if label != "mock:elasticsearch")
    assert problem in document["targets"][label]["problem"] and check in document["targets"][label]["problem"]
    assert {s["target"] for s in document["scenarios"]} == {"mock:elasticsearch"}
    error = ET.parse(reports / "junit.xml").getroot().find(f"testsuite[@name='{label}']/testcase/error")
    assert problem in error.get("message")


def test_stopcheck_run_exits_2_when_its_only_target_cannot_be_used(tmp_path):
    code = stopcheck_run(SCENARIOS / "rollup" / "stop_missing_job.yaml", "--target", "http://127.0.0.1:1",
                         "--report-dir", tmp_path, quiet=True)
    assert code == 2
    document = results(tmp_path)
    assert document["scenarios"] == [] and document["targets"]["127.0.0.1:1"]["problem"]
