"""The target adapter interface: send a request, describe the target, provide fixtures."""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

from conformance import redaction


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        """For reports: secrets redacted, the body as JSON text."""
        return {"method": self.method, "path": self.path, "params": redaction.json_value(self.params),
                "headers": redaction.headers(self.headers),
                "body": redaction.body_text(self.body.decode("utf-8", "replace")) if self.body else None}


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def body(self) -> Any:
        """The JSON body, or the text when it is not JSON (None when empty)."""
        if not self.text:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return self.text

    def as_record(self) -> dict[str, Any]:
        return {"status": self.status, "headers": redaction.headers(self.headers),
                "body": redaction.json_value(self.body)}


@dataclass(frozen=True)
class TargetInfo:
    name: str
    url: str
    flavour: str
    version: str
    features: frozenset[str] = frozenset()
    fixtures: frozenset[str] = frozenset()
    consent: frozenset[str] = frozenset()
    distribution: str = ""  # what `GET /` calls the build (empty: the flavour itself)

    def describe(self) -> str:
        return f"{self.name} ({self.flavour} {self.version} at {self.url})"

    def as_record(self) -> dict[str, Any]:
        record = asdict(self) | {"distribution": self.distribution or self.flavour}
        for key in ("features", "fixtures", "consent"):
            record[key] = sorted(record[key])
        return record


class TargetError(Exception):
    """The target could not be reached or described; `hint` says what to check."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class TargetClock:
    """How time runs on a target, as the runner's `eventually` deadlines and poll intervals see it: a real
    cluster's time is the wall's."""

    def now(self) -> float:
        """Seconds on the target's clock (only differences matter)."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Let `seconds` of the target's time go by."""
        time.sleep(seconds)


WALL_CLOCK = TargetClock()


class Target(ABC):
    """What the runner needs of a cluster. Third-party adapters subclass this and register a factory under the
    `stopcheck.targets` entry-point group."""

    @property
    @abstractmethod
    def info(self) -> TargetInfo: ...

    @abstractmethod
    def send(self, request: Request) -> Response: ...

    @property
    def clock(self) -> TargetClock:
        """The target's time: the wall, unless the adapter runs its own (the bundled mock's is virtual)."""
        return WALL_CLOCK

    def fixture(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        raise TargetError(f"target {self.info.name} provides no fixture {name!r}")

    def close(self) -> None:
        """Release what the adapter holds (servers, connections)."""



class TargetWrapper(Target):
    """A target that hands everything to another; subclasses change what they need (discovery, sending)."""

    def __init__(self, inner: Target) -> None:
        self.inner = inner

    @property
    def info(self) -> TargetInfo:
        return self.inner.info

    def send(self, request: Request) -> Response:
        return self.inner.send(request)

    @property
    def clock(self) -> TargetClock:
        return self.inner.clock

    def fixture(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        return self.inner.fixture(name, args)

    def close(self) -> None:
        self.inner.close()
