"""Shared test fixtures: mock servers on 127.0.0.1, ephemeral ports."""

from __future__ import annotations

import gc
from typing import Callable, Iterator

import pytest

from mockserver.families.security.config import default_document
from mockserver.server import MockServer
from mockserver.settings import MockSettings
from mockserver.version import Version


@pytest.fixture(scope="session", autouse=True)
def client_warnings_without_a_stack_walk() -> Iterator[None]:
    """The Elasticsearch client gives each warning it raises (one per deprecation header the mock sends, as real
    clusters do) the stack level of its caller, found by rendering the whole call stack with its source lines:
    tens of milliseconds per warning under pytest. The client's own switch turns that walk off; the warnings are
    still raised, and caught, with the same category and message."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DISABLE_WARN_STACKLEVEL", "1")
        yield


@pytest.fixture
def start_mock() -> Iterator[Callable[..., MockServer]]:
    """Start a mock with the given settings (flavour, version as text, nodes, `clock="manual"`, ...); stopped
    after the test. A manual clock is the server's `cluster.clock`."""
    servers: list[MockServer] = []

    def start(**settings) -> MockServer:
        if isinstance(settings.get("version"), str):
            settings["version"] = Version.parse(settings["version"])
        server = MockServer(MockSettings(**settings)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def secured_mock(start_mock) -> Callable[..., MockServer]:
    """Start a mock with security on: `users` is a users file's content (default: the flavour's superuser,
    `elastic` or `admin`, password `changeme`); other settings as for `start_mock`."""

    def start(users: dict | None = None, **settings) -> MockServer:
        return start_mock(security=users or default_document(settings.get("flavour", "elasticsearch")), **settings)

    return start


@pytest.fixture
def es_mock(start_mock) -> MockServer:
    return start_mock()


@pytest.fixture
def os_mock(start_mock) -> MockServer:
    return start_mock(flavour="opensearch")


pytest_plugins = ["pytester"]
FULL_COLLECTION_EVERY = 100  # collections of the middle generation (CPython's default: 10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` start first (each xdist worker collects the same order). pytest-xdist hands tests out in
    that order, a few at a time (`--maxschedchunk`), so a worker that is free takes the next slow one: the run no
    longer ends on one worker going through the slow tests collected last while the others wait."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish() -> None:
    """The garbage collector's full collections cost the tests seconds of CPU in each process: their objects (mocks,
    clients, nested runs) set off a few dozen, and each went through the whole heap. What exists once the tests are
    collected (the libraries, the collected tests) lives as long as the process, so once collection's garbage is
    collected it is moved out of the collector's sight (`gc.freeze`), and a full collection comes after 100
    collections of the middle generation instead of 10. The young generations are collected as often as before."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


@pytest.fixture(scope="session")
def modules_nested_runs_import() -> None:
    """Imports, once per process, what a nested run of the plugin imports: the bundled mock with every family,
    and the peer dialects. A pytester run forgets the modules first imported during it, so each run would import
    them again, from source and with their assertions rewritten (the plugin's distribution is autoloaded there):
    most of a second per run."""
    import conformance.dialects  # noqa: F401
    import conformance.targets.mock  # noqa: F401
    from mockserver import families

    families.discover()


@pytest.fixture
def pytester(modules_nested_runs_import: None, pytester: pytest.Pytester) -> pytest.Pytester:
    """pytest's own `pytester`, whose runs find the modules they share already imported."""
    return pytester
