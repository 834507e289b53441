"""Requests the fuzzing found the mock failing on: each answered now as a real cluster does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest


def _send(url: str, method: str = "GET", body: bytes | None = None, content_type: str = "application/json"):
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_control_characters_in_a_path_reach_the_router(es_mock):
    assert _send(f"{es_mock.url}/_rollup/job/a%0Ab") == (200, {"jobs": []})  # not the HTTP library's plain 404


@pytest.mark.parametrize(("line", "found"), [(b"0", "VALUE_NUMBER"), (b'"index"', "VALUE_STRING"),
                                            (b"[1]", "START_ARRAY")])
def test_a_bulk_action_line_that_is_not_an_object_is_a_400(es_mock, line, found):
    status, body = _send(f"{es_mock.url}/books/_bulk", "POST", line + b"\n", "application/x-ndjson")
    assert (status, body["error"]["type"]) == (400, "illegal_argument_exception")
    assert body["error"]["reason"] == f"Malformed action/metadata line [1], expected START_OBJECT but found [{found}]"


def test_a_bulk_action_without_its_source_line_ends_the_request(es_mock):
    status, body = _send(f"{es_mock.url}/_bulk", "POST",
                         b'{"index":{"_index":"books","_id":"1"}}\n{"title":"a"}\n{"index":{"_index":"books"}}\n',
                         "application/x-ndjson")
    assert status == 200
    assert [item["index"]["_id"] for item in body["items"]] == ["1"]
