"""Longest first: durations remembered from earlier runs' results files order the next run's scenarios."""

import json
import os

import pytest

from conformance.cli import plugin_options
from conformance.pytest_plugin import LONGEST_FIRST_CHUNK
from conformance.schedule import longest_first, remembered
from tests.nested_runs import NESTED_RUN_OPTIONS


def results(directory, modified, *scenarios):
    directory.mkdir(parents=True)
    path = directory / "results.json"
    path.write_text(json.dumps({"scenarios": [
        {"id": scenario, "target": target, "outcome": outcome, "duration": seconds}
        for scenario, target, outcome, seconds in scenarios]}))
    os.utime(path, (modified, modified))


def test_the_newest_run_that_ran_a_scenario_gives_its_duration(tmp_path):
    results(tmp_path / "old", 1_000, ("a", "mock", "passed", 9.0), ("b", "mock", "failed", 4.0))
    results(tmp_path / "new", 2_000, ("a", "mock", "passed", 2.0), ("b", "mock", "skipped", 0.0))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    assert remembered(tmp_path) == {"a[mock]": 2.0, "b[mock]": 4.0}


def test_scenarios_never_timed_come_first_then_the_longest_and_other_items_keep_their_places():
    items = ["plain-test", "short[mock]", "new[mock]", "long[mock]", "medium[es]"]
    durations = {"short[mock]": 0.1, "long[mock]": 30.0, "medium[es]": 5.0}
    longest_first(items, lambda item: None if item == "plain-test" else item, durations)
    assert items == ["plain-test", "new[mock]", "long[mock]", "medium[es]", "short[mock]"]


@pytest.mark.parametrize(("chosen", "chunk"), [([], LONGEST_FIRST_CHUNK), (["--maxschedchunk", "5"], 5)])
def test_under_xdist_scenarios_timed_before_are_handed_out_two_at_a_time(pytester, rollup_dir, chosen, chunk):
    """pytest-xdist's own runs (a quarter of a worker's share) would send the longest scenarios all to the first
    worker; a chunk the user chose stays."""
    results(pytester.path / "reports" / "earlier", 1_000, ("rollup.stop.missing-job", "mock", "passed", 3.0))
    config = pytester.parseconfigure(str(rollup_dir), "--stopcheck", "-n", "2", *chosen, *plugin_options(),
                                    *NESTED_RUN_OPTIONS)
    assert config.option.maxschedchunk == chunk


def test_without_earlier_durations_pytest_xdist_keeps_its_own_runs(pytester, rollup_dir):
    config = pytester.parseconfigure(str(rollup_dir), "--stopcheck", "-n", "2", *plugin_options(), *NESTED_RUN_OPTIONS)
    assert config.option.maxschedchunk is None
