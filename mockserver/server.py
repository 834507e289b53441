"""Run the mock on a background thread (for adapters and tests) or in the foreground (for `stopcheck mock`)."""

from __future__ import annotations

import asyncio
import gc
import ssl
import threading
from concurrent.futures import Future

from aiohttp import web

from mockserver.app import build_server
from mockserver.cluster import Cluster
from mockserver.settings import MockSettings


class MockServer:
    """A mock cluster listening on 127.0.0.1, served from its own thread and event loop."""

    def __init__(self, settings: MockSettings | None = None, host: str = "127.0.0.1", port: int = 0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.cluster = Cluster(settings or MockSettings())
        self._host, self._port = host, port
        self._ssl_context = ssl_context
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="stopcheck-mock", daemon=True)
        self._runner: web.ServerRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{self._host}:{self.port}"

    def start(self) -> "MockServer":
        self._thread.start()
        self.port = self._run(self._start())
        return self

    async def _start(self) -> int:
        self._runner = web.ServerRunner(build_server(self.cluster))
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, ssl_context=self._ssl_context)
        await site.start()
        return self._runner.addresses[0][1]

    def pass_time(self, seconds: float) -> None:
        """Let `seconds` of the mock's time go by, from another thread: at once on a virtual or manual clock,
        waited out on a system clock."""
        self._run(self.cluster.clock.pass_time(seconds), timeout=seconds + 30)

    def open_connections(self) -> int:
        """How many client connections the server holds open."""
        return self._run(self._count_connections())

    async def _count_connections(self) -> int:
        return len(self._runner.server.connections) if self._runner else 0

    def stop(self) -> None:
        if self._runner is not None:
            self._run(self._runner.cleanup())
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _run(self, coroutine, timeout: float = 30) -> object:
        future: Future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=timeout)

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(settings: MockSettings, host: str, port: int) -> None:
    """Serve in the foreground until interrupted, announcing the URL (with the real port when `port` is 0)."""
    server = MockServer(settings, host=host, port=port).start()
    exempt_startup_from_collections()
    print(f"stopcheck mock: {settings.flavour} {settings.version} on {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def exempt_startup_from_collections() -> None:
    """Leave what start-up made (modules, classes, routes, the cluster's first state: about 50k objects) out of every
    later garbage collection, once its garbage is collected. A full collection otherwise walks all of them, a pause
    of 5-30 ms that holds up hundreds of requests, whenever the objects kept since the last one outnumber a quarter
    of them; the first comes due soon after start-up. For a process that is the mock alone: it changes the process's
    collector. What start-up made is still freed by reference counting; only a cycle among it would stay."""
    gc.collect()
    gc.freeze()
