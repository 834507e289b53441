"""Cardinality sketches: what a `cardinality` rollup metric (3.5+) keeps in a rolled-up document's `<field>.hll`.

A real cluster stores the bucket's serialised HLL++ sketch there (bytes, base64 in JSON), or null for a bucket
without values, and merges sketches when a search or a second-tier rollup reads them. The byte layout of a real
sketch is not reproduced (UNCONFIRMED; clients treat it as opaque): the mock's sketch is its own marker followed
by the 64-bit hashes of the distinct values, base64-encoded. Merging is a set union and the estimate is the
exact distinct count, where a real sketch only estimates (its tests allow a 5% error).
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from typing import Any, Iterable

from mockserver.errors import IllegalArgument
from mockserver.families.opensearch_rollup.murmur import hash128

DEFAULT_PRECISION_THRESHOLD = 3000
MIN_PRECISION, MAX_PRECISION = 4, 18  # AbstractHyperLogLog's bounds
_MARKER = b"stopcheck-mock-hll:"
_LONG = 1 << 64


def precision_from_threshold(threshold: int) -> int:
    """`Cardinality.precisionFromThreshold`: the HLL precision the target mapping gives a `<field>.hll`."""
    entries = min(math.ceil(threshold / 0.75), _LONG // 2 - 1)  # Kotlin's toLong() saturates
    wrapped = (entries * 4) % _LONG
    bits = 64 if wrapped >= _LONG // 2 else max(1, wrapped.bit_length())  # PackedInts.bitsRequired
    return min(max(bits, MIN_PRECISION), MAX_PRECISION)


def value_hash(text: str) -> int:
    """The hash a sketch keeps for one distinct value (its canonical text)."""
    return hash128(text.encode("utf-8"), 0)[0]


def encode(hashes: Iterable[int]) -> str | None:
    """A sketch of these value hashes; None (stored as null) when there are none."""
    ordered = sorted(set(hashes))
    if not ordered:
        return None
    return base64.b64encode(_MARKER + struct.pack(f">{len(ordered)}Q", *ordered)).decode("ascii")


def decode(value: Any, field: str) -> set[int]:
    """The value hashes of a stored sketch (nothing for null); a clear error for anything that is not one."""
    if value is None:
        return set()
    try:
        raw = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    body = raw[len(_MARKER):]
    if not raw.startswith(_MARKER) or len(body) % 8:
        raise IllegalArgument(f"Field [{field}] does not hold a cardinality sketch written by a rollup job")
    return set(struct.unpack(f">{len(body) // 8}Q", body))


def merged(values: Iterable[Any], field: str) -> set[int]:
    """The union of the stored sketches `values` of `field`."""
    hashes: set[int] = set()
    for value in values:
        hashes |= decode(value, field)
    return hashes
