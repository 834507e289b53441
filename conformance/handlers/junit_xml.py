"""junit.xml for CI: one test suite per target, one test case per scenario, the record's facts as properties."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conformance.events import Event, RunFinished, RunStarted, ScenarioFinished
from conformance.handlers.files import write_atomic


class JunitXml:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "junit.xml"
        self.started = ""
        self.strict = False
        self.targets: dict[str, dict[str, Any]] = {}
        self.records: dict[str, list[dict[str, Any]]] = {}

    def handle(self, event: Event) -> None:
        match event:
            case RunStarted(started=started, targets=targets, expectations=expectations):
                self.started, self.strict = started, bool(expectations and expectations["strict"])
                self.targets = {t["label"]: t for t in targets}
            case ScenarioFinished(record=record):
                self.records.setdefault(record["target"], []).append(record)
            case RunFinished():
                self._write()

    def _write(self) -> None:
        root = ET.Element("testsuites", name="stopcheck")
        for label, target in self.targets.items():
            records = self.records.get(label, [])
            if records or target["problem"]:
                root.append(self._suite(target, records))
        for key in ("tests", "failures", "errors", "skipped"):
            root.set(key, str(sum(int(s.get(key, 0)) for s in root)))
        ET.indent(root)
        write_atomic(self.path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")

    def _suite(self, target: dict[str, Any], records: list[dict[str, Any]]) -> ET.Element:
        suite = ET.Element("testsuite", name=target["label"], timestamp=self.started)
        properties = ET.SubElement(suite, "properties")
        for key in ("name", "url", "flavour", "version", "distribution", "problem"):
            if target.get(key):
                ET.SubElement(properties, "property", name=key, value=str(target[key]))
        if target["problem"]:
            case = ET.SubElement(suite, "testcase", classname=target["label"], name="target discovery", time="0")
            ET.SubElement(case, "error", message=target["problem"]).text = target["problem"]
        for record in records:
            suite.append(self._case(record))
        cases = list(suite.iter("testcase"))
        suite.set("tests", str(len(cases)))
        for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            suite.set(key, str(sum(1 for case in cases if case.find(tag) is not None)))
        suite.set("time", f"{sum(r['duration'] for r in records):.3f}")
        return suite

    def _case(self, record: dict[str, Any]) -> ET.Element:
        case = ET.Element("testcase", classname=record["family"], name=record["id"], file=record["file"],
                          time=f"{record['duration']:.3f}")
        properties = ET.SubElement(case, "properties")
        facts = [("target", record["target"]), ("outcome", record["outcome"]), ("prefix", record["prefix"])]
        facts += [("documented", f'{d["source"]}: "{d["quote"]}"') for d in record["docs"]]
        expected = record["expected_failure"]
        if expected:
            facts += [("expected_failure", expected["reason"]), ("expected_failure_link", expected["link"]),
                      ("expected_failure_stale", str(expected["stale"]).lower())]
        for name, value in facts:
            if value is not None:
                ET.SubElement(properties, "property", name=name, value=value)
        outcome, reason = record["outcome"], record["reason"] or ""
        if outcome in ("failed", "error"):
            tag = "failure" if outcome == "failed" else "error"
            ET.SubElement(case, tag, message=reason).text = record["failure"]["message"]
        elif outcome == "skipped":
            ET.SubElement(case, "skipped", message=reason)
        elif outcome == "expected-fail":
            ET.SubElement(case, "skipped", type="expected-fail", message=f"expected to fail: {expected['reason']}")
        elif expected and expected["stale"] and self.strict:
            ET.SubElement(case, "failure", message="listed as expected to fail, but passed (--strict)")
        return case
