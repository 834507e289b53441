"""The hidden `.opendistro-ism-config` index: rollup jobs and their metadata documents.

Every write to any document (job or metadata, any job) takes the next `_seq_no` of its single shard;
`_version` is per document, and a delete leaves a tombstone for `index.gc_deletes` (60 s) so that an id
recreated within that window continues its version.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import Any

from mockserver.errors import VersionConflict
from mockserver.families.opensearch_rollup.errors import CONFIG_INDEX, config_index_not_found

PRIMARY_TERM = 1
GC_DELETES_MILLIS = 60_000


@dataclass(frozen=True)
class ConfigDoc:
    id: str
    body: Any  # a `Rollup` or a `RollupMetadata`
    version: int
    seq_no: int


class ConfigIndex:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.uuid = base64.urlsafe_b64encode(rng.randbytes(16)).decode()[:22]
        self.exists = False
        self.docs: dict[str, ConfigDoc] = {}
        self._tombstones: dict[str, tuple[int, int]] = {}  # id -> (version, deleted at)
        self._next_seq_no = 0

    def require(self) -> None:
        if not self.exists:
            raise config_index_not_found()

    def new_id(self) -> str:
        """An auto-generated document id: 20 base64url characters."""
        return base64.urlsafe_b64encode(self._rng.randbytes(15)).decode()

    def get(self, doc_id: str) -> ConfigDoc | None:
        return self.docs.get(doc_id)

    def _conflict(self, reason: str) -> VersionConflict:
        return VersionConflict(reason, index_uuid=self.uuid, shard="0", index=CONFIG_INDEX)

    def _write(self, doc_id: str, body: Any, now: int) -> ConfigDoc:
        previous = self.docs.get(doc_id)
        if previous is not None:
            version = previous.version + 1
        else:
            tombstone = self._tombstones.pop(doc_id, None)
            version = tombstone[0] + 1 if tombstone and now - tombstone[1] < GC_DELETES_MILLIS else 1
        doc = ConfigDoc(doc_id, body, version, self._next_seq_no)
        self._next_seq_no += 1
        self.docs[doc_id] = doc
        return doc

    def create(self, doc_id: str, body: Any, now: int) -> ConfigDoc:
        """Index with op type CREATE."""
        existing = self.docs.get(doc_id)
        if existing is not None:
            raise self._conflict(f"[{doc_id}]: version conflict, document already exists "
                                 f"(current version [{existing.version}])")
        return self._write(doc_id, body, now)

    def update(self, doc_id: str, body: Any, now: int, if_seq_no: int, if_primary_term: int) -> ConfigDoc:
        """Index guarded by `if_seq_no` / `if_primary_term`."""
        existing = self.docs.get(doc_id)
        if existing is None:
            raise self._conflict(f"[{doc_id}]: version conflict, required seqNo [{if_seq_no}], primary term "
                                 f"[{if_primary_term}]. but no document was found")
        if (existing.seq_no, PRIMARY_TERM) != (if_seq_no, if_primary_term):
            raise self._conflict(f"[{doc_id}]: version conflict, required seqNo [{if_seq_no}], primary term "
                                 f"[{if_primary_term}]. current document has seqNo [{existing.seq_no}] and primary "
                                 f"term [{PRIMARY_TERM}]")
        return self._write(doc_id, body, now)

    def replace(self, doc_id: str, body: Any, now: int) -> ConfigDoc:
        """An unconditional write (the partial updates of `_start` and `_stop`)."""
        return self._write(doc_id, body, now)

    def delete(self, doc_id: str, now: int) -> ConfigDoc:
        existing = self.docs.pop(doc_id)
        doc = ConfigDoc(doc_id, existing.body, existing.version + 1, self._next_seq_no)
        self._next_seq_no += 1
        self._tombstones[doc_id] = (doc.version, now)
        return doc
