"""Properties of the mock's parsers: round trips, agreement with a simple oracle, and no error but the typed one
whatever the input."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mockserver.errors import IllegalArgument, ResourceNotFound
from mockserver.families.ml.ids import expand, tokens
from mockserver.families.opensearch_rollup.schedule import Cron, IntervalSchedule
from mockserver.families.tasks.ids import TaskId
from mockserver.params import TIME_VALUE_PATTERN, boolean, string_list
from mockserver.timevalue import TimeUnit, TimeValue
from mockserver.version import Version
from mockserver.wildcard import simple_match, wildcard_query_match

LONG_MAX = 2**63 - 1
names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
identifiers = st.text("abc-_*1", min_size=1, max_size=6)


# time values -------------------------------------------------------------------------------------------------
@given(st.integers(0, LONG_MAX), st.sampled_from(TimeUnit))
def test_a_time_value_parses_back_from_its_string_rep(duration, unit):
    value = TimeValue(duration, unit)
    assert TimeValue.parse(value.string_rep(), "timeout") == value
    assert re.fullmatch(TIME_VALUE_PATTERN, value.string_rep())  # what the API description promises


@given(st.integers(0, 10**12), st.sampled_from(TimeUnit), st.sampled_from([str.lower, str.upper]), st.text(" ", max_size=2))
def test_a_time_value_is_its_number_times_its_unit_in_any_case_but_minutes(amount, unit, case, padding):
    suffix = unit.suffix if unit is TimeUnit.MINUTES else case(unit.suffix)
    assert TimeValue.parse(f"{padding}{amount}{padding}{suffix}", "timeout").nanos == amount * unit.nanos


@given(st.text(max_size=12))
def test_any_text_is_a_time_value_or_the_typed_error(raw):
    try:
        value = TimeValue.parse(raw, "timeout")
    except IllegalArgument as error:
        assert raw in error.reason or "time value" in error.reason
    else:
        assert value.duration >= -1


# booleans and lists ------------------------------------------------------------------------------------------
@given(st.text(max_size=8))
def test_only_true_false_and_a_bare_flag_are_booleans(raw):
    if raw in ("", "true", "false"):
        assert boolean(raw, "flag") is (raw != "false")
    else:
        with pytest.raises(IllegalArgument, match=re.escape(f"[{raw}]")):
            boolean(raw, "flag")


@given(st.lists(st.text(st.characters(blacklist_characters=","), max_size=5), max_size=6))
def test_a_comma_separated_list_is_its_non_empty_parts(parts):
    assert string_list(",".join(parts), "nodes") == [part for part in parts if part]
    assert tokens(",".join(parts)) == [part.strip() for part in parts if part.strip()]


# wildcards and id expressions --------------------------------------------------------------------------------
def _star_match(pattern: str, value: str) -> bool:
    """An oracle without regular expressions: `*` matches any run, every other character itself."""
    if not pattern:
        return not value
    if pattern[0] == "*":
        return any(_star_match(pattern[1:], value[i:]) for i in range(len(value) + 1))
    return bool(value) and value[0] == pattern[0] and _star_match(pattern[1:], value[1:])


@given(st.text("ab*?[.\\", max_size=7), st.text("ab*?[.\\\n", max_size=7))
def test_simple_match_agrees_with_the_oracle(pattern, value):
    assert simple_match(pattern, value) is _star_match(pattern, value)


@given(names)
def test_an_escaped_value_is_a_wildcard_query_for_itself_only(value):
    escaped = re.sub(r"([*?\\])", r"\\\1", value)
    assert wildcard_query_match(escaped, value)
    assert not wildcard_query_match(escaped, value + "x")


@given(st.lists(identifiers, min_size=1, max_size=4), st.sets(st.text("abc-_1", min_size=1, max_size=6), max_size=6),
       st.booleans())
def test_an_id_expression_names_what_it_matches_or_is_a_404(parts, known, allow_no_match):
    try:
        found = expand(",".join(parts), sorted(known), allow_no_match)
    except ResourceNotFound:
        explicit_missing = any("*" not in p and p not in known and p != "_all" for p in parts)
        empty_wildcard = any("*" in p and not any(_star_match(p, k) for k in known) for p in parts)
        assert explicit_missing or (empty_wildcard and not allow_no_match)
    else:
        assert found == sorted(found) and set(found) <= known
        if parts not in (["_all"], ["*"]):
            assert set(found) == {k for k in known for p in parts if _star_match(p, k)}


# schedules ---------------------------------------------------------------------------------------------------
@given(st.text(" */-,0123456789JANMONx", max_size=20))
def test_any_text_is_a_cron_expression_or_the_typed_error(expression):
    try:
        Cron.parse(expression)
    except IllegalArgument:
        pass


@given(st.sets(st.integers(0, 59), min_size=1), st.sets(st.integers(0, 23), min_size=1),
       st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)))
def test_a_daily_cron_fires_next_at_the_first_matching_minute(minutes, hours, moment):
    expression = f"{','.join(map(str, sorted(minutes)))} {','.join(map(str, sorted(hours)))} * * *"
    start = moment.replace(tzinfo=timezone.utc)
    fired = Cron.parse(expression).next_after(start)
    candidate = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while not (candidate.minute in minutes and candidate.hour in hours):  # at most a day of minutes
        candidate += timedelta(minutes=1)
    assert fired == candidate


@given(st.integers(0, 10**12), st.integers(1, 1000), st.sampled_from(["Minutes", "Hours", "Days"]),
       st.integers(0, 10**13), st.one_of(st.none(), st.integers(0, 10**6)))
def test_an_interval_fires_on_its_period_grid_strictly_later(start, period, unit, now, delay):
    schedule = IntervalSchedule(start, period, unit, delay)
    fired = schedule.next_after(now)
    origin = start + (delay or 0)
    assert (fired - origin) % schedule.millis == 0
    assert fired == origin if now < origin else now < fired <= now + schedule.millis


# task ids and versions ---------------------------------------------------------------------------------------
@given(st.text(min_size=1).filter(lambda node: ":" not in node), st.integers(-(2**63), LONG_MAX))
def test_a_task_id_parses_back_from_its_text(node, number):
    task = TaskId(node, number)
    assert TaskId.parse(str(task)) == task


@given(st.text(max_size=12))
def test_any_text_is_a_task_id_nothing_or_the_typed_error(raw):
    try:
        task = TaskId.parse(raw)
    except IllegalArgument as error:
        assert raw in error.reason
    else:
        assert task is None or str(task).partition(":")[0] == raw.partition(":")[0]


versions = st.builds(Version, st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))


@given(versions)
def test_a_version_parses_back_from_its_text(version):
    assert Version.parse(str(version)) == version


@given(st.text("0123456789.-a", max_size=9))
def test_any_text_is_a_version_or_a_value_error(text):
    try:
        Version.parse(text)
    except ValueError:
        pass


@given(versions, versions, st.sampled_from([">=", "<", "==", "!="]))
def test_a_version_range_agrees_with_ordering(bound, version, operator):
    from conformance.requirements import version_matches

    oracle = {">=": version >= bound, "<": version < bound, "==": version == bound, "!=": version != bound}
    assert version_matches(f"{operator}{bound}", str(version)) is oracle[operator]
    assume(operator == ">=")
    assert version_matches(f">={bound},<{bound.major + 1}", str(version)) is (bound <= version < Version(bound.major + 1))
