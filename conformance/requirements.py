"""Whether a target can run a scenario, and if not, why (the skip reason)."""

from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from conformance.model import Requirements
from conformance.targets.base import TargetInfo


def version_matches(specifier: str, version: str) -> bool:
    if not specifier:
        return True
    try:
        parsed = Version(version.split("-")[0])
    except InvalidVersion:
        return False
    return parsed in SpecifierSet(specifier)


def unmet(requires: Requirements, target: TargetInfo) -> str | None:
    if requires.flavour != target.flavour:
        return f"needs {requires.flavour}; target {target.name} is {target.flavour}"
    if not version_matches(requires.version, target.version):
        return f"needs version {requires.version}; target {target.name} runs {target.version}"
    reason = next(filter(None, (condition.unmet(target) for condition in requires.conditions)), None)
    if reason:
        return reason
    missing = sorted(set(requires.features) - target.features)
    if missing:
        return f"target {target.name} lacks feature(s) {', '.join(missing)} (not installed, disabled or unlicensed)"
    missing = sorted(set(requires.fixtures) - target.fixtures)
    if missing:
        return f"target {target.name} provides no fixture(s) {', '.join(missing)} (the bundled mock does)"
    missing = sorted(set(requires.consent) - target.consent)
    if missing:
        return (f"needs consent {', '.join(missing)}: it may touch resources this suite did not create; "
                f"pass --allow-disposable only for a cluster you can wipe")
    return None
