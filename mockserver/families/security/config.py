"""The users file of a mock with security on: users, roles, API keys and AWS credentials, validated.

```yaml
users:
  elastic: {password: changeme, roles: [superuser]}
  viewer: {password: viewer-pw, roles: [watcher], backend_roles: [analysts]}   # backend_roles: OpenSearch
roles:
  watcher: {cluster: [monitor]}                         # Elasticsearch cluster privileges
  rollup_admin: {cluster_permissions: ["cluster:admin/opendistro/rollup/*"]}   # OpenSearch permissions
api_keys:
  - {id: key-1, key: key-secret, user: viewer}          # Authorization: ApiKey base64(id:key)
aws:
  - {access_key_id: AKIDEXAMPLE, secret_access_key: aws-secret, user: elastic}   # SigV4-signed requests
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

SUPERUSERS = {"elasticsearch": ("elastic", "superuser"), "opensearch": ("admin", "all_access")}
DEFAULT_PASSWORD = "changeme"


@dataclass(frozen=True)
class User:
    name: str
    password: str
    roles: tuple[str, ...]
    backend_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Role:
    cluster: tuple[str, ...] = ()  # Elasticsearch privileges, or OpenSearch permissions and action groups
    run_as: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApiKey:
    id: str
    key: str
    user: str
    roles: tuple[str, ...] | None = None  # None: the owner's


@dataclass(frozen=True)
class AwsCredentials:
    access_key_id: str
    secret_access_key: str
    user: str


@dataclass(frozen=True)
class SecurityConfig:
    users: Mapping[str, User]
    roles: Mapping[str, Role] = field(default_factory=dict)
    api_keys: Mapping[str, ApiKey] = field(default_factory=dict)
    aws: Mapping[str, AwsCredentials] = field(default_factory=dict)


class ConfigError(ValueError):
    """The users file is not usable; the message says where."""


def default_document(flavour: str) -> dict[str, Any]:
    """The users file of `stopcheck mock --security` without one: the flavour's built-in superuser."""
    name, role = SUPERUSERS[flavour]
    return {"users": {name: {"password": DEFAULT_PASSWORD, "roles": [role]}}}


def parse(document: Any) -> SecurityConfig:
    """A users file's content as a `SecurityConfig`; a problem raises `ConfigError` naming the entry."""
    if not isinstance(document, Mapping):
        raise ConfigError("the users file must be a mapping with users (and optionally roles, api_keys, aws)")
    unknown = sorted(set(document) - {"users", "roles", "api_keys", "aws"})
    if unknown:
        raise ConfigError(f"unknown section [{unknown[0]}]: use users, roles, api_keys and aws")
    users = {name: User(name, _text(entry, "password", f"users.{name}"), _names(entry, "roles", f"users.{name}"),
                        _names(entry, "backend_roles", f"users.{name}", required=False))
             for name, entry in _entries(document, "users")}
    roles = {name: Role(_names(entry, "cluster", f"roles.{name}", required=False)
                        + _names(entry, "cluster_permissions", f"roles.{name}", required=False),
                        _names(entry, "run_as", f"roles.{name}", required=False))
             for name, entry in _entries(document, "roles")}
    keys = [ApiKey(_text(e, "id", f"api_keys.{i}"), _text(e, "key", f"api_keys.{i}"), _owner(e, users, f"api_keys.{i}"),
                   _names(e, "roles", f"api_keys.{i}") if "roles" in e else None)
            for i, e in _items(document, "api_keys")]
    aws = [AwsCredentials(_text(e, "access_key_id", f"aws.{i}"), _text(e, "secret_access_key", f"aws.{i}"),
                          _owner(e, users, f"aws.{i}"))
           for i, e in _items(document, "aws")]
    if not users:
        raise ConfigError("users: at least one user is needed")
    return SecurityConfig(users, roles, {k.id: k for k in keys}, {c.access_key_id: c for c in aws})


def _entries(document: Mapping[str, Any], section: str) -> list[tuple[str, Mapping[str, Any]]]:
    value = document.get(section) or {}
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        raise ConfigError(f"{section}: a mapping from each name to its settings")
    return [(str(name), entry) for name, entry in value.items()]


def _items(document: Mapping[str, Any], section: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = document.get(section) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(f"{section}: a list of entries")
    return list(enumerate(value))


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}.{key}: a non-empty string is needed")
    return value


def _names(entry: Mapping[str, Any], key: str, where: str, required: bool = True) -> tuple[str, ...]:
    value = entry.get(key, None if required else [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key}: a list of names is needed")
    return tuple(value)


def _owner(entry: Mapping[str, Any], users: Mapping[str, User], where: str) -> str:
    name = _text(entry, "user", where)
    if name not in users:
        raise ConfigError(f"{where}.user: no user [{name}] in users")
    return name
