"""Conditions a translated test puts on its target: the dialects' version ranges and skips (see `Condition`)."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from conformance.targets.base import TargetInfo


def _release(text: str) -> Version | None:
    """A target's version without qualifiers (`9.1.0-SNAPSHOT` is 9.1.0), or None if it is not one."""
    try:
        return Version(text.split("-")[0])
    except InvalidVersion:
        return None


@dataclass(frozen=True)
class Never:
    """The test cannot run anywhere, for this reason (an unsupported construct, an API that resolves to nothing)."""

    reason: str

    def unmet(self, target: TargetInfo) -> str | None:
        return self.reason


@dataclass(frozen=True)
class VersionRanges:
    """Elasticsearch YAML version ranges (`min - max`, open ends, `all`, comma-separated): the test runs only
    outside them (`skip`), or only inside them (`requires`, as for `gte_vX` cluster features)."""

    ranges: tuple[tuple[Version, Version | None], ...]
    inside: bool
    reason: str

    @classmethod
    def parse(cls, text: str, inside: bool, reason: str) -> VersionRanges:
        """Raises ValueError on a malformed range."""
        ranges = []
        for part in (p.strip() for p in text.split(",")):
            if part == "all":
                ranges.append((Version("0"), None))
                continue
            low, dash, high = part.partition("-")
            if not dash:
                raise ValueError(f"version range {part!r} is not `min - max`")
            try:
                ranges.append((Version(low.strip() or "0"), Version(high.strip()) if high.strip() else None))
            except InvalidVersion:
                raise ValueError(f"version range {part!r} does not hold versions") from None
        return cls(tuple(ranges), inside, reason)

    def contains(self, version: Version) -> bool:
        return any(low <= version and (high is None or version <= high) for low, high in self.ranges)

    def unmet(self, target: TargetInfo) -> str | None:
        version = _release(target.version)
        if version is None or self.contains(version) != self.inside:
            return f"{self.reason} (target {target.name} runs {target.version})"
        return None


@dataclass(frozen=True)
class NpmRange:
    """A node-semver range, as the OpenSearch spec tester checks `version` (the server's `GET /` version)."""

    range: str
    what: str

    def unmet(self, target: TargetInfo) -> str | None:
        from nodesemver import satisfies

        if satisfies(target.version, self.range, loose=False):
            return None
        return f"{self.what}: version {target.version} of target {target.name} does not satisfy {self.range!r}"


@dataclass(frozen=True)
class Distributions:
    """The OpenSearch spec tester's distribution filter; the distribution is a run setting, not a target fact."""

    distribution: str
    included: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    what: str = "story"

    def holds(self) -> bool:
        return (not self.included or self.distribution in self.included) and self.distribution not in self.excluded

    def unmet(self, target: TargetInfo) -> str | None:
        return None if self.holds() else f"{self.what}: not for distribution {self.distribution}"


@dataclass(frozen=True)
class Variant:
    """One of a story's variants: it runs on targets where each chapter gate holds or fails as assumed."""

    gates: tuple[tuple[NpmRange, bool], ...]

    def unmet(self, target: TargetInfo) -> str | None:
        for gate, holds in self.gates:
            if (gate.unmet(target) is None) != holds:
                verb = "satisfies" if holds else "does not satisfy"
                return f"variant for targets whose version {verb} {gate.range!r}; {target.name} runs {target.version}"
        return None
