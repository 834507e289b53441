"""A real cluster over HTTP(S), with basic auth, API key or bearer token, and TLS options."""

from __future__ import annotations

import base64
import json
import ssl
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import unquote, urlencode, urlsplit

import urllib3

from conformance import redaction
from conformance.targets.base import Request, Response, Target, TargetError, TargetInfo

CREDENTIALS_HINT = ("check --username and $STOPCHECK_PASSWORD (or $STOPCHECK_API_KEY / $STOPCHECK_BEARER_TOKEN, "
                    "or user:password in the URL)")


class Signer(Protocol):
    """Signs each request (AWS SigV4): the headers to add, computed from the method, URL, headers and body."""

    def sign(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]: ...


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
    signer: Signer | None = None

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
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TargetError(f"not a cluster URL: {redaction.url(options.url)!r}",
                              "write it as http(s)://host:port")
        if parts.username is not None and options.username is None:  # https://user:password@host
            options = replace(options, username=unquote(parts.username), password=unquote(parts.password or ""))
        self.base_url = redaction.url(options.url).rstrip("/")
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
        if self._options.signer is not None:
            headers |= self._options.signer.sign(request.method, url, headers, request.body)
        try:
            raw = self._pool.request(request.method, url, body=request.body, headers=headers, redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            raise TargetError(f"{request.method} {self.base_url}{request.path} failed: {exc}", _hint(exc)) from None
        return Response(raw.status, dict(raw.headers), raw.data.decode("utf-8", "replace"))

    def _get_json(self, path: str, params: dict[str, str] | None = None) -> tuple[int, Any]:
        response = self.send(Request("GET", path, params or {}))
        return response.status, response.body

    def discover(self) -> TargetInfo:
        """Flavour and version from `GET /`; features from `_xpack` (Elasticsearch) or the plugin list."""
        status, root = self._get_json("/")
        _check_banner(self.base_url, status, root)
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
                          self.fixture_names(), self._options.consent,
                          distribution=version.get("distribution", ""))

    def fixture_names(self) -> frozenset[str]:
        return frozenset()

    def close(self) -> None:
        self._pool.clear()


def _check_banner(url: str, status: int, root: Any) -> None:
    """`GET /` must answer as Elasticsearch or OpenSearch do; otherwise say what to check."""
    answer = json.dumps(redaction.json_value(root))[:300]
    if status == 401:
        raise TargetError(f"GET {url}/ answered 401 (not authenticated): {answer}", CREDENTIALS_HINT)
    if status == 403:
        raise TargetError(f"GET {url}/ answered 403 (forbidden): {answer}",
                          "the user needs the `monitor` cluster privilege (or more) to run the suite")
    if status != 200 or not isinstance(root, dict) or not isinstance(root.get("version"), dict) \
            or not isinstance(root["version"].get("number"), str):
        raise TargetError(f"GET {url}/ answered {status}, not as Elasticsearch or OpenSearch do "
                          f"(no version.number): {answer}",
                          "check that the URL is the cluster's REST endpoint (not Kibana, OpenSearch Dashboards or "
                          "a proxy's page)")


def _hint(error: urllib3.exceptions.HTTPError) -> str:
    if isinstance(error, urllib3.exceptions.SSLError):
        return ("TLS failed: pass --ca-certs with the CA that signed the cluster's certificate (or --client-cert/"
                "--client-key if it asks for one); check http:// versus https://; --insecure skips verification")
    if isinstance(error, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)):
        return "check the URL (host and port) and that the cluster is running and reachable from here"
    if isinstance(error, urllib3.exceptions.ProtocolError):
        return "the connection broke: check http:// versus https:// and the port"
    return "check the URL and the cluster's health"
