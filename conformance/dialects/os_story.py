"""The OpenSearch API-specification story dialect: each story file becomes one stopcheck scenario.

Prologues are the setup, chapters the steps, epilogues the teardown (always run). A chapter expects its status
(200 by default), the JSON content type, and its payload as a partial match (extra keys and items are fine);
`output` values become variables. Version and distribution gates follow the spec tester. Not checked: the
requests and responses against the OpenAPI specification's schemas.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from conformance.dialects.common import item_nodes, line, needs_consent, read_stream, slug
from conformance.dialects.gates import Distributions, Never, NpmRange, Variant
from conformance.documents import LoadError
from conformance.model import Condition, Expectation, Polling, RequestSpec, Requirements, Scenario, Step
from conformance.runner import param_text

DEFAULT_DISTRIBUTION = "opensearch.org"
_STORY_KEYS = {"$schema", "description", "prologues", "chapters", "epilogues", "version", "distributions",
               "warnings"}
_REQUEST_KEYS = {"id", "path", "method", "parameters", "request", "output", "version", "distributions", "retry"}
_CHAPTER_KEYS = _REQUEST_KEYS | {"synopsis", "response", "pending", "warnings"}
_SUPPLEMENTAL_KEYS = _REQUEST_KEYS | {"status", "response"}
_FEATURES = {"/_plugins/_rollup": "rollup", "/_plugins/_security": "security"}
_REFERENCE = re.compile(r"\$\{([^}]+)\}")
_JSON, _NDJSON = "application/json", "application/x-ndjson"


def looks_like(documents: list[Any]) -> bool:
    """Whether parsed YAML documents are a story: one mapping with a list of chapters."""
    return len(documents) == 1 and isinstance(documents[0], dict) and isinstance(documents[0].get("chapters"), list)


def load(path: Path, distribution: str = DEFAULT_DISTRIBUTION) -> list[Scenario]:
    documents = read_stream(path)
    if len(documents) != 1 or not isinstance(documents[0][1], dict):
        raise LoadError(path, 1, "a story is one YAML document: a mapping with a description and chapters")
    node, story = documents[0]
    lines = {k.value: line(v) for k, v in node.value}
    lines |= {f"{k.value}.{i}": line(item) for k, v in node.value for i, item in enumerate(item_nodes(v))}
    return _Story(path, story, distribution, lines).scenarios()


class _Story:
    def __init__(self, path: Path, story: Any, distribution: str, lines: dict[str, int]) -> None:
        self.path, self.story, self.distribution, self.lines = path, story, distribution, lines
        self.outputs: set[str] = set()
        self.unsupported: list[str] = []
        self._check()

    def _error(self, key: str, message: str) -> LoadError:
        return LoadError(self.path, self.lines.get(key, 1), message)

    def _check(self) -> None:
        unknown = sorted(set(self.story) - _STORY_KEYS)
        if unknown:
            raise self._error(unknown[0], f"unknown story key {unknown[0]!r} (known: {', '.join(sorted(_STORY_KEYS))})")
        if not isinstance(self.story.get("description"), str):
            raise self._error("description", "a story needs a `description`")
        for key, allowed in (("prologues", _SUPPLEMENTAL_KEYS), ("chapters", _CHAPTER_KEYS),
                             ("epilogues", _SUPPLEMENTAL_KEYS)):
            entries = self.story.get(key, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise self._error(key, f"`{key}` must be a list of mappings")
            for index, entry in enumerate(entries):
                where = f"{key}[{index}]"
                extra = sorted(set(entry) - allowed)
                if extra:
                    raise self._error(key, f"{where}: unknown key {extra[0]!r}")
                if not isinstance(entry.get("path"), str) or "method" not in entry:
                    raise self._error(key, f"{where}: `path` and `method` are required")
                if key == "chapters" and not isinstance(entry.get("synopsis"), str):
                    raise self._error(key, f"{where}: `synopsis` is required")

    def scenarios(self) -> list[Scenario]:
        """One scenario, or one per combination of the chapters' version gates."""
        entries = [(f"{phase}.{index}", entry) for phase in ("prologues", "chapters", "epilogues")
                   for index, entry in enumerate(self.story.get(phase, [])) if self._included(entry)]
        gates = list(dict.fromkeys(NpmRange(str(e["version"]), "chapter") for _, e in entries if "version" in e))
        scenarios = []
        for assumption in itertools.product((True, False), repeat=len(gates)):
            holding = {gate for gate, holds in zip(gates, assumption) if holds}
            chosen = [(phase, e) for phase, e in entries
                      if "version" not in e or NpmRange(str(e["version"]), "chapter") in holding]
            suffix = "; ".join(f"not {g.range}" for g, holds in zip(gates, assumption) if not holds)
            variant = (Variant(tuple(zip(gates, assumption))),) if gates else ()
            scenarios.append(self._scenario(chosen, f"[{suffix}]" if suffix else "", variant))
        return scenarios

    def _included(self, entry: dict[str, Any]) -> bool:
        """Pending chapters are not run; chapters for other distributions are skipped."""
        filters = entry.get("distributions") or {}
        return "pending" not in entry and Distributions(self.distribution, tuple(filters.get("included", ())),
                                                        tuple(filters.get("excluded", ()))).holds()

    def _scenario(self, entries: list[tuple[str, dict[str, Any]]], suffix: str,
                  variant: tuple[Condition, ...]) -> Scenario:
        self.outputs, self.unsupported = set(), []
        phases: dict[str, list[Step]] = {"prologues": [], "chapters": [], "epilogues": []}
        for where, entry in entries:
            phases[where.split(".")[0]] += self._steps(where, entry)
        conditions: list[Condition] = [Never(reason) for reason in self.unsupported[:1]]
        if "version" in self.story:
            conditions.append(NpmRange(str(self.story["version"]), "story"))
        filters = self.story.get("distributions")
        if filters:
            conditions.append(Distributions(self.distribution, tuple(filters.get("included", ())),
                                            tuple(filters.get("excluded", ()))))
        every = [s for steps in phases.values() for s in steps]
        features = sorted({f for prefix, f in _FEATURES.items() for s in every if s.request.path.startswith(prefix)})
        requires = Requirements("opensearch", features=tuple(features), consent=needs_consent(every),
                                conditions=tuple(conditions) + variant)
        return Scenario(id=f"story.{slug(self.path.parent.name)}.{slug(self.path.stem)}{suffix}",
                        title=self.story["description"] + (f" {suffix}" if suffix else ""), path=self.path,
                        line=1, docs=(), requires=requires, setup=tuple(phases["prologues"]),
                        steps=tuple(phases["chapters"]), teardown=tuple(phases["epilogues"]))

    def _steps(self, where: str, entry: dict[str, Any]) -> list[Step]:
        methods = entry["method"] if isinstance(entry["method"], list) else [entry["method"]]
        steps = []
        for method in methods:
            request = self._request(str(method).upper(), entry)
            if where.startswith("chapters"):
                name = entry["synopsis"] + (f" [{method}]" if len(methods) > 1 else "")
                expectation = self._chapter_expectation(entry.get("response") or {})
            else:
                name = f"{method} {entry['path']}"
                expectation = self._supplemental_expectation(entry)
            retry = entry.get("retry")
            polling = Polling(retry["count"] * retry.get("wait", 1000) / 1000, retry.get("wait", 1000) / 1000) \
                if isinstance(retry, dict) and "count" in retry else None
            steps.append(Step(name, self.lines[where], self.path, request=request, expectations=(expectation,),
                              capture=self._capture(entry, where), eventually=polling))
        return steps

    def _request(self, method: str, entry: dict[str, Any]) -> RequestSpec:
        parameters = self._references(entry.get("parameters") or {})
        path = entry["path"]
        params = {}
        for name, value in parameters.items():
            if "{" + name + "}" in path:
                path = path.replace("{" + name + "}", param_text(value))
            else:
                params[name] = value
        request = entry.get("request") or {}
        headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"),
                            request.get("content_type", _JSON))
        payload = self._references(request.get("payload"))
        if content_type == _NDJSON and isinstance(payload, list):
            return RequestSpec(method, path, params, ndjson=payload, headers=headers)
        if payload is not None and content_type != _JSON:
            self.unsupported.append(f"request content type {content_type} is not supported by stopcheck")
        return RequestSpec(method, path, params, payload, headers=headers)

    def _chapter_expectation(self, response: dict[str, Any]) -> Expectation:
        content_type = response.get("content_type", _JSON)
        body = {"$": {"partial": self._references(response["payload"])}} if "payload" in response else {}
        return Expectation(_statuses(response.get("status", 200)), body=body,
                           headers={"Content-Type": {"matches": "^" + re.escape(content_type)}})

    def _supplemental_expectation(self, entry: dict[str, Any]) -> Expectation:
        response = entry.get("response") or {}
        body = {"$": {"partial": self._references(response["payload"])}} if "payload" in response else {}
        return Expectation(_statuses(entry.get("status", [200, 201])), body=body)

    def _capture(self, entry: dict[str, Any], where: str) -> dict[str, str]:
        capture = {}
        for name, source in (entry.get("output") or {}).items():
            if "id" not in entry:
                raise LoadError(self.path, self.lines[where], "A chapter must have an id to store its output.")
            if isinstance(source, dict):
                if "default" in source:
                    self.unsupported.append(f"output {name}: default values are not supported by stopcheck")
                source = source.get("path", "")
            match = re.fullmatch(r"payload((?:\.[^.\[\]]+|\[\d+\])*)", str(source))
            if match is None:
                raise LoadError(self.path, self.lines[where], f"Unknown output source: {source}.")
            path = re.sub(r"\[(\d+)\]", r".\1", match.group(1)).lstrip(".") or "$"
            capture[_variable(entry["id"], name)] = path
            self.outputs.add(f"{entry['id']}.{name}")
        return capture

    def _references(self, value: Any) -> Any:
        """`${chapter.output}` as the variable holding that output; a reference to no earlier output is an error."""
        if isinstance(value, str):
            def replace(match: re.Match[str]) -> str:
                if match.group(1) not in self.outputs:
                    raise LoadError(self.path, 1, f"The story was defined with incorrect variables: "
                                                  f"${{{match.group(1)}}} is no output of an earlier chapter")
                return "${" + _variable(*match.group(1).split(".", 1)) + "}"
            return _REFERENCE.sub(replace, value)
        if isinstance(value, dict):
            return {self._references(k): self._references(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._references(v) for v in value]
        return value


def _variable(chapter: str, output: str) -> str:
    name = re.sub(r"\W", "_", f"{chapter}__{output}")
    return f"_{name}" if name[0].isdigit() else name


def _statuses(status: Any) -> tuple[int, ...]:
    return tuple(status) if isinstance(status, list) else (int(status),)

