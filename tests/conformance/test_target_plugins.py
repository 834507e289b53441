"""Third-party adapters are found through the `stopcheck.targets` entry-point group."""

from importlib.metadata import EntryPoint

import conformance.targets as targets
from tests.conformance.fakes import ScriptedTarget


def make_scripted(config):
    return ScriptedTarget(lambda request: (200, {"argument": config.target}))


def test_a_plugged_in_adapter_is_created_by_name(monkeypatch):
    entry = EntryPoint("scripted", f"{__name__}:make_scripted", targets.ENTRY_POINT_GROUP)
    monkeypatch.setattr(targets, "entry_points", lambda group: [entry] if group == targets.ENTRY_POINT_GROUP else [])
    target = targets.create_target(targets.TargetConfig(target="scripted:eu-1"))
    assert isinstance(target, ScriptedTarget)
    assert target.send(targets.Request("GET", "/")).body == {"argument": "scripted:eu-1"}
    assert {"mock", "http", "scripted"} <= set(targets.factories())
