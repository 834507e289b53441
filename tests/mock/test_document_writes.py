"""Document writes over HTTP with their conditions: `if_seq_no`/`if_primary_term` enforced with the engine's 409,
the request validation's 400s, and `_bulk` parsed whole as `BulkRequestParser` parses it before any item runs.

The reasons are Elasticsearch's own (`VersionConflictEngineException`, `DocWriteRequest.validateSeqNoBasedCASParams`,
`IndexRequest.validate`, the request setters, `BulkRequestParser`); OpenSearch shares that code."""

from __future__ import annotations

import json

import pytest

from tests.mock.test_http_layer import call

JSON = {"Content-Type": "application/json"}
NDJSON = {"Content-Type": "application/x-ndjson"}
FLAVOURS = ["elasticsearch", "opensearch"]


@pytest.fixture(params=FLAVOURS)
def mock(request, start_mock):
    return start_mock(flavour=request.param)


def put(mock, path, doc=None):
    return call(mock, "PUT", path, json.dumps(doc or {"n": 1}), JSON)


def bulk(mock, text, path="/_bulk"):
    return call(mock, "POST", path, text, NDJSON)


def ndjson(*lines):
    return "".join(json.dumps(line) + "\n" for line in lines)


def count(mock, index):
    call(mock, "POST", f"/{index}/_refresh")
    status, _, body = call(mock, "GET", f"/{index}/_count")
    return body["count"] if status == 200 else None


def conflict_reason(doc_id, seq_no, term, current=None):
    required = f"[{doc_id}]: version conflict, required seqNo [{seq_no}], primary term [{term}]."
    if current is None:
        return f"{required} but no document was found"
    return f"{required} current document has seqNo [{current}] and primary term [1]"


# the engine's 409 ---------------------------------------------------------------------------------------------
def test_a_write_with_the_current_seq_no_succeeds_and_a_stale_one_conflicts(mock):
    _, _, first = put(mock, "/docs/_doc/1")
    status, _, second = put(mock, f"/docs/_doc/1?if_seq_no={first['_seq_no']}&if_primary_term=1", {"n": 2})
    assert status == 200 and second["result"] == "updated" and second["_seq_no"] > first["_seq_no"]
    status, _, body = put(mock, f"/docs/_doc/1?if_seq_no={first['_seq_no']}&if_primary_term=1", {"n": 3})
    assert status == 409
    error = body["error"]
    assert error["type"] == "version_conflict_engine_exception"
    assert error["reason"] == conflict_reason("1", first["_seq_no"], 1, second["_seq_no"])
    assert (error["index"], error["shard"]) == ("docs", "0") and error["index_uuid"]
    assert call(mock, "GET", "/docs/_doc/1")[2]["_source"] == {"n": 2}


def test_another_primary_term_conflicts_too(mock):
    _, _, first = put(mock, "/docs/_doc/1")
    status, _, body = put(mock, f"/docs/_doc/1?if_seq_no={first['_seq_no']}&if_primary_term=2")
    assert status == 409 and body["error"]["reason"] == conflict_reason("1", first["_seq_no"], 2, first["_seq_no"])


def test_a_condition_on_a_missing_document_conflicts(mock):
    put(mock, "/docs/_doc/other")
    status, _, body = put(mock, "/docs/_doc/1?if_seq_no=0&if_primary_term=1")
    assert status == 409 and body["error"]["reason"] == conflict_reason("1", 0, 1)
    status, _, body = call(mock, "DELETE", "/docs/_doc/1?if_seq_no=0&if_primary_term=1")
    assert status == 409 and body["error"]["reason"] == conflict_reason("1", 0, 1)


def test_a_delete_enforces_the_condition(mock):
    _, _, first = put(mock, "/docs/_doc/1")
    put(mock, "/docs/_doc/1", {"n": 2})
    status, _, body = call(mock, "DELETE", f"/docs/_doc/1?if_seq_no={first['_seq_no']}&if_primary_term=1")
    assert status == 409 and body["error"]["reason"] == conflict_reason("1", first["_seq_no"], 1, first["_seq_no"] + 1)
    status, _, body = call(mock, "DELETE", f"/docs/_doc/1?if_seq_no={first['_seq_no'] + 1}&if_primary_term=1")
    assert status == 200 and body["result"] == "deleted"


def test_the_unassigned_seq_no_is_no_condition(mock):
    put(mock, "/docs/_doc/1")
    assert put(mock, "/docs/_doc/1?if_seq_no=-2")[0] == 200


# the request's 400s -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, path, kind, reason", [
    ("PUT", "/docs/_doc/1?if_seq_no=0", "action_request_validation_exception",
     "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"),
    ("PUT", "/docs/_doc/1?if_primary_term=1", "action_request_validation_exception",
     "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [1];"),
    ("DELETE", "/docs/_doc/1?if_seq_no=3", "action_request_validation_exception",
     "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"),
    ("PUT", "/docs/_doc/1?if_seq_no=-1&if_primary_term=1", "illegal_argument_exception",
     "sequence numbers must be non negative. got [-1]."),
    ("PUT", "/docs/_doc/1?if_seq_no=0&if_primary_term=-1", "illegal_argument_exception",
     "primary term must be non negative. got [-1]"),
    ("DELETE", "/docs/_doc/1?if_seq_no=-5&if_primary_term=1", "illegal_argument_exception",
     "sequence numbers must be non negative. got [-5]."),
    ("PUT", "/docs/_doc/1?if_seq_no=0&if_primary_term=1&version=2", "action_request_validation_exception",
     "Validation Failed: 1: internal versioning can not be used for optimistic concurrency control. Please use "
     "`if_seq_no` and `if_primary_term` instead;2: compare and write operations can not use versioning;"),
    ("PUT", "/docs/_doc/1?if_seq_no=0&if_primary_term=1&version=2&version_type=external",
     "action_request_validation_exception",
     "Validation Failed: 1: compare and write operations can not use versioning;"),
    ("PUT", "/docs/_doc/1?version=2", "action_request_validation_exception",
     "Validation Failed: 1: internal versioning can not be used for optimistic concurrency control. Please use "
     "`if_seq_no` and `if_primary_term` instead;"),
    ("PUT", "/docs/_create/1?if_seq_no=0&if_primary_term=1", "action_request_validation_exception",
     "Validation Failed: 1: create operations do not support compare and set. use index instead;"),
    ("PUT", "/docs/_doc/1?op_type=create&if_seq_no=0&if_primary_term=1", "action_request_validation_exception",
     "Validation Failed: 1: create operations do not support compare and set. use index instead;"),
    ("POST", "/docs/_doc?version=3", "action_request_validation_exception",
     "Validation Failed: 1: create operations do not support explicit versions. use index instead;"),
    ("PUT", "/docs/_doc/1?version_type=force", "illegal_argument_exception", "No version type match [force]"),
    ("PUT", "/docs/_doc/1?op_type=upsert", "illegal_argument_exception",
     "opType must be 'create' or 'index', found: [upsert]"),
    ("PUT", "/docs/_create/1?op_type=index", "illegal_argument_exception", "opType must be 'create', found: [index]"),
    ("PUT", "/docs/_doc/1?if_seq_no=x&if_primary_term=1", "illegal_argument_exception",
     "Failed to parse long parameter [if_seq_no] with value [x]"),
])
def test_conditions_a_real_cluster_refuses(mock, method, path, kind, reason):
    put(mock, "/docs/_doc/1")
    status, _, body = call(mock, method, path, json.dumps({"n": 9}) if method != "DELETE" else None, JSON)
    assert (status, body["error"]["type"], body["error"]["reason"]) == (400, kind, reason)
    assert call(mock, "GET", "/docs/_doc/1")[2]["_source"] == {"n": 1}


# _bulk ---------------------------------------------------------------------------------------------------------
def test_bulk_items_enforce_their_conditions_one_by_one(mock):
    _, _, first = put(mock, "/docs/_doc/1")
    status, _, body = bulk(mock, ndjson(
        {"index": {"_index": "docs", "_id": "1", "if_seq_no": first["_seq_no"] + 7, "if_primary_term": 1}}, {"n": 2},
        {"index": {"_index": "docs", "_id": "2"}}, {"n": 3},
        {"delete": {"_index": "docs", "_id": "1", "if_seq_no": first["_seq_no"], "if_primary_term": 1}},
        {"index": {"_index": "docs", "_id": "3", "if_seq_no": 0, "if_primary_term": 1}}, {"n": 4}))
    assert status == 200 and body["errors"] is True
    stale, written, deleted, missing = (next(iter(item.values())) for item in body["items"])
    assert stale["status"] == 409 and stale["error"]["type"] == "version_conflict_engine_exception"
    assert stale["error"]["reason"] == conflict_reason("1", first["_seq_no"] + 7, 1, first["_seq_no"])
    assert (written["status"], written["result"]) == (201, "created")
    assert (deleted["status"], deleted["result"]) == (200, "deleted")
    assert missing["status"] == 409 and missing["error"]["reason"] == conflict_reason("3", 0, 1)
    assert count(mock, "docs") == 1


@pytest.mark.parametrize("metadata, kind, reason", [
    ({"_id": "1", "if_seq_no": 0}, "action_request_validation_exception",
     "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"),
    ({"_id": "1", "if_seq_no": -1, "if_primary_term": 1}, "illegal_argument_exception",
     "sequence numbers must be non negative. got [-1]."),
    ({"_id": "1", "wat": 1}, "illegal_argument_exception",
     "Action/metadata line [3] contains an unknown parameter [wat]"),
])
def test_a_bad_bulk_item_refuses_the_whole_request(mock, metadata, kind, reason):
    text = ndjson({"index": {"_id": "0"}}, {"n": 0}, {"index": metadata}, {"n": 1})
    status, _, body = bulk(mock, text, "/docs/_bulk")
    assert (status, body["error"]["type"], body["error"]["reason"]) == (400, kind, reason)
    assert count(mock, "docs") is None  # nothing ran, not even the good first item


def test_bulk_validation_lists_every_item_problem(mock):
    status, _, body = bulk(mock, ndjson({"create": {"_id": "1", "if_seq_no": 1, "if_primary_term": 1}}, {},
                                        {"delete": {"_index": "docs"}}))
    assert status == 400 and body["error"]["reason"] == (
        "Validation Failed: 1: index is missing;2: create operations do not support compare and set. use index "
        "instead;3: id is missing;")


def test_a_bulk_body_must_end_with_a_newline(mock):
    status, _, body = bulk(mock, ndjson({"index": {"_id": "1"}}, {"n": 1}) + json.dumps({"delete": {"_id": "1"}}),
                           "/docs/_bulk")
    assert (status, body["error"]["type"]) == (400, "illegal_argument_exception")
    assert body["error"]["reason"] == "The bulk request must be terminated by a newline [\\n]"
    assert count(mock, "docs") is None


def test_an_action_without_its_source_line_ends_the_request(mock):
    status, _, body = bulk(mock, ndjson({"index": {"_id": "1"}}, {"n": 1}, {"index": {"_id": "2"}}), "/docs/_bulk")
    assert status == 200 and [item["index"]["_id"] for item in body["items"]] == ["1"]
    assert count(mock, "docs") == 1


def test_blank_action_lines_are_skipped_and_crlf_line_ends_accepted(mock):
    text = '\n  \n{"index": {"_id": "1"}}\r\n{"n": 1}\r\n\n{"delete": {"_id": "1"}}\n'
    status, _, body = bulk(mock, text, "/docs/_bulk")
    assert status == 200 and [next(iter(item)) for item in body["items"]] == ["index", "delete"]


@pytest.mark.parametrize("line, reason", [
    ({}, "Malformed action/metadata line [1], expected FIELD_NAME but found [END_OBJECT]"),
    ({"index": 1}, "Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_NUMBER]"),
    ({"index": {"_id": ["1"]}}, "Malformed action/metadata line [1], expected a simple value for field [_id] but found "
                                "[START_ARRAY]"),
    ([1], "Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]"),
])
def test_malformed_action_lines(mock, line, reason):
    status, _, body = bulk(mock, ndjson(line, {"n": 1}), "/docs/_bulk")
    assert (status, body["error"]["reason"]) == (400, reason)
