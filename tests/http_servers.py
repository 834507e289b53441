"""Plain HTTP servers that stand in, in the tests, for what is not a cluster (a web page, a recording fake)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Iterator

# How often the serving thread looks whether it should stop: the end of each test waits up to this long (the
# standard library's default, half a second, would be most of such a test's time).
POLL_SECONDS = 0.01


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` from a thread on an ephemeral port of 127.0.0.1; the server's URL, until the block ends."""
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
