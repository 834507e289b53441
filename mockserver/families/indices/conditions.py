"""The conditions a document write carries (`if_seq_no`, `if_primary_term`, `version`, `version_type`) and the
answers a real cluster gives for them: the setters' 400s, the request validation's 400s (`IndexRequest.validate`,
`DocWriteRequest.validateSeqNoBasedCASParams`) and the engine's 409 when the document moved on
(`VersionConflictEngineException`). External versioning is validated, not modelled."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.errors import IllegalArgument

UNASSIGNED_SEQ_NO = -2  # SequenceNumbers.UNASSIGNED_SEQ_NO: no condition
UNASSIGNED_PRIMARY_TERM = 0
MATCH_ANY = -3  # Versions.MATCH_ANY: no version given
MATCH_DELETED = -4  # Versions.MATCH_DELETED: what a create expects
PRIMARY_TERM = 1  # the term of every shard of the mock (a single node that never failed over)
_VERSION_TYPES = {"internal": "internal", "external": "external", "external_gt": "external",
                  "external_gte": "external_gte"}


@dataclass(frozen=True)
class WriteConditions:
    if_seq_no: int = UNASSIGNED_SEQ_NO
    if_primary_term: int = UNASSIGNED_PRIMARY_TERM
    version: int = MATCH_ANY
    version_type: str = "internal"

    @classmethod
    def parse(cls, if_seq_no: int | None = None, if_primary_term: int | None = None, version: int | None = None,
              version_type: str | None = None) -> WriteConditions:
        """The conditions of a request, refused as the request setters refuse them (`setIfSeqNo`,
        `setIfPrimaryTerm`, `VersionType.fromString`)."""
        if version_type is not None and version_type not in _VERSION_TYPES:
            raise IllegalArgument(f"No version type match [{version_type}]")
        if if_seq_no is not None and if_seq_no < 0 and if_seq_no != UNASSIGNED_SEQ_NO:
            raise IllegalArgument(f"sequence numbers must be non negative. got [{if_seq_no}].")
        if if_primary_term is not None and if_primary_term < 0:
            raise IllegalArgument(f"primary term must be non negative. got [{if_primary_term}]")
        return cls(UNASSIGNED_SEQ_NO if if_seq_no is None else if_seq_no,
                   UNASSIGNED_PRIMARY_TERM if if_primary_term is None else if_primary_term,
                   MATCH_ANY if version is None else version, _VERSION_TYPES[version_type or "internal"])

    @property
    def compare_and_set(self) -> bool:
        return self.if_seq_no != UNASSIGNED_SEQ_NO

    def problems(self, *, create: bool = False, has_id: bool = True) -> list[str]:
        """The validation messages of a write with these conditions, in the order a real cluster lists them; a
        create stops at its first problem (`IndexRequest.validate`)."""
        version = MATCH_DELETED if create and self.version == MATCH_ANY else self.version
        if create:
            if self.version_type != "internal":
                return ["create operations only support internal versioning. use index instead"]
            if version != MATCH_DELETED:
                return ["create operations do not support explicit versions. use index instead"]
            if self.compare_and_set or self.if_primary_term != UNASSIGNED_PRIMARY_TERM:
                return ["create operations do not support compare and set. use index instead"]
        found = []
        if not has_id and (self.version_type != "internal" or version not in (MATCH_DELETED, MATCH_ANY)):
            found.append("an id must be provided if version type or value are set")
        internal = self.version_type == "internal"
        if not (version > 0 or version in (MATCH_ANY, MATCH_DELETED) if internal else version >= 0):
            found.append(f"illegal version value [{version}] for version type [{self.version_type.upper()}]")
        if internal and version not in (MATCH_ANY, MATCH_DELETED):
            found.append("internal versioning can not be used for optimistic concurrency control. Please use "
                         "`if_seq_no` and `if_primary_term` instead")
        if self.compare_and_set and (not internal or version != MATCH_ANY):
            found.append("compare and write operations can not use versioning")
        if self.if_primary_term == UNASSIGNED_PRIMARY_TERM and self.compare_and_set:
            found.append("ifSeqNo is set, but primary term is [0]")
        if self.if_primary_term != UNASSIGNED_PRIMARY_TERM and not self.compare_and_set:
            found.append(f"ifSeqNo is unassigned, but primary term is [{self.if_primary_term}]")
        return found

    def conflict(self, doc_id: str, current_seq_no: int | None) -> str | None:
        """The engine's conflict explanation when the document (its seq_no, None when there is none) does not
        meet the compare-and-set condition, or None when it does or there is no condition."""
        if not self.compare_and_set:
            return None
        required = (f"[{doc_id}]: version conflict, required seqNo [{self.if_seq_no}], primary term "
                    f"[{self.if_primary_term}].")
        if current_seq_no is None:
            return f"{required} but no document was found"
        if (current_seq_no, PRIMARY_TERM) != (self.if_seq_no, self.if_primary_term):
            return f"{required} current document has seqNo [{current_seq_no}] and primary term [{PRIMARY_TERM}]"
        return None
