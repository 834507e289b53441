"""Named targets: clusters described once in `stopcheck.toml` (or the `[tool.stopcheck]` table of pyproject.toml)
and run by name (`--target staging`). Secrets are never written there: the file names the environment variables
that hold them (`password_env = "ES_PASSWORD"`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from conformance.redaction import is_secret_key
from conformance.requirements import version_matches
from conformance.schemas import store
from conformance.targets.base import Target, TargetError, TargetInfo, TargetWrapper
from conformance.targets.http import HttpOptions
from conformance.targets.specs import is_url

TARGETS_FILE = "stopcheck.toml"
PYPROJECT = "pyproject.toml"
SCHEMA = "targets.schema.json"
DISPOSABLE = "disposable_cluster"
_SECRETS = {"basic": "password_env", "api_key": "api_key_env", "bearer": "token_env"}


class TargetsFileError(Exception):
    """The targets file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class NamedTarget:
    name: str
    url: str
    folder: Path  # relative TLS file names are read from the targets file's folder
    auth: str = "none"
    username: str | None = None
    password_env: str | None = None
    api_key_env: str | None = None
    token_env: str | None = None
    region: str | None = None
    service: str = "es"
    ca_certs: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False
    flavour: str | None = None
    version: str | None = None
    allow_disposable: bool = False

    @property
    def consent(self) -> frozenset[str]:
        return frozenset({DISPOSABLE}) if self.allow_disposable else frozenset()

    def http_options(self, environ: Mapping[str, str], consent: frozenset[str]) -> HttpOptions:
        """How to reach it, with the secrets read from the environment variables the file names."""
        secrets = {key: self._secret(environ, key) for key in (_SECRETS.get(self.auth),) if key}
        signer = None
        if self.auth == "sigv4":
            from conformance.targets.sigv4 import SigV4Signer

            signer = SigV4Signer.from_environment(self.region or "", self.service)
        return HttpOptions(
            url=self.url, username=self.username if self.auth == "basic" else None,
            password=secrets.get("password_env"), api_key=secrets.get("api_key_env"),
            bearer_token=secrets.get("token_env"), ca_certs=self._path(self.ca_certs),
            client_cert=self._path(self.client_cert), client_key=self._path(self.client_key),
            insecure=self.insecure, consent=consent | self.consent, signer=signer)

    def _secret(self, environ: Mapping[str, str], key: str) -> str:
        variable = getattr(self, key)
        if not environ.get(variable):
            raise TargetError(f"target {self.name}: ${variable} is not set",
                              f"export {variable}=... (the targets file names it as {key} of [targets.{self.name}])")
        return environ[variable]

    def _path(self, name: str | None) -> str | None:
        return str(self.folder / name) if name else None


class CheckedTarget(TargetWrapper):
    """A named target as the run sees it: its name, its consent, and discovery checked against the flavour and
    version the file expects (a mismatch makes the target unusable before anything runs)."""

    def __init__(self, inner: Target, named: NamedTarget) -> None:
        super().__init__(inner)
        self._named = named
        self._info: TargetInfo | None = None

    @property
    def info(self) -> TargetInfo:
        if self._info is None:
            found = self.inner.info
            mismatch = expectation_mismatch(self._named, found)
            if mismatch:
                raise TargetError(f"target {self._named.name} is {found.flavour} {found.version}, but the targets "
                                  f"file expects {mismatch}",
                                  f"check its url, or its flavour/version in [targets.{self._named.name}]")
            self._info = replace(found, name=self._named.name, consent=found.consent | self._named.consent)
        return self._info


def expectation_mismatch(named: NamedTarget, info: TargetInfo) -> str | None:
    """What the file expects that the discovered target is not (None: all as expected)."""
    wrong_flavour = named.flavour is not None and named.flavour != info.flavour
    wrong_version = named.version is not None and not version_matches(named.version, info.version)
    if not (wrong_flavour or wrong_version):
        return None
    return " ".join(part for part in (named.flavour, named.version) if part)


def find(directory: Path) -> Path | None:
    """`stopcheck.toml` in the folder, else its pyproject.toml if that has a `[tool.stopcheck]` table."""
    own = directory / TARGETS_FILE
    if own.is_file():
        return own
    pyproject = directory / PYPROJECT
    if pyproject.is_file() and "tool" in (data := _read(pyproject)) and "stopcheck" in data["tool"]:
        return pyproject
    return None


def for_folder(given: str | None, folder: Path) -> dict[str, NamedTarget]:
    """The named targets of the file given (relative to the folder), or of the one found in the folder."""
    path = folder / given if given else find(folder)
    return load(path) if path else {}


def load(path: Path) -> dict[str, NamedTarget]:
    """The named targets of a file, validated; a problem is a `TargetsFileError` naming the file and entry."""
    data = _read(path)
    table = data.get("tool", {}).get("stopcheck", {}) if path.name == PYPROJECT else data
    where = "[tool.stopcheck]" if path.name == PYPROJECT else ""
    if not isinstance(table, dict):
        raise TargetsFileError(f"{path}: {where or 'the file'} must be a table")
    for name, entry in (table.get("targets") or {}).items():
        for key in entry if isinstance(entry, dict) else ():
            if is_secret_key(key):
                raise TargetsFileError(
                    f"{path}: targets.{name}.{key}: secrets are not written in the targets file; name the "
                    f"environment variable that holds it instead ({_env_key(key)} = \"MY_VARIABLE\")")
    error = store().first_error(SCHEMA, table)
    if error is not None:
        location = ".".join(map(str, error.absolute_path)) or "(top level)"
        raise TargetsFileError(f"{path}: {where}{' ' if where else ''}{location}: {error.message}")
    return {name: _named(path, name, entry) for name, entry in (table.get("targets") or {}).items()}


def _named(path: Path, name: str, entry: dict[str, Any]) -> NamedTarget:
    named = NamedTarget(name=name, folder=path.parent, **entry)
    problem = _problem(named)
    if problem:
        raise TargetsFileError(f"{path}: targets.{name}: {problem}")
    return named


def _problem(named: NamedTarget) -> str | None:
    if named.version is not None:
        try:
            SpecifierSet(named.version)
        except InvalidSpecifier:
            return f"version {named.version!r} is not a version range (use e.g. \">=8.10\" or \"==2.19.0\")"
    needed = {"basic": ("username", "password_env"), "api_key": ("api_key_env",), "bearer": ("token_env",),
              "sigv4": ("region",)}.get(named.auth, ())
    missing = [key for key in needed if getattr(named, key) is None]
    if missing:
        return f"auth = \"{named.auth}\" needs {' and '.join(missing)}"
    if named.auth != "none" and not is_url(named.url):
        return f"auth applies to a cluster URL (http:// or https://), not to {named.url!r}"
    return None


def _env_key(key: str) -> str:
    return {"password": "password_env", "api_key": "api_key_env", "apikey": "api_key_env"}.get(key, "token_env")


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except OSError as exc:
        raise TargetsFileError(f"{path}: cannot read the file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetsFileError(f"{path}: TOML syntax error: {exc}") from None
