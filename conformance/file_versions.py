"""Work on a file done once per version of it (its modification time and size), however often it is asked for."""

from __future__ import annotations

from functools import lru_cache, wraps
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")
Work = Callable[..., T]  # takes the file's path first, then hashable arguments


def once_per_version(maxsize: int) -> Callable[[Work[T]], Work[T]]:
    """Decorates `work(path, *args)` so that it runs once per version of the file and arguments, the last
    `maxsize` answers kept; what it raises is raised again on every call, and a file that cannot be read is
    left to `work` to explain. The answers are shared: they must not be changed by whoever asked."""
    def decorate(work: Work[T]) -> Work[T]:
        @lru_cache(maxsize=maxsize)
        def for_version(path: Path, version: tuple[int, int], *args: object) -> T:
            return work(path, *args)

        @wraps(work)
        def once(path: Path, *args: object) -> T:
            try:
                stat = path.stat()
            except OSError:
                return work(path, *args)
            return for_version(path, (stat.st_mtime_ns, stat.st_size), *args)

        return once

    return decorate
