"""The bundled mock: started on 127.0.0.1 on an ephemeral port, one per pytest-xdist worker."""

from __future__ import annotations

import json
from typing import Any

from conformance.targets.base import Request, TargetClock, TargetError
from conformance.targets.http import HttpOptions, HttpTarget
from mockserver.families.security.config import DEFAULT_PASSWORD, SUPERUSERS, default_document
from mockserver.server import MockServer
from mockserver.settings import MockSettings
from mockserver.version import Version

# The mock is disposable: scenarios that stop `_all` jobs may run on it.
MOCK_CONSENT = frozenset({"disposable_cluster"})


class MockClock(TargetClock):
    """The mock's own time: on its virtual clock a poll interval goes by at once, without sleeping."""

    def __init__(self, server: MockServer) -> None:
        self._server = server

    def now(self) -> float:
        return self._server.cluster.clock.now()

    def sleep(self, seconds: float) -> None:
        self._server.pass_time(seconds)


class MockTarget(HttpTarget):
    """An `HttpTarget` whose cluster is a freshly started mock; it also offers the mock's fixtures."""

    def __init__(self, flavour: str = "elasticsearch", version: str | None = None, nodes: int = 2,
                 security: bool = False) -> None:
        """`security`: the mock requires credentials (its default users file); the target signs in as the
        flavour's superuser."""
        settings = MockSettings(flavour=flavour, version=Version.parse(version) if version else None, nodes=nodes,
                                security=default_document(flavour) if security else None)
        self._server = MockServer(settings).start()
        username, password = (SUPERUSERS[flavour][0], DEFAULT_PASSWORD) if security else (None, None)
        super().__init__(HttpOptions(self._server.url, username=username, password=password, consent=MOCK_CONSENT),
                         name="mock")
        self._clock = MockClock(self._server)

    @property
    def clock(self) -> TargetClock:
        return self._clock

    def fixture_names(self) -> frozenset[str]:
        status, body = self._get_json("/_stopcheck/fixtures")
        return frozenset(body["fixtures"]) if status == 200 else frozenset()

    def fixture(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        response = self.send(Request("POST", f"/_stopcheck/fixtures/{name}", {}, json.dumps(args).encode()))
        if response.status != 200:
            raise TargetError(f"fixture {name} failed: {response.status} {response.text[:500]}")
        return response.body

    def close(self) -> None:
        super().close()
        self._server.stop()
