"""`_bulk`: the newline-delimited body parsed whole the way `BulkRequestParser` parses it, validated whole, then
run item by item.

The line rules follow `BulkRequestParser.parse` (Elasticsearch 7.x and 8.x, OpenSearch): lines end at `\\n`; a
blank action line is skipped; a `delete` has no source line; an `index`/`create` takes the next line as its
source. Anything after the last newline is refused, but an action line that ends the body without a source line
after it ends the request there: the action is dropped, not refused (`findNextMarker` finds no newline from the
end of the body and the loop breaks). Elasticsearch's `BulkRequestParserTests` and `BulkRequestTests` pin the
newline error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from mockserver.errors import ApiError, IllegalArgument, ValidationFailed
from mockserver.families.indices.conditions import WriteConditions
from mockserver.families.indices.models import IndexStore, write_result
from mockserver.xcontent import Document, token

NOT_TERMINATED = "The bulk request must be terminated by a newline [\\n]"
_METADATA = {"_index", "_id", "routing", "op_type", "version", "version_type", "if_seq_no",
             "if_primary_term", "retry_on_conflict", "pipeline", "_source", "require_alias", "require_data_stream",
             "list_executed_pipelines", "dynamic_templates"}
_OBJECT_METADATA = {"_source", "dynamic_templates"}
_LONGS = ("version", "if_seq_no", "if_primary_term")


@dataclass(frozen=True)
class Operation:
    action: str  # index, create or delete
    index: str | None
    id: str | None
    conditions: WriteConditions
    source: Any = None

    def problems(self) -> list[str]:
        """What the request validation says of this item (`BulkRequest.validate` collects them all)."""
        found = [] if self.index else ["index is missing"]
        if self.action == "delete":
            return found + ([] if self.id else ["id is missing"]) + self.conditions.problems()
        return found + self.conditions.problems(create=self.action == "create", has_id=bool(self.id))


def parse(body: list[str], default_index: str | None) -> list[Operation]:
    """The operations of a bulk body (split at its newlines); raises the 400 a real cluster gives for a malformed
    body."""
    lines = _Lines(body)
    operations = []
    for number, line in lines:
        if not line.strip():
            continue
        action, metadata = _action(Document(line).value, number)
        if action == "delete":
            operations.append(_operation(action, metadata, default_index, number))
            continue
        source_line = lines.next()
        if source_line is None:  # no source line after the last action: the request ends here
            break
        if action == "update":
            raise IllegalArgument(f"bulk update items (line [{number}]) are not supported by the stopcheck mock")
        if action in ("index", "create"):  # another action name is skipped with its source line (8.x warns)
            operations.append(_operation(action, metadata, default_index, number, Document(source_line[1]).value))
    if problems := [problem for operation in operations for problem in operation.problems()]:
        raise ValidationFailed(*problems)
    return operations


class _Lines:
    """The lines of a body, numbered from 1, as `findNextMarker` delimits them: a line ends at a newline; text
    after the last newline is the newline error."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._position = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        while (found := self.next()) is not None:
            yield found

    def next(self) -> tuple[int, str] | None:
        if self._position == len(self._lines) - 1:
            if self._lines[-1]:
                raise IllegalArgument(NOT_TERMINATED)
            return None
        self._position += 1
        return self._position, self._lines[self._position - 1].removesuffix("\r")


def _action(value: Any, number: int) -> tuple[str, dict[str, Any]]:
    """The action and its metadata of an action line, or the parser's 400."""
    malformed = f"Malformed action/metadata line [{number}], expected"
    if not isinstance(value, dict):
        raise IllegalArgument(f"{malformed} START_OBJECT but found [{token(value)}]")
    if not value:
        raise IllegalArgument(f"{malformed} FIELD_NAME but found [END_OBJECT]")
    action, metadata = next(iter(value.items()))  # further keys are ignored (8.x warns of them)
    if not isinstance(metadata, dict):
        raise IllegalArgument(f"{malformed} START_OBJECT or END_OBJECT but found [{token(metadata)}]")
    metadata = {name: field for name, field in metadata.items() if field is not None}  # a null is skipped
    for name, field in metadata.items():
        if isinstance(field, list) or (isinstance(field, dict) and name not in _OBJECT_METADATA):
            raise IllegalArgument(f"{malformed} a simple value for field [{name}] but found [{token(field)}]")
        if name not in _METADATA:
            raise IllegalArgument(f"Action/metadata line [{number}] contains an unknown parameter [{name}]")
    return action, metadata


def _operation(action: str, metadata: dict[str, Any], default_index: str | None, number: int,
               source: Any = None) -> Operation:
    longs = {name: _long(metadata[name], name, number) for name in _LONGS if metadata.get(name) is not None}
    version_type = metadata.get("version_type")
    if metadata.get("op_type") == "create" and action == "index":
        action = "create"
    identifier = metadata.get("_id")
    index = metadata.get("_index", default_index)
    return Operation(action, None if index is None else str(index), None if identifier is None else str(identifier),
                     WriteConditions.parse(longs.get("if_seq_no"), longs.get("if_primary_term"),
                                           longs.get("version"), None if version_type is None else str(version_type)),
                     source)


def _long(value: Any, name: str, number: int) -> int:
    """A long metadata value: a number (truncated) or a numeric string. What a real cluster answers for any
    other value is not confirmed; the mock answers a 400."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise IllegalArgument(f"Action/metadata line [{number}] has a malformed value [{value}] for [{name}]")


def run(store: IndexStore, operations: list[Operation]) -> dict[str, Any]:
    """Run the operations in order; an operation's failure is its item's error, never the request's."""
    items = []
    for operation in operations:
        try:
            result = _run(store, operation)
        except ApiError as error:
            result = {"_index": operation.index, "_id": operation.id, "status": error.status, "error": error.cause()}
        items.append({operation.action: result})
    return {"errors": any("error" in next(iter(item.values())) for item in items), "took": 1, "items": items}


def _run(store: IndexStore, operation: Operation) -> dict[str, Any]:
    assert operation.index is not None  # validated
    if operation.action == "delete":
        index, doc = store.delete_document(operation.index, operation.id or "", operation.conditions)
        if doc is None:
            return {"_index": index.name, "_id": operation.id, "result": "not_found", "status": 404}
        return write_result(index, doc, "deleted") | {"status": 200}
    result = store.index_document(operation.index, operation.id, operation.source,
                                  create_only=operation.action == "create", conditions=operation.conditions)
    return result | {"status": 201 if result["result"] == "created" else 200}
