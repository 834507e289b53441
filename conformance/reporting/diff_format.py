"""A run diff as text for a terminal, Markdown for a pull request or job summary, and JSON for tools."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from conformance.reporting.diff import KINDS, Change, RunDiff, TargetDiff, counted, kind_title
from conformance.reporting.results import Results, ScenarioResult


def as_text(result: RunDiff) -> str:
    lines = [f"stopcheck diff: {_runs(result.base)} -> {_runs(result.new)}", ""]
    for target in result.targets:
        lines.append(f"{target.label}: {_target_summary(result, target)}")
        for change in target.changes:
            lines.append(f"  {change.kind:<10}  {change.scenario} ({change.current.title}): {_movement(change)}")
            lines += [f"      {name}: {text}" for name, text in _details(result, change)]
    lines += ["", _verdict(result)]
    return "\n".join(lines)


def as_markdown(result: RunDiff) -> str:
    lines = ["## stopcheck diff", "", f"{_md(_runs(result.base))} → {_md(_runs(result.new))}", ""]
    for target in result.targets:
        lines += [f"### {_md(target.label)}: {_md(_target_summary(result, target))}", ""]
        for kind in KINDS:
            changes = target.of(kind)
            if not changes:
                continue
            lines += [f"**{kind_title(kind)}**", ""]
            for change in changes:
                lines.append(f"- `{_code(change.scenario)}` {_md(change.current.title)}: {_md(_movement(change))}")
                lines += [f"  - {name}: {_md(text)}" for name, text in _details(result, change)]
            lines.append("")
    lines.append(f"**{_md(_verdict(result))}**")
    return "\n".join(lines) + "\n"


def as_json(result: RunDiff) -> str:
    document = {
        "base": _runs_record(result.base), "new": _runs_record(result.new),
        "regressions": len(result.regressions),
        "targets": [{"label": t.label, "status": t.status, "changes": [_change_record(result, c) for c in t.changes]}
                    for t in result.targets],
    }
    return json.dumps(document, indent=2)


def _runs(results: Results) -> str:
    return ", ".join(f"run {run.id} ({run.file})" for run in results.runs) or "no run"


def _runs_record(results: Results) -> list[dict[str, str]]:
    return [{"run": run.id, "file": run.file, "started": run.started} for run in results.runs]


def _target_summary(result: RunDiff, target: TargetDiff) -> str:
    if target.status == "added":
        return f"only in the new run ({len(result.new.results_of(target.label))} scenarios)"
    if target.status == "removed":
        return f"only in the base run ({len(result.base.results_of(target.label))} scenarios)"
    counts = [counted(kind, len(target.of(kind))) for kind in KINDS if target.of(kind)]
    problem = result.new.targets[target.label].problem
    return (f"could not be used in the new run ({problem}); " if problem else "") + \
        (", ".join(counts) if counts else "no changes")


def _movement(change: Change) -> str:
    before, after = change.before, change.after
    if before is None:
        return f"new, {_outcome(after)}"
    if after is None:
        return f"removed, was {_outcome(before)}"
    if change.kind in ("slower", "faster"):
        return f"{before.duration:.2f} s -> {after.duration:.2f} s"
    if change.kind == "reason":
        return f"still {after.outcome}, for another reason"
    return f"{_outcome(before)} -> {_outcome(after)}"


def _outcome(record: ScenarioResult | None) -> str:
    return record.outcome if record else "absent"


def _details(result: RunDiff, change: Change) -> list[tuple[str, str]]:
    """Named lines under a change: the documented sentences of a regression, the reasons before and after."""
    details: list[tuple[str, str]] = []
    if change.kind == "regression":
        details += [("documents", f'{result.new.source(d.source).title}: "{d.quote}"') for d in change.current.docs]
    if change.kind in ("reason", "fix", "outcome", "removed") and change.before and change.before.explanation:
        details.append(("was", change.before.explanation))
    if change.after and change.after.outcome != "passed" and change.after.explanation:
        details.append(("now", change.after.explanation))
    return details


def _change_record(result: RunDiff, change: Change) -> dict[str, Any]:
    def side(record: ScenarioResult | None) -> dict[str, Any] | None:
        return None if record is None else {"outcome": record.outcome, "explanation": record.explanation or None,
                                            "duration": record.duration}

    return {"kind": change.kind, "scenario": change.scenario, "title": change.current.title,
            "before": side(change.before), "after": side(change.after),
            "documents": [{"source": d.source, "title": result.new.source(d.source).title, "quote": d.quote}
                          for d in change.current.docs]}


def _verdict(result: RunDiff) -> str:
    return counted("regression", len(result.regressions)) if result.regressions else "no regressions"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def _md(text: str) -> str:
    """Cluster- or document-supplied text shown literally in GitHub Markdown (no markup, no HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", " ")


def _code(text: str) -> str:
    return text.replace("`", "'")
