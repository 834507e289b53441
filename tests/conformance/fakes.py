"""An in-memory target for runner tests: answers from a script and records what it was sent."""

from __future__ import annotations

import json
from typing import Any, Callable

from conformance.targets.base import WALL_CLOCK, Request, Response, Target, TargetClock, TargetInfo

Answer = Callable[[Request], tuple[int, Any]]


class ScriptedTarget(Target):
    def __init__(self, answer: Answer, flavour: str = "elasticsearch", version: str = "8.17.0",
                 fixtures: frozenset[str] = frozenset(), consent: frozenset[str] = frozenset(),
                 clock: TargetClock = WALL_CLOCK) -> None:
        self._answer = answer
        self._clock = clock
        self._info = TargetInfo("scripted", "memory://", flavour, version, frozenset({"rollup"}), fixtures, consent)
        self.sent: list[Request] = []
        self.fixtures_used: list[tuple[str, dict[str, Any]]] = []

    @property
    def info(self) -> TargetInfo:
        return self._info

    @property
    def clock(self) -> TargetClock:
        return self._clock

    def send(self, request: Request) -> Response:
        self.sent.append(request)
        status, body = self._answer(request)
        return Response(status, {"content-type": "application/json"}, json.dumps(body))

    def fixture(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        self.fixtures_used.append((name, args))
        return {"made": args}
