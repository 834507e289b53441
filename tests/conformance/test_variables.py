from conformance.variables import UndefinedVariable, Variables, run_prefix
import pytest


def test_interpolation_keeps_types_for_whole_references():
    variables = Variables({"run": "sc-1", "task": {"id": 7}})
    assert variables.expand("${task.id}") == 7
    assert variables.expand({"path": "/${run}-x", "n": ["${task.id}"]}) == {"path": "/sc-1-x", "n": [7]}


def test_undefined_variable():
    with pytest.raises(UndefinedVariable, match=r"\$\{nope\}"):
        Variables({}).expand("a ${nope}")


def test_run_prefixes_are_unique_and_valid_names():
    prefixes = {run_prefix() for _ in range(200)}
    assert len(prefixes) == 200
    assert all(p == p.lower() and p[0].isalpha() and len(p) < 20 for p in prefixes)
