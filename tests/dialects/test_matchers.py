"""The matcher operators the dialects need."""

import pytest

from conformance.matchers import MISSING, check, matcher_problem


@pytest.mark.parametrize("actual, spec, holds", [
    (3, {"gt": 2}, True), (2, {"gt": 2}, False), (2, {"lt": 3}, True), (True, {"lt": 3}, False),
    (None, {"nullish": True}, True), (MISSING, {"nullish": True}, True), (0, {"nullish": True}, False),
    (0, {"nullish": False}, True),
    (0.1234, {"close_to": {"value": 0.123, "error": 0.001}}, True),
    (0.125, {"close_to": {"value": 0.123, "error": 0.001}}, False),
    ([{"a": 1, "b": 2}, 3], {"has_item_with": {"a": 1}}, True),
    ([{"a": {"x": 1, "y": 2}}], {"has_item_with": {"a": {"x": 1}}}, False),  # entries compare whole
    ({"reason": "job [x] gone", "n": [1, True]}, {"text_matches": r"^\{reason=job \[x\] gone, n=\[1, true\]\}$"},
     True),
    (MISSING, {"text_matches": "."}, False),
    (5, {"all_of": [{"gt": 4}, {"lt": 6}]}, True), (6, {"all_of": [{"gt": 4}, {"lt": 6}]}, False),
])
def test_operators(actual, spec, holds):
    assert (check(actual, spec) is None) == holds


def test_warnings_lists_what_is_unexpected_and_what_is_missing():
    header = '299 Elasticsearch-9.0.0-abc "a \\"quoted\\" one", 299 Elasticsearch-9.0.0-abc "extra" "Mon, 01 Jan"'
    assert check(header, {"warnings": {"expected": ['a "quoted" one'], "allowed": ["extra"]}}) is None
    assert check(header, {"warnings": {"expected_regex": ["a .* one"], "allowed_regex": ["ex.*"]}}) is None
    assert check(header, {"warnings": {"expected": ["absent"]}}) == (
        "unexpected warning 'a \"quoted\" one'; unexpected warning 'extra'; missing warning 'absent'")
    assert check(MISSING, {"warnings": {}}) is None


@pytest.mark.parametrize("spec, problem", [
    ({"gt": "x"}, "gt must be a number or a ${variable} holding one"),
    ({"close_to": 1}, "close_to must be a mapping of value and error"),
    ({"all_of": [{"length": "x"}]}, "length must be a whole number"),
])
def test_bad_arguments_are_reported(spec, problem):
    assert matcher_problem(spec) == problem
