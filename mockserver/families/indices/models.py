"""In-memory indices: mappings, documents and sequence numbers. No HTTP here."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from mockserver.clock import Clock
from mockserver.errors import ApiError, IllegalArgument, IndexNotFound, ResourceAlreadyExists, VersionConflict
from mockserver.families.indices.conditions import PRIMARY_TERM, WriteConditions
from mockserver.families.indices.query import matches, to_millis
from mockserver.family import Hooks
from mockserver.wildcard import is_simple_pattern, simple_match

# answers a search of these indices itself (as a plugin's search interceptor does), or None to let it run
SearchInterceptor = Callable[[list["Index"], dict[str, Any]], "dict[str, Any] | None"]

_FORBIDDEN = set('\\/*?"<>| ,')


class IndexTemplateMissing(ApiError):
    type, status = "index_template_missing_exception", 404


class InvalidIndexName(ApiError):
    type, status = "invalid_index_name_exception", 400


@dataclass
class Document:
    id: str
    source: dict[str, Any]
    version: int
    seq_no: int


@dataclass
class Index:
    name: str
    uuid: str
    mappings: dict[str, Any] = field(default_factory=lambda: {"properties": {}})
    settings: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, Document] = field(default_factory=dict)
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)  # alias name -> its options
    next_seq_no: int = 0

    @property
    def meta(self) -> dict[str, Any]:
        return self.mappings.get("_meta", {})

    def field_type(self, path: str) -> str | None:
        """The mapped type of a dotted field (`keyword` for a `.keyword` multi-field)."""
        node: dict[str, Any] = self.mappings
        parts = path.split(".")
        for i, part in enumerate(parts):
            props = node.get("properties", {})
            if part in props:
                node = props[part]
            elif part in node.get("fields", {}) and i == len(parts) - 1:
                node = node["fields"][part]
            else:
                return None
        return node.get("type", "object" if "properties" in node else None)

    def write(self, doc_id: str, source: dict[str, Any]) -> tuple[Document, bool]:
        _merge_dynamic(self.mappings, source)
        previous = self.docs.get(doc_id)
        doc = Document(doc_id, source, previous.version + 1 if previous else 1, self.next_seq_no)
        self.next_seq_no += 1
        self.docs[doc_id] = doc
        return doc, previous is None

    def remove(self, doc_id: str) -> Document | None:
        doc = self.docs.pop(doc_id, None)
        if doc is not None:
            self.next_seq_no += 1
        return doc

    def search(self, query: dict[str, Any] | None) -> list[Document]:
        return [d for d in self.docs.values() if matches(query, d.id, d.source)]


def _infer_type(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "long"}
    if isinstance(value, float):
        return {"type": "float"}
    if isinstance(value, dict):
        properties: dict[str, Any] = {}
        _merge_dynamic({"properties": properties}, value)
        return {"properties": properties}
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value) and to_millis(value) is not None:
        return {"type": "date"}
    return {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}


def _merge_dynamic(mapping: dict[str, Any], source: dict[str, Any]) -> None:
    properties = mapping.setdefault("properties", {})
    for key, value in source.items():
        if value is None:
            continue
        sample = value[0] if isinstance(value, list) and value else value
        if isinstance(sample, list):
            continue
        if key not in properties:
            properties[key] = _infer_type(sample)
        elif isinstance(sample, dict) and "properties" in properties[key]:
            _merge_dynamic(properties[key], sample)


def _name_problem(name: str) -> str | None:
    """`validateIndexOrAliasName`: the static rules of index and alias names, in their order."""
    if bad := sorted(_FORBIDDEN & set(name)):
        return f"must not contain the following characters {bad}"
    for char in "#:":
        if char in name:
            return f"must not contain '{char}'"
    if name[:1] in ("_", "-", "+"):
        return "must not start with '_', '-', or '+'"
    if len(name.encode()) > 255:
        return f"index name is too long, ({len(name.encode())} > 255)"
    if name in (".", ".."):
        return "must not be '.' or '..'"
    return None


def validate_index_name(name: str) -> None:
    """`validateIndexName`: the static rules, then the case; a name starting with `_` is never an index name."""
    why = _name_problem(name) or ("must be lowercase" if name != name.lower() else None)
    if why:
        raise InvalidIndexName(f"Invalid index name [{name}], {why}", index=name, index_uuid="_na_")


class InvalidAliasName(ApiError):
    type, status = "invalid_alias_name_exception", 400


def validate_alias_name(name: str) -> None:
    """`AliasValidator.validateAliasStandalone`: the static rules only (an alias may have capitals)."""
    if why := _name_problem(name):
        raise InvalidAliasName(f"Invalid alias name [{name}], {why}", index=name, index_uuid="_na_")


@dataclass
class LegacyTemplate:
    """A legacy index template (`PUT _template/<name>`): what indices matching its patterns start with."""

    name: str
    index_patterns: list[str]
    order: int = 0
    version: int | None = None
    mappings: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, Any] = field(default_factory=dict)

    def matches(self, index: str) -> bool:
        return any(simple_match(pattern, index) for pattern in self.index_patterns)

    def document(self) -> dict[str, Any]:
        """As `GET _template` shows it."""
        doc: dict[str, Any] = {"order": self.order}
        if self.version is not None:
            doc["version"] = self.version
        return doc | {"index_patterns": self.index_patterns, "settings": self.settings, "mappings": self.mappings,
                      "aliases": self.aliases}


def merged(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`overlay` on top of `base`, objects merged key by key (as templates and a create request's mappings are)."""
    result = dict(base)
    for key, value in overlay.items():
        result[key] = merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) \
            else value
    return result


class IndexStore(Hooks):
    """Every index of the cluster; the families that read or write documents share it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.indices: dict[str, Index] = {}
        self.templates: dict[str, LegacyTemplate] = {}
        self._interceptors: list[SearchInterceptor] = []

    def intercept_searches(self, interceptor: SearchInterceptor) -> None:
        """Let a family that depends on the indices answer some searches itself (e.g. of rollup indices)."""
        self._interceptors.append(interceptor)

    def intercepted(self, indices: list[Index], body: dict[str, Any]) -> dict[str, Any] | None:
        """The answer of the first interceptor that takes this search, or None."""
        for interceptor in self._interceptors:
            answer = interceptor(indices, body)
            if answer is not None:
                return answer
        return None

    def create(self, name: str, mappings: dict[str, Any] | None = None,
               settings: dict[str, Any] | None = None) -> Index:
        validate_index_name(name)
        if name in self.indices:
            existing = self.indices[name]
            raise ResourceAlreadyExists(f"index [{name}/{existing.uuid}] already exists",
                                        index_uuid=existing.uuid, index=name)
        base_mappings: dict[str, Any] = {"properties": {}}
        base_settings: dict[str, Any] = {}
        aliases: dict[str, Any] = {}
        for template in sorted((t for t in self.templates.values() if t.matches(name)), key=lambda t: t.order):
            base_mappings = merged(base_mappings, template.mappings)
            base_settings = merged(base_settings, template.settings)
            aliases |= template.aliases
        index = Index(name, uuid.uuid4().hex[:22], merged(base_mappings, mappings or {}),
                      merged(base_settings, settings or {}), aliases=aliases)
        self.indices[name] = index
        return index

    def put_template(self, template: LegacyTemplate, create: bool) -> None:
        if create and template.name in self.templates:
            raise IllegalArgument(f"index_template [{template.name}] already exists")
        self.templates[template.name] = template

    def templates_named(self, expression: str | None) -> list[LegacyTemplate]:
        """Templates by a comma list of names and `*` wildcards (all of them without one)."""
        parts = expression.split(",") if expression else ["*"]
        return [t for t in self.templates.values() if any(simple_match(part, t.name) for part in parts)]

    def delete_template(self, expression: str) -> None:
        doomed = self.templates_named(expression)
        if not doomed:
            raise IndexTemplateMissing(f"index_template [{expression}] missing")
        for template in doomed:
            del self.templates[template.name]

    def get(self, name: str) -> Index:
        if name not in self.indices:
            raise IndexNotFound(name)
        return self.indices[name]

    def get_or_create(self, name: str) -> Index:
        return self.indices.get(name) or self.create(name)

    def resolve(self, expression: str, *, must_exist: bool = True) -> list[Index]:
        """Indices named by a comma list of names and `*` wildcards; `_all` and `*` name every one."""
        found: dict[str, Index] = {}
        for part in expression.split(","):
            if part == "_all" or is_simple_pattern(part):
                pattern = "*" if part == "_all" else part
                found |= {n: i for n, i in self.indices.items()
                          if simple_match(pattern, n) and not (n.startswith(".") and not pattern.startswith("."))}
            elif part in self.indices:
                found[part] = self.indices[part]
            elif aliased := [i for i in self.indices.values() if part in i.aliases]:
                found |= {i.name: i for i in aliased}
            elif must_exist:
                raise IndexNotFound(part)
        return list(found.values())

    def write_index(self, name: str) -> str | None:
        """The index a write to `name` goes to (`IndexNameExpressionResolver.concreteWriteIndex`, lenient): the
        index itself, or an alias' write index (its only index unless that one says `is_write_index: false`);
        None when nothing has that name."""
        if name in self.indices:
            return name
        aliased = [i for i in self.indices.values() if name in i.aliases]
        if not aliased:
            return None
        flags = [i.aliases[name].get("is_write_index") for i in aliased]
        if True in flags:
            return aliased[flags.index(True)].name
        if len(aliased) == 1 and flags[0] is not False:
            return aliased[0].name
        raise IllegalArgument(f"no write index is defined for alias [{name}]. The write index may be explicitly "
                              "disabled using is_write_index=false or the alias points to multiple indices without "
                              "one being designated as a write index")

    def put_alias(self, expression: str, alias: str, options: dict[str, Any]) -> None:
        """Point an alias at the indices an expression names (its name checked as an index name is)."""
        indices = self.resolve(expression)
        validate_alias_name(alias)
        if alias in self.indices:
            raise InvalidAliasName(f"Invalid alias name [{alias}], an index or data stream exists with the same "
                                   "name as the alias", index=alias, index_uuid="_na_")
        for index in indices:
            index.aliases[alias] = dict(options)

    def delete(self, expression: str) -> None:
        for index in self.resolve(expression):
            del self.indices[index.name]

    def index_document(self, index_name: str, doc_id: str | None, source: Any, create_only: bool = False,
                       conditions: WriteConditions = WriteConditions()) -> dict[str, Any]:
        """Write a document (created when the index is missing); 409 when it exists and `create_only`, or when it
        does not meet the compare-and-set `conditions`."""
        if not isinstance(source, dict):
            raise IllegalArgument("document source must be a JSON object")
        index = self.get_or_create(index_name)
        doc_id = doc_id or uuid.uuid4().hex[:20]
        existing = index.docs.get(doc_id)
        if create_only and existing is not None:
            raise _conflict(index, f"[{doc_id}]: version conflict, document already exists (current version "
                                   f"[{existing.version}])")
        if why := conditions.conflict(doc_id, existing.seq_no if existing else None):
            raise _conflict(index, why)
        doc, created = index.write(doc_id, source)
        return write_result(index, doc, "created" if created else "updated")

    def delete_document(self, index_name: str, doc_id: str,
                        conditions: WriteConditions = WriteConditions()) -> tuple[Index, Document | None]:
        """Delete a document of an existing index: the index and the document deleted (None when there was none);
        409 when the document does not meet the compare-and-set `conditions`."""
        index = self.get(index_name)
        existing = index.docs.get(doc_id)
        if why := conditions.conflict(doc_id, existing.seq_no if existing else None):
            raise _conflict(index, why)
        return index, index.remove(doc_id)


def _conflict(index: Index, reason: str) -> VersionConflict:
    return VersionConflict(reason, index_uuid=index.uuid, shard="0", index=index.name)


def write_result(index: Index, doc: Document, result: str) -> dict[str, Any]:
    return {"_index": index.name, "_id": doc.id, "_version": doc.version, "result": result,
            "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": doc.seq_no, "_primary_term": PRIMARY_TERM}
