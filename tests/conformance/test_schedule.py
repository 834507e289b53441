"""Longest first: durations remembered from earlier runs' results files order the next run's scenarios."""

import json
import os

from conformance.schedule import longest_first, remembered


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
