"""A real cluster over HTTP(S), with basic auth, API key or bearer token, and TLS options."""

from __future__ import annotations

import base64
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3

from conformance.targets.base import Request, Response, Target, TargetError, TargetInfo


@dataclass(frozen=True)
class HttpOptions:
    """How to reach and authenticate to a cluster. Secrets live here only, never in records."""

    url: str
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    bearer_token: str | None = None
    ca_certs: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False
    consent: frozenset[str] = frozenset()
    timeout: float = 120.0

    def auth_headers(self) -> dict[str, str]:
        if self.api_key:
            return {"Authorization": f"ApiKey {self.api_key}"}
        if self.bearer_token:
            return {"Authorization": f"Bearer {self.bearer_token}"}
        if self.username is not None:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            return {"Authorization": f"Basic {token}"}
        return {}

    def __repr__(self) -> str:  # never print secrets
        return f"HttpOptions(url={self.url!r})"


class HttpTarget(Target):
    def __init__(self, options: HttpOptions, name: str = "http") -> None:
        parts = urlsplit(options.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TargetError(f"not a cluster URL: {options.url!r} (expected http(s)://host:port)")
        self.base_url = options.url.rstrip("/")
        self._options = options
        self._name = name
        pool_args: dict[str, Any] = {"timeout": urllib3.Timeout(connect=10, read=options.timeout), "retries": False}
        if parts.scheme == "https":
            pool_args |= {"cert_reqs": ssl.CERT_NONE if options.insecure else ssl.CERT_REQUIRED,
                          "ca_certs": options.ca_certs, "cert_file": options.client_cert,
                          "key_file": options.client_key}
            if options.insecure:
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._pool = urllib3.PoolManager(**pool_args)
        self._info: TargetInfo | None = None

    @property
    def info(self) -> TargetInfo:
        if self._info is None:
            self._info = self.discover()
        return self._info

    def send(self, request: Request) -> Response:
        url = self.base_url + request.path + (f"?{urlencode(request.params)}" if request.params else "")
        headers = {"Accept": "application/json", **request.headers, **self._options.auth_headers()}
        if request.body is not None and not any(k.lower() == "content-type" for k in request.headers):
            headers["Content-Type"] = "application/json"
        try:
            raw = self._pool.request(request.method, url, body=request.body, headers=headers, redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            raise TargetError(f"{request.method} {self.base_url}{request.path} failed: {exc}") from None
        return Response(raw.status, dict(raw.headers), raw.data.decode("utf-8", "replace"))

    def _get_json(self, path: str, params: dict[str, str] | None = None) -> tuple[int, Any]:
        response = self.send(Request("GET", path, params or {}))
        return response.status, response.body

    def discover(self) -> TargetInfo:
        """Flavour and version from `GET /`; features from `_xpack` (Elasticsearch) or the plugin list."""
        status, root = self._get_json("/")
        if status != 200 or not isinstance(root, dict) or "version" not in root:
            raise TargetError(f"GET {self.base_url}/ answered {status}: {json.dumps(root)[:300]}")
        version = root["version"]
        flavour = "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"
        features: set[str] = set()
        if flavour == "elasticsearch":
            status, xpack = self._get_json("/_xpack")
            if status == 200 and isinstance(xpack, dict):
                for name, state in xpack.get("features", {}).items():
                    if state.get("available") and state.get("enabled"):
                        features.add(name)
        else:
            status, plugins = self._get_json("/_cat/plugins", {"format": "json"})
            components = {p.get("component") for p in plugins} if status == 200 and isinstance(plugins, list) else set()
            if "opensearch-index-management" in components:
                features.add("rollup")
            if "opensearch-security" in components:
                features.add("security")
        return TargetInfo(self._name, self.base_url, flavour, version["number"], frozenset(features),
                          self.fixture_names(), self._options.consent)

    def fixture_names(self) -> frozenset[str]:
        return frozenset()

    def close(self) -> None:
        self._pool.clear()
