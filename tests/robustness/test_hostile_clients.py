"""Clients that misbehave at the HTTP level: the mock survives each of them and serves the next request."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest

from mockserver.settings import MockSettings
from tests.robustness.polling import POLL_SECONDS, until


def _call(url: str, method: str = "GET", body=None, timeout: float = POLL_SECONDS) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text else None


def _raw(mock, data: bytes) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", mock.port), timeout=POLL_SECONDS)
    connection.sendall(data)
    return connection


def _served(mock) -> bool:
    return _call(mock.url + "/")[0] == 200


def _head(path: str, length: int, extra: str = "") -> bytes:
    return (f"PUT {path} HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n"
            f"{extra}\r\n").encode()


@pytest.mark.slow
def test_a_client_gone_during_a_wait_for_completion(start_mock):
    """The job stops slowly on a clock that runs ten times as fast as the wall: its stop holds the waiting request
    for one second of wall time, long enough for the client to go while the request waits."""
    mock = start_mock(clock="system", time_scale=10)
    _call(mock.url + "/sensor", "PUT", {"mappings": {"properties": {"t": {"type": "date"}}}})
    _call(mock.url + "/legacy", "PUT", {"mappings": {"_meta": {"_rollup": {}}}})
    job = {"index_pattern": "sensor", "rollup_index": "sensor_rollup", "cron": "* * * * * ?", "page_size": 1,
           "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}
    assert _call(mock.url + "/_rollup/job/j", "PUT", job)[0] == 200
    assert _call(mock.url + "/_stopcheck/fixtures/slow_stop", "POST", {"job_id": "j", "seconds": 10})[0] == 200
    assert _call(mock.url + "/_rollup/job/j/_start", "POST")[0] == 200
    until(lambda: _call(mock.url + "/_rollup/job/j")[1]["jobs"][0]["status"]["job_state"] == "indexing")
    waiting = _raw(mock, b"POST /_rollup/job/j/_stop?wait_for_completion=true&timeout=60s HTTP/1.1\r\nHost: m\r\n\r\n")
    until(lambda: _call(mock.url + "/_rollup/job/j")[1]["jobs"][0]["status"]["job_state"] == "stopping")
    waiting.close()  # gone while its request waits
    assert _served(mock)
    status, stopped = _call(mock.url + "/_rollup/job/j/_stop?wait_for_completion=true&timeout=20s", "POST")
    assert (status, stopped) == (200, {"stopped": True})


def test_a_half_sent_body_changes_nothing(es_mock):
    _raw(es_mock, _head("/books/_doc/1", 100) + b'{"title": ').close()
    assert _served(es_mock)
    assert _call(es_mock.url + "/books/_doc/1")[0] == 404


def _closed_answer(connection: socket.socket) -> tuple[bytes, bytes]:
    """The head and body of the answer, read until the mock closes the connection."""
    answer = b""
    while chunk := connection.recv(4096):
        answer += chunk
    connection.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


def test_the_content_length_limit_is_100mb_by_default(es_mock):
    head, body = _closed_answer(_raw(es_mock, _head("/books/_doc/1", 100 * 1024 * 1024 + 1)))  # no body needed
    assert head.startswith(b"HTTP/1.1 413 ") and body == b""
    assert _served(es_mock)


def test_a_body_over_the_content_length_limit_is_a_bare_413_and_the_connection_closes(start_mock):
    mock = start_mock(max_content_length=1024)
    document = json.dumps({"title": "x" * 1100}).encode()
    head, body = _closed_answer(_raw(mock, _head("/books/_doc/1", len(document)) + document))
    assert head.startswith(b"HTTP/1.1 413 ") and body == b""
    assert _served(mock)
    assert _call(mock.url + "/books/_doc/1")[0] == 404


def test_a_body_at_the_content_length_limit_is_served(start_mock):
    document = {"title": "x" * 1000}
    mock = start_mock(max_content_length=len(json.dumps(document)))
    assert _call(mock.url + "/books/_doc/1", "PUT", document)[0] == 201


def test_a_chunked_body_that_outgrows_the_limit_is_a_413(start_mock):
    mock = start_mock(max_content_length=1024)
    chunk = b"x" * 2048
    request = (b"PUT /books/_doc/1 HTTP/1.1\r\nHost: m\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n")
    connection = _raw(mock, request)
    assert connection.recv(4096).startswith(b"HTTP/1.1 413 ")
    connection.close()
    assert _served(mock)


def test_a_client_that_expects_100_continue_gets_it_before_it_sends_the_body(es_mock):
    document = json.dumps({"title": "x"}).encode()
    connection = _raw(es_mock, _head("/books/_doc/1", len(document), "Expect: 100-continue\r\n"))
    assert connection.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"
    connection.sendall(document)
    assert connection.recv(4096).startswith(b"HTTP/1.1 201 ")
    connection.close()


def test_an_unknown_expectation_is_a_417(es_mock):
    connection = _raw(es_mock, _head("/books/_doc/1", 2, "Expect: something-else\r\n") + b"{}")
    assert connection.recv(4096).startswith(b"HTTP/1.1 417 ")
    connection.close()
    assert _served(es_mock)


def test_a_content_length_limit_out_of_range_is_refused():
    with pytest.raises(ValueError, match="max_content_length must be from 0 to 2147483647 bytes, not 2147483648"):
        MockSettings(max_content_length=2**31)


def test_a_client_that_never_reads_its_answers_holds_no_one_else(es_mock):
    pipelined = b"GET /_stopcheck/openapi.json HTTP/1.1\r\nHost: m\r\n\r\n" * 40
    stalled = _raw(es_mock, pipelined)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        for _ in range(5):
            assert _served(es_mock)
    finally:
        stalled.close()
    assert _served(es_mock)


@pytest.mark.parametrize("garbage", [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"GET / HTTP/9.9\r\n\r\n",
                                     b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"])
def test_garbage_on_the_wire_is_refused_and_the_mock_goes_on(es_mock, garbage):
    connection = _raw(es_mock, garbage)
    connection.recv(4096)  # the HTTP layer's 400 or a closed connection, never a hang
    connection.close()
    assert _served(es_mock)
