"""Body matchers: literals, operators, dotted paths."""

import pytest

from conformance.matchers import MISSING, check, matcher_problem, resolve

BODY = {"error": {"root_cause": [{"type": "x"}], "reason": "Task for Rollup Job [a] not found"},
        "status": 404, "nodes": {"n1:2": {"tasks": {}}}, "a.b": 1}


@pytest.mark.parametrize(("path", "value"), [
    ("status", 404), ("error.root_cause.0.type", "x"), ("error.root_cause.-1.type", "x"),
    ("nodes.n1:2.tasks", {}), ("a\\.b", 1), ("$", BODY)])
def test_resolve_finds_values(path, value):
    assert resolve(BODY, path) == value


@pytest.mark.parametrize("path", ["missing", "error.root_cause.1", "status.x", "error.root_cause.type"])
def test_resolve_missing(path):
    assert resolve(BODY, path) is MISSING


@pytest.mark.parametrize(("actual", "spec"), [
    (True, True), (1, 1), ({"a": [1]}, {"a": [1]}), ("abc", {"matches": "^a.c$"}), ("s", {"is_type": "string"}),
    (3, {"is_type": "integer"}), ([1, 2], {"length": 2}), (MISSING, {"absent": True}), (0, {"absent": False}),
    ("b", {"in": ["a", "b"]}), (5, {"gte": 5, "lte": 5}), ([1, 2], {"contains": 2}), ("abc", {"contains": "b"}),
    ({"a": 1, "b": 2}, {"subset": {"a": 1}}), ({"type": "x"}, {"equals": {"type": "x"}}),
])
def test_matching(actual, spec):
    assert check(actual, spec) is None


@pytest.mark.parametrize(("actual", "spec", "says"), [
    (1, True, "expected true, got 1"), (True, 1, "expected 1, got true"), ({"a": 1, "b": 2}, {"a": 1}, "expected"),
    (MISSING, 1, "got <absent>"), (5, {"matches": "5"}, "expected a string"), ("x", {"matches": "^y"}, "match"),
    (True, {"is_type": "integer"}, "type integer"), ([1], {"length": 2}, "length 2, got 1"),
    (1, {"absent": True}, "expected no value"), (MISSING, {"absent": False}, "expected a value"),
    ("c", {"in": ["a", "b"]}, "one of"), (4, {"gte": 5}, ">= 5"), ("5", {"lte": 9}, "<= 9"),
    ([1], {"contains": 2}, "contain"), ({"a": 2}, {"subset": {"a": 1}}, "include"),
])
def test_mismatch_says_what_is_wrong(actual, spec, says):
    problem = check(actual, spec)
    assert problem is not None and says in problem


def test_bounds_may_come_from_variables():
    assert matcher_problem({"gte": "${count}"}) is None
    assert matcher_problem({"lte": "many"}) == "lte must be a number or a ${variable} holding one"
