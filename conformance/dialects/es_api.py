"""Elasticsearch API names (`rollup.stop_job`) to HTTP requests: built by the official client, or read from a
rest-api-spec file the user points to."""

from __future__ import annotations

import inspect
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from conformance.documents import LoadError
from conformance.runner import param_text

_REFERENCE = re.compile(r"\$\{[^}]*\}")


class UnresolvedApi(Exception):
    """An API call that resolves to no request; the message says why (the test's skip reason)."""


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    params: dict[str, Any]
    body: Any = None
    ndjson: list[Any] | None = None


class ApiResolver(Protocol):
    def resolve(self, api: str, params: dict[str, Any], body: Any) -> ApiRequest:
        """The request; raises `UnresolvedApi`."""


def resolve(resolver: ApiResolver, api: str, params: dict[str, Any], body: Any) -> ApiRequest:
    """`resolver.resolve`, with `${variable}` references kept intact through path encoding."""
    tokens: dict[str, str] = {}

    def hide(value: Any) -> Any:
        if isinstance(value, str):
            return _REFERENCE.sub(lambda m: tokens.setdefault(m.group(0), f"zzstash{len(tokens)}zz"), value)
        if isinstance(value, dict):
            return {hide(k): hide(v) for k, v in value.items()}
        if isinstance(value, list):
            return [hide(v) for v in value]
        return value

    def show(value: Any) -> Any:
        if isinstance(value, str):
            for reference, token in tokens.items():
                value = value.replace(token, reference)
            return value
        if isinstance(value, dict):
            return {show(k): show(v) for k, v in value.items()}
        if isinstance(value, list):
            return [show(v) for v in value]
        return value

    request = resolver.resolve(api, hide(params), hide(body))
    return ApiRequest(request.method, show(request.path), show(request.params), show(request.body),
                      show(request.ndjson))


class ClientApis:
    """Requests exactly as the installed `elasticsearch` client builds them (its methods run against a transport
    that records the request instead of sending it)."""

    def __init__(self) -> None:
        try:
            import elasticsearch
        except ImportError:
            raise LoadError(Path("."), 1, "translating Elasticsearch YAML tests needs the elasticsearch client "
                                          "(pip install 'stopcheck[dialects]') or an API specification") from None
        self.version = elasticsearch.__versionstr__
        self._client = _recording_client(elasticsearch.Elasticsearch)

    def resolve(self, api: str, params: dict[str, Any], body: Any) -> ApiRequest:
        method = self._client
        for part in api.split("."):
            method = getattr(method, part, None)
            if method is None or part.startswith("_"):
                raise UnresolvedApi(f"API {api} is unknown to the elasticsearch client {self.version}")
        accepted = inspect.signature(method).parameters
        keyword = {("from_" if k == "from" else k): v for k, v in params.items()}
        extra = {k: params[k if k != "from_" else "from"] for k in keyword if k not in accepted}
        keyword = {k: v for k, v in keyword.items() if k in accepted}
        if body is not None:
            keyword["body"] = body
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                method(**keyword)
        except (TypeError, ValueError) as exc:
            raise UnresolvedApi(f"API {api}: the elasticsearch client {self.version} refuses the call: {exc}") \
                from None
        recorded = self._client.recorded
        ndjson = "ndjson" in (recorded["headers"] or {}).get("content-type", "")
        return ApiRequest(recorded["method"], recorded["path"], {**(recorded["params"] or {}), **extra},
                          None if ndjson else recorded["body"], list(recorded["body"]) if ndjson else None)


def _recording_client(base: type) -> Any:
    class Recording(base):  # type: ignore[misc, valid-type]
        def perform_request(self, method: str, path: str, **kwargs: Any) -> None:
            self.recorded = {"method": method, "path": path, **kwargs}

    return Recording("http://127.0.0.1:9")


class SpecApis:
    """Requests from a rest-api-spec: a JSON file, or a folder of them, mapping API names to their paths."""

    def __init__(self, location: Path) -> None:
        files = sorted(location.rglob("*.json")) if location.is_dir() else [location]
        self.apis: dict[str, Any] = {}
        for file in files:
            try:
                self.apis.update(json.loads(file.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise LoadError(file, 1, f"not a rest-api-spec file: {exc}") from None
        self.location = location

    def resolve(self, api: str, params: dict[str, Any], body: Any) -> ApiRequest:
        spec = self.apis.get(api)
        if not isinstance(spec, dict):
            raise UnresolvedApi(f"API {api} is not in the API specification {self.location}")
        candidates = [p for p in spec.get("url", {}).get("paths", []) if set(p.get("parts", {})) <= set(params)]
        if not candidates:
            raise UnresolvedApi(f"API {api}: no path of the API specification takes the parts "
                                f"{sorted(params)}")
        chosen = max(candidates, key=lambda p: len(p.get("parts", {})))
        parts = chosen.get("parts", {})
        path = re.sub(r"\{(\w+)\}", lambda m: quote(param_text(params[m.group(1)]), safe=",*"), chosen["path"])
        methods = chosen["methods"]
        method = next((m for m in methods if m not in ("GET", "HEAD")), methods[0]) \
            if body is not None and len(methods) > 1 else methods[0]
        query = {k: v for k, v in params.items() if k not in parts}
        if isinstance(body, list):
            return ApiRequest(method, path, query, ndjson=body)
        return ApiRequest(method, path, query, body)

