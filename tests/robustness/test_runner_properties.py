"""Properties of the runner's body matchers and `${variable}` expansion."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.matchers import MISSING, check, is_operator, resolve
from conformance.variables import UndefinedVariable, Variables

keys = st.text(st.characters(blacklist_characters="\\", blacklist_categories=("Cs",)), min_size=1, max_size=6)
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=6)  # no floats: 1 == 1.0 is no JSON identity
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=8)
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True)


def _canonical(value):
    return json.dumps(value, sort_keys=True)


@given(values, values)
def test_a_literal_matches_exactly_the_equal_json(actual, expected):
    if is_operator(expected):
        return
    assert (check(actual, expected) is None) is (_canonical(actual) == _canonical(expected))


@given(values)
def test_a_body_is_a_subset_of_itself_and_of_anything_it_extends(body):
    assert check(body, {"subset": body}) is None
    if isinstance(body, dict):
        assert check({**body, "extra\u2603": 1}, {"subset": body}) is None


@given(st.lists(keys, min_size=1, max_size=4), values)
def test_a_dotted_path_reaches_the_value_it_names(path, value):
    body = value
    for key in reversed(path):
        body = {key: body}
    dotted = ".".join(key.replace(".", "\\.") for key in path)
    if dotted != "$":
        assert _canonical(resolve(body, dotted)) == _canonical(value)
    assert resolve(body, dotted + ".missing\u2603") is MISSING


@given(st.dictionaries(names, values, min_size=1), st.data())
def test_a_whole_reference_keeps_its_value_and_an_embedded_one_its_text(known, data):
    name = data.draw(st.sampled_from(sorted(known)))
    variables = Variables(known)
    assert _canonical(variables.expand("${" + name + "}")) == _canonical(known[name])
    prefix, suffix = data.draw(st.text("ab $", min_size=1, max_size=3)), data.draw(st.text("ab $", max_size=3))
    assert variables.expand(f"{prefix}${{{name}}}{suffix}") == f"{prefix}{known[name]}{suffix}"


@given(values)
def test_text_without_references_expands_to_itself(value):
    if "${" not in _canonical(value):
        assert _canonical(Variables({}).expand(value)) == _canonical(value)


@given(names, st.dictionaries(names, scalars))
def test_an_unknown_name_is_the_typed_error(name, known):
    if name in known:
        return
    with pytest.raises(UndefinedVariable, match=name):
        Variables(known).expand(f"x${{{name}}}")
