"""The shared server behaviours every family uses, pinned to what Elasticsearch's own code gives:
`TimeValue` parsing and printing, `Regex.simpleMatch`, Lucene wildcard queries, body token locations and the
`ObjectParser` messages, and the common errors."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from mockserver.clock import ManualClock
from mockserver.errors import IllegalArgument, IndexNotFound, MethodNotAllowed, NoHandler, NumberFormat, XContentParseError
from mockserver.timevalue import TimeUnit, TimeValue
from mockserver.version import Version
from mockserver.wildcard import simple_match, wildcard_query_match
from mockserver.xcontent import Document, ObjectReader

V8 = Version(8, 17, 0)


# TimeValue ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, duration, unit", [
    ("30s", 30, TimeUnit.SECONDS), ("500ms", 500, TimeUnit.MILLISECONDS), ("2m", 2, TimeUnit.MINUTES),
    ("1h", 1, TimeUnit.HOURS), ("3d", 3, TimeUnit.DAYS), ("7micros", 7, TimeUnit.MICROSECONDS),
    ("9nanos", 9, TimeUnit.NANOSECONDS), ("-1", -1, TimeUnit.MILLISECONDS), ("0", 0, TimeUnit.MILLISECONDS),
    ("-1s", -1, TimeUnit.SECONDS), ("+5s", 5, TimeUnit.SECONDS), ("10S", 10, TimeUnit.SECONDS),
])
def test_time_values_parse_like_parse_time_value(raw, duration, unit):
    assert TimeValue.parse(raw, "timeout") == TimeValue(duration, unit)


@pytest.mark.parametrize("raw, reason", [
    ("10", "failed to parse setting [timeout] with value [10] as a time value: unit is missing or unrecognized"),
    ("10M", "failed to parse setting [timeout] with value [10M] as a time value: unit is missing or unrecognized"),
    ("10x", "failed to parse setting [timeout] with value [10x] as a time value: unit is missing or unrecognized"),
    ("1.5s", "failed to parse [1.5s], fractional time values are not supported"),
    ("abcs", "failed to parse [abcs]"),
    ("1_000s", "failed to parse [1_000s]"),
    ("-5s", "failed to parse setting [timeout] with value [-5s] as a time value: negative durations are not supported"),
])
def test_bad_time_values_give_the_real_reasons(raw, reason):
    with pytest.raises(IllegalArgument) as caught:
        TimeValue.parse(raw, "timeout")
    assert caught.value.reason == reason


@pytest.mark.parametrize("value, text", [
    (TimeValue(30), "30s"), (TimeValue(90), "1.5m"), (TimeValue(500, TimeUnit.MILLISECONDS), "500ms"),
    (TimeValue(0, TimeUnit.MILLISECONDS), "0s"), (TimeValue(-1, TimeUnit.MILLISECONDS), "-1"),
    (TimeValue(2, TimeUnit.MINUTES), "2m"), (TimeValue(7200), "2h"), (TimeValue(1250, TimeUnit.MILLISECONDS), "1.2s"),
    (TimeValue(1299, TimeUnit.MILLISECONDS), "1.2s"), (TimeValue(2000, TimeUnit.NANOSECONDS), "2micros"),
    (TimeValue(999, TimeUnit.NANOSECONDS), "999nanos"), (TimeValue(36, TimeUnit.HOURS), "1.5d"),
])
def test_time_values_print_like_to_string_which_truncates_to_one_decimal(value, text):
    assert str(value) == text


@pytest.mark.parametrize("raw, rep", [("30s", "30s"), ("90s", "90s"), ("0", "0ms"), ("-1", "-1"), ("1m", "1m")])
def test_the_string_rep_is_the_value_as_given(raw, rep):
    assert TimeValue.parse(raw, "timeout").string_rep() == rep


def test_measured_durations_keep_nanoseconds():
    assert TimeValue.of_seconds(1.25).nanos == 1_250_000_000
    assert TimeValue(1500, TimeUnit.MILLISECONDS).millis == 1500 and TimeValue(-1, TimeUnit.MILLISECONDS).infinite


# wildcards ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern, value, matched", [
    ("*reindex", "indices:data/write/reindex", True), ("reindex", "x-reindex", False), ("*", "", True),
    ("a*b*c", "aXXbYc", True), ("a**c", "ac", True), ("node-?", "node-1", False), ("node-?", "node-?", True),
    ("log[1]", "log1", False), ("log[1]", "log[1]", True),
])
def test_simple_match_knows_only_the_star(pattern, value, matched):
    assert simple_match(pattern, value) is matched


@pytest.mark.parametrize("pattern, value, matched", [
    ("*job*", "my-job-1", True), ("job?", "job1", True), ("job?", "job12", False), ("job[1]", "job1", False),
    ("job[1]", "job[1]", True), (r"job\*", "job*", True), (r"job\*", "jobs", False),
])
def test_wildcard_queries_know_star_question_mark_and_escapes(pattern, value, matched):
    assert wildcard_query_match(pattern, value) is matched


# body token locations ------------------------------------------------------------------------------------------
PRETTY = '{\n  "a": 1,\n  "nested": {\n    "b": [true, "x"]\n  }\n}'


def test_locations_are_those_of_the_real_tokens_in_the_text_sent():
    document = Document(PRETTY)
    assert document.value == json.loads(PRETTY)
    assert document.location(()) == (1, 1)
    assert document.location(("a",), key=True) == (2, 3)
    assert document.location(("a",)) == (2, 8)
    assert document.location(("nested", "b"), key=True) == (4, 5)
    assert document.location(("nested", "b", 1)) == (4, 17)
    assert document.location(("nested",), end=True) == (5, 3)
    assert document.where((), end=True) == "6:1"


def test_columns_count_bytes_as_jackson_does_on_a_byte_stream():
    assert Document('{"é":1,"x":2}').location(("x",), key=True) == (1, 9)


def test_compact_documents_for_bodies_built_in_code():
    assert Document.of({"a": {"b": 1}}).where(("a", "b"), key=True) == "1:7"


def test_malformed_json_is_a_400_parse_error_with_its_position():
    with pytest.raises(XContentParseError) as caught:
        Document('{"a": }')
    assert caught.value.status == 400 and caught.value.reason.startswith("[1:7] failed to parse JSON")


def test_object_reader_messages_point_at_the_field_name_or_value():
    document = Document('{\n  "known": "x",\n  "other": 1\n}')
    with pytest.raises(XContentParseError) as unknown:
        ObjectReader("thing", document, (), {"known"})
    assert unknown.value.reason == "[3:3] [thing] unknown field [other]"
    reader = ObjectReader("thing", document, (), {"known", "other"})
    with pytest.raises(XContentParseError) as wrong_type:
        reader.string("other")
    assert wrong_type.value.reason == "[3:12] [thing] other doesn't support values of type: VALUE_NUMBER"
    with pytest.raises(XContentParseError) as failed_build:
        reader.build(lambda: (_ for _ in ()).throw(IllegalArgument("nope")))
    assert failed_build.value.reason == "[4:1] Failed to build [thing] after last required field arrived"
    assert failed_build.value.caused_by.reason == "nope"


# common errors --------------------------------------------------------------------------------------------------
def test_index_not_found_names_the_resource_type():
    cause = IndexNotFound(".tasks", "index_expression").cause()
    assert cause == {"type": "index_not_found_exception", "reason": "no such index [.tasks]", "index": ".tasks",
                     "resource.type": "index_expression", "resource.id": ".tasks", "index_uuid": "_na_"}
    assert IndexNotFound("x").cause()["resource.type"] == "index_or_alias"


def test_number_format_is_a_400_that_root_cause_does_not_look_through():
    error = NumberFormat.for_input("xyz")
    assert (error.status, error.reason, error.root()) == (400, 'For input string: "xyz"', error)


def test_routing_errors_are_api_errors_with_a_bare_string():
    assert NoHandler("/x?pretty", "POST").envelope(V8) == {"error": "no handler found for uri [/x?pretty] and method [POST]"}
    wrong = MethodNotAllowed("/_rollup/job/a/_stop", "GET", ["POST"])
    assert wrong.http_status(V8) == 405 and wrong.headers == {"Allow": "POST"}
    assert wrong.envelope(V8) == {"error": "Incorrect HTTP method for uri [/_rollup/job/a/_stop] and method [GET], "
                                           "allowed: [POST]", "status": 405}


# the clock ------------------------------------------------------------------------------------------------------
def test_a_wait_ends_at_its_deadline_or_as_soon_as_its_condition_holds():
    clock = ManualClock()
    start = clock.now()
    assert not asyncio.run(clock.wait_until(lambda: False, clock.deadline(30)))
    assert clock.now() == start + 30
    ready_at = clock.now() + 2
    assert asyncio.run(clock.wait_until(lambda: clock.now() >= ready_at, math.inf))
    assert ready_at <= clock.now() < ready_at + 0.2
    assert clock.deadline(-1) == math.inf
