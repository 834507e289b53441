"""The self-contained HTML report: a headline per target, the compatibility matrix, failures that open in place,
filters, and changes against a baseline run. No network, no external assets; all cluster text is escaped."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from conformance.reporting.diff import diff
from conformance.reporting.matrix import build_matrix
from conformance.reporting.results import NOT_APPLICABLE, OUTCOMES, Results, Target

BODY_LINES = 200  # longer bodies are cut in the transcript, with a note


@dataclass(frozen=True)
class Headline:
    target: Target
    counts: Counter[str]
    regressions: int | None = None  # against the baseline, when there is one
    fixes: int | None = None

    @property
    def applicable(self) -> int:
        """Everything that ran on the target and was not skipped."""
        return sum(n for outcome, n in self.counts.items() if outcome not in NOT_APPLICABLE)

    @property
    def conformance(self) -> float | None:
        """passed / applicable, or None when nothing applied."""
        return self.counts["passed"] / self.applicable if self.applicable else None


def render_report(results: Results, baseline: Results | None = None) -> str:
    changes = {t.label: t for t in diff(baseline, results).targets} if baseline else {}
    headlines = [Headline(target, results.counts(label),
                          len(changes[label].of("regression")) if label in changes else None,
                          len(changes[label].of("fix")) if label in changes else None)
                 for label, target in results.targets.items()]
    static = files(__package__) / "static"
    return _environment().get_template("report.html.j2").render(
        results=results, baseline=baseline, headlines=headlines, matrix=build_matrix(results, baseline),
        outcomes=OUTCOMES, style=Markup((static / "report.css").read_text(encoding="utf-8")),
        script=Markup((static / "report.js").read_text(encoding="utf-8")))


def write_report(results: Results, output: Path, baseline: Results | None = None) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_report(results, baseline), encoding="utf-8")
    return output


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader(__package__, "templates"), autoescape=select_autoescape(
        enabled_extensions=("html", "j2"), default_for_string=True), undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(body=_body, request_line=_request_line, percent=_percent, when=_when,
                               file_name=lambda path: Path(path).name)
    return environment


def _body(body: Any) -> str:
    """A request or response body for reading: JSON indented, text as it is, long ones cut."""
    if body is None or body == "":
        return "(empty body)"
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            text = body
        else:
            text = json.dumps(body, indent=2, ensure_ascii=False)
    else:
        text = json.dumps(body, indent=2, ensure_ascii=False)
    lines = text.splitlines()
    return "\n".join(lines[:BODY_LINES] + ([f"... ({len(lines) - BODY_LINES} more lines)"]
                                           if len(lines) > BODY_LINES else []))


def _request_line(request: dict[str, Any]) -> str:
    params = request.get("params") or {}
    return f"{request.get('method', '?')} {request.get('path', '')}" + (f"?{urlencode(params)}" if params else "")


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _when(timestamp: str | None) -> str:
    if not timestamp:
        return "unknown"
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return timestamp
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".strip()
