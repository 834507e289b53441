"""The Elasticsearch YAML REST test dialect: each test section of a file becomes one stopcheck scenario.

A `do` becomes a request step; the assertions and `set`s after it check and capture its response. The stash
(`$name`, `${name}`) becomes stopcheck variables. `skip`/`requires` become conditions on the target.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import yaml

from conformance.dialects import es_cleanup
from conformance.dialects.common import item_nodes, line, needs_consent, read_stream, slug
from conformance.dialects.es_api import ApiResolver, UnresolvedApi, resolve
from conformance.dialects.gates import Never, VersionRanges
from conformance.documents import LoadError
from conformance.model import Condition, Expectation, RequestSpec, Requirements, Scenario, Step

# The runner features stopcheck provides (`requires.test_runner_features`, legacy `skip.features`).
RUNNER_FEATURES = frozenset({
    "headers", "warnings", "warnings_regex", "allowed_warnings", "allowed_warnings_regex", "contains", "close_to",
    "stash_in_key", "stash_in_path", "embedded_stash_key", "default_shards", "xpack", "catch_unauthorized",
    "skip_os",
})
CATCHES = {"bad_request": (400,), "unauthorized": (401,), "forbidden": (403,), "missing": (404,),
           "request_timeout": (408,), "conflict": (409,), "gone": (410,), "unavailable": (503,)}
_ERRORS = tuple(s.value for s in HTTPStatus if 400 <= s.value < 600)
_OTHER_ERRORS = tuple(s for s in _ERRORS if s not in (400, 401, 403, 404, 408, 409, 410))
_SUCCESS = tuple(s.value for s in HTTPStatus if 200 <= s.value < 300)
# The runner always tolerates this one (legacy templates are used throughout the suites).
_LEGACY_TEMPLATE_WARNING = "Legacy index templates are deprecated in favor of composable templates."
_ASSERTIONS = {"match", "is_true", "is_false", "length", "gt", "gte", "lt", "lte", "contains", "close_to",
               "exists", "not_exists"}
_FEATURES_BY_NAMESPACE = {"rollup": "rollup", "ml": "ml", "security": "security"}
_WHOLE_STASH = re.compile(r"\$([A-Za-z_]\w*)")
_RESERVED = ("run", "target")


class Unsupported(Exception):
    """A construct stopcheck cannot run faithfully: the test is skipped with this reason."""


def looks_like(documents: list[Any]) -> bool:
    """Whether parsed YAML documents are an Elasticsearch YAML test file."""
    sections = [d for d in documents if d is not None]
    return bool(sections) and all(isinstance(d, dict) and all(isinstance(v, list) for v in d.values())
                                  for d in sections) and any(
        isinstance(step, dict) and "do" in step for d in sections for steps in d.values() for step in steps)


def load(path: Path, resolver: ApiResolver) -> list[Scenario]:
    setup: _Section = []
    teardown: _Section = []
    tests: list[tuple[str, int, _Section]] = []
    for node, data in read_stream(path):
        if data is None:
            continue
        if not isinstance(data, dict):
            raise LoadError(path, line(node), "a test document is a mapping of a section name to its steps")
        for key_node, steps_node in node.value:
            name, steps = key_node.value, data[key_node.value]
            if not isinstance(steps, list):
                raise LoadError(path, line(steps_node), f"section {name!r}: expected a list of steps")
            section = list(zip(item_nodes(steps_node), steps))
            if name == "setup":
                setup = section
            elif name == "teardown":
                teardown = section
            else:
                tests.append((name, line(key_node), section))
    return [_Test(path, resolver, name, at).translate(setup, steps, teardown) for name, at, steps in tests]


# A section's steps: each with its node (for its line) and its value.
_Section = list[tuple[yaml.Node, Any]]


@dataclass
class _Call:
    """A `do` being translated: its request and what the assertions after it expect of the response."""

    name: str
    line: int
    request: RequestSpec
    status: tuple[int, ...]
    headers: dict[str, Any]
    body: dict[str, Any] = field(default_factory=dict)
    capture: dict[str, str] = field(default_factory=dict)

    def step(self, file: Path) -> Step:
        return Step(self.name, self.line, file, request=self.request,
                    expectations=(Expectation(self.status, body=self.body, headers=self.headers),),
                    capture=self.capture)

    def expect(self, path: str, spec: dict[str, Any]) -> None:
        if path in self.body:
            earlier = self.body[path]
            self.body[path] = {"all_of": (earlier["all_of"] if "all_of" in earlier else [earlier]) + [spec]}
        else:
            self.body[path] = spec


class _Test:
    def __init__(self, path: Path, resolver: ApiResolver, name: str, line: int) -> None:
        self.path, self.resolver, self.name, self.line = path, resolver, name, line
        self.conditions: list[Condition] = []
        self.features: set[str] = set()
        self.resources: list[tuple[str, str]] = []
        self.settings: list[RequestSpec] = []

    def translate(self, setup: _Section, steps: _Section, teardown: _Section) -> Scenario:
        try:
            phases = [self._steps(section) for section in (setup, steps, teardown)]
            phases[2] += self._cleanup()
        except Unsupported as exc:
            self.conditions.insert(0, Never(str(exc)))
            phases = [[], [], []]
        except UnresolvedApi as exc:
            self.conditions.insert(0, Never(str(exc)))
            phases = [[], [], []]
        requires = Requirements("elasticsearch", features=tuple(sorted(self.features)),
                                consent=needs_consent(s for phase in phases for s in phase),
                                conditions=tuple(self.conditions))
        return Scenario(id=f"es.{self.path.parent.name}.{self.path.stem}.{slug(self.name)}", title=self.name,
                        path=self.path, line=self.line, docs=(), requires=requires,
                        setup=tuple(phases[0]), steps=tuple(phases[1]), teardown=tuple(phases[2]))

    def _steps(self, section: _Section) -> list[Step]:
        steps: list[Step] = []
        call: _Call | None = None
        for index, (node, data) in enumerate(section):
            if not isinstance(data, dict) or len(data) != 1:
                raise LoadError(self.path, line(node), "a step is a mapping with one key (do, match, set, ...)")
            (kind, value), = data.items()
            if kind in ("skip", "requires"):
                if index != 0:
                    raise LoadError(self.path, line(node), f"`{kind}` must be the first step of its section")
                self.conditions += _prerequisites(kind, value, self.path, line(node))
            elif kind == "do":
                made = self._do(dict(value) if isinstance(value, dict) else value, line(node))
                if made is not None:
                    if call is not None:
                        steps.append(call.step(self.path))
                    call = made
            elif kind in _ASSERTIONS or kind == "set":
                if call is None:
                    raise LoadError(self.path, line(node), f"`{kind}` before any `do`: nothing to check")
                call = self._check(call, kind, value, steps)
            else:
                raise Unsupported(f"step `{kind}` (line {line(node)}) is not supported by stopcheck")
        if call is not None:
            steps.append(call.step(self.path))
        return steps

    def _do(self, value: Any, at: int) -> _Call | None:
        """The call a `do` makes, or None for `catch: param` (the runner sends nothing then)."""
        if not isinstance(value, dict):
            raise LoadError(self.path, at, "`do` takes a mapping: the API call and optional catch, headers, ...")
        catch = value.pop("catch", None)
        headers = {str(k): str(_stash(v)) for k, v in (value.pop("headers", None) or {}).items()}
        warnings = {key: list(value.pop(key, None) or ()) for key in
                    ("warnings", "allowed_warnings", "warnings_regex", "allowed_warnings_regex")}
        if "node_selector" in value:
            raise Unsupported(f"`node_selector` (line {at}): stopcheck talks to one node")
        if len(value) != 1:
            raise LoadError(self.path, at, f"`do` must name exactly one API, found {sorted(value) or 'none'}")
        (api, arguments), = value.items()
        if catch == "param":
            return None
        arguments = dict(arguments or {})
        body = _body(arguments.pop("body", None), self.path, at)
        ignore = arguments.pop("ignore", ())
        params = _stash(arguments)
        body = _stash(body)
        request = resolve(self.resolver, api, params, body)
        self.features.update(f for ns, f in _FEATURES_BY_NAMESPACE.items() if api.startswith(f"{ns}."))
        self.resources += es_cleanup.created(api, params, body)
        reset = es_cleanup.settings_reset(api, body)
        if reset:
            self.settings.append(RequestSpec(request.method, request.path, {}, reset))
        spec = RequestSpec(request.method, request.path, request.params, request.body, request.ndjson, headers)
        call = _Call(_describe(api, params), at, spec, (), {})
        if catch is None:
            ignored = tuple(ignore) if isinstance(ignore, list) else (ignore,) if ignore else ()
            call.status = _SUCCESS + ((404,) if request.method == "HEAD" else ()) + tuple(map(int, ignored))
            call.headers = {"Warning": {"warnings": {
                "expected": warnings["warnings"], "expected_regex": warnings["warnings_regex"],
                "allowed": warnings["allowed_warnings"] + [_LEGACY_TEMPLATE_WARNING],
                "allowed_regex": warnings["allowed_warnings_regex"]}}}
        elif catch in CATCHES:
            call.status = CATCHES[catch]
        elif catch == "request":
            call.status = _OTHER_ERRORS
        elif isinstance(catch, str) and len(catch) > 2 and catch.startswith("/") and catch.endswith("/"):
            call.status = _ERRORS
            call.expect("error", {"text_matches": catch[1:-1]})
        else:
            raise Unsupported(f"catch value {catch!r} (line {at}) is not supported")
        return call

    def _check(self, call: _Call, kind: str, value: Any, done: list[Step]) -> _Call:
        """Adds an assertion or a `set` to the call; returns the call later checks attach to."""
        entries = value.items() if isinstance(value, dict) else [(value, None)]
        for raw_path, expected in entries:
            path = _path(str(raw_path))
            if kind == "set":
                call.capture[_variable(str(expected))] = path
                continue
            spec = _matcher(kind, _stash(expected), call.line)
            if set(_references(path) + _references(spec)) & set(call.capture):
                call = self._again(call, done)
            call.expect(path, spec)
        return call

    def _again(self, call: _Call, done: list[Step]) -> _Call:
        """A check compares with a value stashed from the same response: stopcheck captures after checking, so
        the (read-only) request is sent again for it."""
        if call.request.method not in ("GET", "HEAD"):
            raise Unsupported(f"line {call.line}: a check compares with a value stashed from the same response "
                              f"of a {call.request.method}, which stopcheck cannot send twice")
        done.append(call.step(self.path))
        return _Call(f"{call.name} (again, to compare with stashed values)", call.line, call.request, call.status,
                     call.headers)

    def _cleanup(self) -> list[Step]:
        """What the runner's wipe after each test would remove, as steps that accept any answer."""
        requests = [resolve(self.resolver, api, params, None) for api, params in es_cleanup.removals(self.resources)]
        specs = [RequestSpec(r.method, r.path, r.params) for r in requests] + self.settings
        return [Step(f"clean up: {s.method} {s.path}", self.line, self.path, request=s, expectations=(Expectation(),))
                for s in specs]


def _prerequisites(kind: str, value: Any, path: Path, at: int) -> list[Condition]:
    if not isinstance(value, dict):
        raise LoadError(path, at, f"`{kind}` takes a mapping (reason, cluster_features, ...)")
    reason = str(value.get("reason", "no reason given"))
    conditions: list[Condition] = []
    features = value.get("test_runner_features", ()) if kind == "requires" else value.get("features", ())
    for feature in [features] if isinstance(features, str) else features:
        if feature not in RUNNER_FEATURES:
            conditions.append(Never(f"needs runner feature {feature}, which stopcheck does not provide"))
    for feature in _listed(value.get("cluster_features", ())):
        conditions.append(_cluster_feature(feature, present=kind == "requires", reason=reason))
    if kind == "skip":
        if "awaits_fix" in value:
            conditions.append(Never(f"awaits fix: {value['awaits_fix']}"))
        if "version" in value:
            try:
                conditions.append(VersionRanges.parse(str(value["version"]), inside=False,
                                                      reason=f"skipped on versions {value['version']}: {reason}"))
            except ValueError as exc:
                raise LoadError(path, at, f"skip: {exc}") from None
        if "known_issues" in value:
            conditions.append(Never("skip.known_issues: stopcheck cannot tell which cluster features a target has"))
    if "capabilities" in value:
        conditions.append(Never(f"{kind}.capabilities: stopcheck does not query the target's capabilities"))
    return conditions


def _cluster_feature(feature: str, present: bool, reason: str) -> Condition:
    """`gte_vX` is a version bound; other cluster features cannot be read from a target, so such tests skip."""
    match = re.fullmatch(r"gte_v(\d+(?:\.\d+)*)", feature)
    if match is None:
        verb = "needs" if present else "is skipped with"
        return Never(f"{verb} cluster feature {feature}, which stopcheck cannot check on a target: {reason}")
    return VersionRanges.parse(f"{match.group(1)} - ", inside=present,
                               reason=f"{'needs' if present else 'skipped from'} version {match.group(1)}: {reason}")


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or ()]


def _matcher(kind: str, expected: Any, at: int) -> dict[str, Any]:
    if kind == "match":
        if isinstance(expected, str) and len(expected.strip()) > 2 and expected.strip()[0] == expected.strip()[-1] == "/":
            return {"matches": "(?x)" + expected.strip()[1:-1]}
        return {"nullish": True} if expected is None else {"equals": expected}
    if kind in ("is_true", "is_false"):
        return {"truthy": kind == "is_true"}
    if kind in ("exists", "not_exists"):
        return {"absent": kind == "not_exists"}
    if kind == "length":
        return {"length": int(expected)}
    if kind == "contains":
        if isinstance(expected, dict):
            return {"has_item_with": expected}
        if isinstance(expected, str):
            return {"contains": expected}
        raise Unsupported(f"line {at}: `contains` checks an object in a list or a substring, not {expected!r}")
    if kind == "close_to":
        if not isinstance(expected, dict) or expected.keys() != {"value", "error"}:
            raise Unsupported(f"line {at}: `close_to` takes {{value, error}}")
        return {"close_to": expected}
    return {kind: expected}  # gt, gte, lt, lte


def _body(value: Any, path: Path, at: int) -> Any:
    """A body given as text is JSON: one document, or several (one per line of a bulk request)."""
    if not isinstance(value, str):
        return value
    decoder, documents, position = json.JSONDecoder(), [], 0
    text = value.strip()
    while position < len(text):
        try:
            document, position = decoder.raw_decode(text, position)
        except ValueError as exc:
            raise LoadError(path, at, f"body is not JSON: {exc}") from None
        documents.append(document)
        while position < len(text) and text[position].isspace():
            position += 1
    return documents[0] if len(documents) == 1 else documents


def _variable(name: str) -> str:
    name = name.removeprefix("$")
    return f"stash_{name}" if name in _RESERVED else name


def _stash(value: Any) -> Any:
    """Stash references as stopcheck variables: a whole `$name` keeps the value's type; `${name}` embeds it."""
    if isinstance(value, str):
        whole = _WHOLE_STASH.fullmatch(value)
        if whole:
            if whole.group(1) == "body":
                raise Unsupported("`$body` as a value is not supported")
            return "${" + _variable(whole.group(1)) + "}"
        return re.sub(r"\$\{(\w+)\}", lambda m: "${" + _variable(m.group(1)) + "}", value)
    if isinstance(value, dict):
        return {_stash(k): _stash(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stash(v) for v in value]
    return value


def _path(text: str) -> str:
    """A response path: "" and `$body` are the whole body; stashed keys (`nodes.$node.name`) become variables."""
    if text in ("", "$body"):
        return "$"
    if text == "_arbitrary_key_" or "._arbitrary_key_" in text:
        raise Unsupported("`_arbitrary_key_` paths are not supported")
    return ".".join(_stash(part) for part in re.split(r"(?<!\\)\.", text))


def _references(value: Any) -> list[str]:
    return re.findall(r"\$\{([^}]*)\}", json.dumps(value))


def _describe(api: str, params: dict[str, Any]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if isinstance(v, (str, int, float)))
    return f"{api} {shown}"[:100].strip()
