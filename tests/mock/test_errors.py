"""Error envelopes: root_cause follows guessRootCauses, statuses follow the emulated version."""

from mockserver.errors import (IllegalArgument, IndexNotFound, MediaTypeHeader, ResourceNotFound, StatusError,
                               TimedOut, XContentParseError)
from mockserver.version import Version

V8 = Version(8, 17, 0)


def test_root_cause_is_the_deepest_server_exception():
    error = ResourceNotFound("task [n:1] not found", caused_by=IndexNotFound(".tasks"))
    body = error.envelope(V8)
    assert body["status"] == 404 and body["error"]["type"] == "resource_not_found_exception"
    assert body["error"]["root_cause"][0]["type"] == "index_not_found_exception"
    assert body["error"]["caused_by"]["reason"] == "no such index [.tasks]"


def test_root_cause_stops_at_jdk_exceptions():
    parse = XContentParseError("[1:2] failed", caused_by=IllegalArgument("bad id"))
    assert parse.envelope(V8)["error"]["root_cause"] == [{"type": "x_content_parse_exception", "reason": "[1:2] failed"}]
    media = MediaTypeHeader("Invalid media-type value on headers [Content-Type, Accept]",
                            caused_by=StatusError("Accept version must be either version 8 or 7", 400))
    assert media.envelope(V8)["error"]["root_cause"][0]["type"] == "media_type_header_exception"


def test_timeouts_are_500_before_9_and_429_after():
    assert TimedOut("t").envelope(V8)["status"] == 500
    assert TimedOut("t").envelope(Version(9, 0, 0))["status"] == 429


def test_error_trace_adds_stack_traces_to_every_cause():
    body = ResourceNotFound("outer", caused_by=IndexNotFound(".tasks")).envelope(V8, trace=True)["error"]
    assert body["stack_trace"].startswith("ResourceNotFoundException[outer]")
    assert body["caused_by"]["stack_trace"].startswith("IndexNotFoundException[no such index [.tasks]]")
    assert "stack_trace" in body["root_cause"][0]
    assert "stack_trace" not in ResourceNotFound("outer").envelope(V8)["error"]
