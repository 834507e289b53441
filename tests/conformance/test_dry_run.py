"""`--dry-run`: what would run, be skipped and be created, per target, with nothing sent but discovery."""

import json
from http.server import BaseHTTPRequestHandler

import pytest

from conformance.cli import main
from conformance.paths import SCENARIOS
from tests.http_servers import serving

BANNER = {"name": "n1", "cluster_name": "staging", "version": {"number": "8.17.0", "build_flavor": "default"},
          "tagline": "You Know, for Search"}
XPACK = {"features": {"rollup": {"available": True, "enabled": True}, "ml": {"available": True, "enabled": True}}}


class RecordingCluster(BaseHTTPRequestHandler):
    """Answers discovery as Elasticsearch does, and records every request it gets."""

    received: list[tuple[str, str, str | None]] = []

    def _answer(self) -> None:
        self.received.append((self.command, self.path, self.headers.get("Authorization")))
        body = {"/": BANNER, "/_xpack": XPACK}.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-elastic-product", "Elasticsearch")
        self.end_headers()
        self.wfile.write(json.dumps(body or {}).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_cluster():
    RecordingCluster.received = []
    with serving(RecordingCluster) as url:
        yield url, RecordingCluster.received


def test_a_dry_run_sends_nothing_but_discovery_and_says_what_would_happen(recording_cluster, capsys, monkeypatch,
                                                                         tmp_path):
    url, received = recording_cluster
    monkeypatch.setenv("STOPCHECK_PASSWORD", "dry-secret-1")
    reports = tmp_path / "reports"
    code = main(["run", str(SCENARIOS / "rollup"), str(SCENARIOS / "ml" / "stop_all.yaml"), "--dry-run",
                 "--target", url.replace("//", "//elastic:url-secret-2@"), "--report-dir", str(reports)])
    output = capsys.readouterr().out
    assert code == 0, output
    assert [(method, path.split("?")[0]) for method, path, _ in received] == [("GET", "/"), ("GET", "/_xpack")]
    assert all(auth for _, _, auth in received), "discovery authenticates as the run would"
    assert not reports.exists(), "a dry run writes no reports and no ledger"
    assert "run   rollup.stop.started-job: creates index ${run}-sensor, index ${run}-sensor-rollup, " \
           "rollup job ${run}-sensor" in output
    assert "run   rollup.stop.missing-job: creates nothing" in output
    assert "skip  ml.dfa.stop.all: needs consent disposable_cluster" in output
    assert "(1 only with --allow-disposable)" in output
    assert "dry-secret-1" not in output and "url-secret-2" not in output


def test_a_dry_run_names_targets_that_cannot_be_used_and_exits_2(capsys):
    code = main(["run", str(SCENARIOS / "rollup" / "stop_missing_job.yaml"), "--dry-run", "--target",
                 "http://127.0.0.1:1", "--target", "mock"])
    output = capsys.readouterr().out
    assert code == 2
    assert "target 127.0.0.1:1: cannot be used, nothing would run on it: GET http://127.0.0.1:1/ failed" in output
    assert "target mock:elasticsearch (elasticsearch 8.17.0;" in output
    assert "mock:opensearch" not in output, "the bare mock's other flavour has no scenario here"
