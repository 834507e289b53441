"""One run of a rollup indexer: the pages it reads, at a pace derived from the data, under the cluster's clock.

A triggered run searches its source indices one page (`page_size` documents) at a time and indexes the
rollup documents of each page before it reads the next one. A page takes `SECONDS_PER_DOCUMENT` for every
document it reads, so a job over more data runs longer and a larger page keeps a stop waiting longer: a stop
lets the page in flight finish (`AsyncTwoPhaseIndexer` checks for `STOPPING` between pages).
"""

from __future__ import annotations

from dataclasses import dataclass

SECONDS_PER_DOCUMENT = 0.05


@dataclass(frozen=True)
class Page:
    ends: float
    documents: int


@dataclass
class IndexingRun:
    pages: list[Page]
    reported: int = 0  # how many finished pages the job's stats already count

    @classmethod
    def plan(cls, start: float, documents: int, page_size: int,
             seconds_per_page: float | None = None) -> "IndexingRun":
        """The pages of a run that starts at `start` over `documents` source documents (at least one search,
        even over no data). `seconds_per_page` overrides the pace derived from the data."""
        sizes = [min(page_size, documents - first) for first in range(0, documents, page_size)] or [0]
        pages, ends = [], start
        for size in sizes:
            ends += SECONDS_PER_DOCUMENT * size if seconds_per_page is None else seconds_per_page
            pages.append(Page(ends, size))
        return cls(pages)

    @property
    def ends(self) -> float:
        return self.pages[-1].ends

    def finished(self, now: float) -> list[Page]:
        """The pages done by `now` that the stats do not count yet (they count them from now on)."""
        done = [page for page in self.pages[self.reported:] if page.ends <= now]
        self.reported += len(done)
        return done

    def halt(self, now: float) -> None:
        """Stop after the page in flight at `now`."""
        in_flight = next((i for i, page in enumerate(self.pages) if page.ends > now), len(self.pages) - 1)
        del self.pages[in_flight + 1:]
