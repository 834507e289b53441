"""Request bodies as the server's XContent parser sees them: decoded JSON plus where each token starts.

Real parse errors are prefixed with the `[line:column]` of the token the parser stood on (Jackson counts both
from 1, columns in bytes). `Document` decodes a body and records those locations for every value, field name and
closing bracket, by path (a tuple of keys and array indices). `ObjectReader` reads one JSON object the way an
`ObjectParser` does, with its error messages at those locations.
"""

from __future__ import annotations

import io
import json
from bisect import bisect_right
from typing import Any, Callable, Iterable, Iterator

from mockserver.errors import ApiError, IllegalArgument, XContentParseError
from mockserver.timevalue import TimeValue

Path = tuple[Any, ...]
_TOKENS = {bool: "VALUE_BOOLEAN", int: "VALUE_NUMBER", float: "VALUE_NUMBER", str: "VALUE_STRING",
           list: "START_ARRAY", dict: "START_OBJECT", type(None): "VALUE_NULL"}
_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()
_COMPACT = json.JSONEncoder(separators=(",", ":"))
_PRETTY = json.JSONEncoder(indent=2)


# The size from which an answer made in chunks (`Encoded`) starts a new one: under glibc's mmap threshold, so that
# a chunk reuses the memory of the one sent before it.
CHUNK_BYTES = 32 * 1024


class ChunkBuffer:
    """Where an answer is written chunk by chunk: `write` and `tell` are `io.BytesIO`'s own (for hot loops, which
    `take` a chunk once `tell()` reaches `CHUNK_BYTES`); `take` returns what was written since the last take."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.write = self._buffer.write
        self.tell = self._buffer.tell

    def take(self) -> bytes:
        chunk = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return chunk


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Consecutive pieces of an answer joined into chunks of about `CHUNK_BYTES`."""
    buffer = ChunkBuffer()
    write, tell = buffer.write, buffer.tell
    for piece in pieces:
        write(piece)
        if tell() >= CHUNK_BYTES:
            yield buffer.take()
    yield buffer.take()


class Encoded:
    """A JSON answer already encoded as `compact_json` would encode it, made chunk by chunk as it is sent: for
    answers too large to build as Python objects first, or to hold in one block (a listing of every job or task). `make`
    yields its chunks (of about `CHUNK_BYTES` each) and is called again each time the answer is read. `streamed`: the
    product sends it with chunked transfer encoding whatever its size (Elasticsearch's chunked REST listener); else
    only an answer longer than a chunk goes chunked, one that fits goes with its length, as the product sends it."""

    __slots__ = ("_make", "streamed")

    def __init__(self, make: Callable[[], Iterator[bytes]], *, streamed: bool = False) -> None:
        self._make = make
        self.streamed = streamed

    def chunks(self) -> Iterator[bytes]:
        return self._make()

    @property
    def compact(self) -> bytes:
        """The whole answer in one block."""
        return b"".join(self._make())


def compact_json(value: Any) -> bytes:
    """A JSON answer as a cluster sends it by default: no whitespace, non-ASCII escaped."""
    if isinstance(value, Encoded):
        return value.compact
    return _COMPACT.encode(value).encode()


def pretty_json(value: Any) -> bytes:
    """A JSON answer as `?pretty` asks for it: indented by two spaces."""
    if isinstance(value, Encoded):
        value = json.loads(value.compact)
    return _PRETTY.encode(value).encode()


def token(value: Any) -> str:
    """The XContent token a JSON value starts with (`START_OBJECT`, `VALUE_STRING`, ...)."""
    return _TOKENS[type(value)]


def flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted keys, as `Settings` reads them (`{"a": {"b": 1}}` -> `{"a.b": 1}`)."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= flatten(value, name + ".")
        else:
            flat[name] = value
    return flat


class Document:
    """A decoded JSON body and the `(line, column)` of its tokens."""

    def __init__(self, text: str) -> None:
        """Decode `text`; raises `XContentParseError` with the decoder's position for malformed JSON."""
        try:
            self.value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise XContentParseError(f"[{exc.lineno}:{exc.colno}] failed to parse JSON: {exc.msg}") from None
        self._text = text
        self._line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        self._values: dict[Path, int] = {}
        self._keys: dict[Path, int] = {}
        self._ends: dict[Path, int] = {}
        self._scan(self._skip(0), ())

    @classmethod
    def of(cls, value: Any) -> "Document":
        """A document for an already decoded body, laid out compactly as the official clients send it."""
        return cls(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    # layout -------------------------------------------------------------------------------------------------
    def _skip(self, offset: int) -> int:
        while offset < len(self._text) and self._text[offset] in _WHITESPACE:
            offset += 1
        return offset

    def _scan(self, offset: int, path: Path) -> int:
        """Record the tokens of the value at `offset`; return the offset after it."""
        self._values[path] = offset
        opening = self._text[offset]
        if opening not in "{[":
            return _DECODER.raw_decode(self._text, offset)[1]
        closing = "}" if opening == "{" else "]"
        offset = self._skip(offset + 1)
        index = 0
        while self._text[offset] != closing:
            if opening == "{":
                key, after = json.decoder.scanstring(self._text, offset + 1)
                child = path + (key,)
                self._keys[child] = offset
                offset = self._skip(self._skip(after) + 1)  # past the colon
            else:
                child = path + (index,)
                index += 1
            offset = self._skip(self._scan(offset, child))
            if self._text[offset] == ",":
                offset = self._skip(offset + 1)
        self._ends[path] = offset
        return offset + 1

    # locations ----------------------------------------------------------------------------------------------
    def location(self, path: Path, *, key: bool = False, end: bool = False) -> tuple[int, int]:
        """Where the value at `path` starts (or its field name, with `key`; its closing bracket, with `end`)."""
        table = self._keys if key else self._ends if end else self._values
        offset = table.get(path, 0)
        line = bisect_right(self._line_starts, offset)
        start = self._line_starts[line - 1]
        return line, len(self._text[start:offset].encode()) + 1

    def where(self, path: Path, *, key: bool = False, end: bool = False) -> str:
        """The location as error messages print it (`1:2`)."""
        line, column = self.location(path, key=key, end=end)
        return f"{line}:{column}"

    def at(self, path: Path) -> Any:
        """The decoded value at `path`."""
        value = self.value
        for step in path:
            value = value[step]
        return value


class ObjectReader:
    """Reads the fields of the JSON object at `path` the way an `ObjectParser` named `name` does."""

    def __init__(self, name: str, document: Document, path: Path, known: set[str]) -> None:
        body = document.at(path)
        if not isinstance(body, dict):
            raise XContentParseError(f"[{document.where(path)}] [{name}] Expected START_OBJECT but was: {token(body)}")
        self.name, self.document, self.path, self.body = name, document, path, body
        for key in body:
            if key not in known:
                raise self.error(key, f"unknown field [{key}]", key=True)

    def error(self, field: str, message: str, *, key: bool = False, cause: ApiError | None = None) -> ApiError:
        """`[line:col] [name] message` at the field's value (or its name, with `key`)."""
        return XContentParseError(f"[{self.document.where(self.path + (field,), key=key)}] [{self.name}] {message}",
                                  caused_by=cause)

    def failed(self, field: str, cause: ApiError) -> ApiError:
        """A field whose own parser failed: `failed to parse field [x]`, caused by that failure."""
        return self.error(field, f"failed to parse field [{field}]", cause=cause)

    def child(self, field: str, name: str, known: set[str]) -> "ObjectReader":
        """A reader for the object in `field`, as the nested `ObjectParser` named `name` reads it."""
        return ObjectReader(name, self.document, self.path + (field,), known)

    def _wrong_type(self, field: str) -> ApiError:
        return self.error(field, f"{field} doesn't support values of type: {token(self.body[field])}")

    def string(self, field: str) -> str | None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, str):
            raise self._wrong_type(field)
        return value

    def boolean(self, field: str) -> bool | None:
        value = self.body.get(field)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value in ("true", "false"):
                return value == "true"
            raise self.failed(field, IllegalArgument(
                f"Failed to parse value [{value}] as only [true] or [false] are allowed."))
        raise self._wrong_type(field)

    def number(self, field: str, integral: bool = False) -> int | float | None:
        value = self.body.get(field)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = int(value) if integral else float(value)
            except ValueError:
                raise self.failed(field, IllegalArgument(f"For input string: \"{value}\"")) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong_type(field)
        if integral and isinstance(value, float):
            if not value.is_integer():
                raise self.failed(field, IllegalArgument(f"Value [{value}] has a decimal part"))
            value = int(value)
        return value

    def object(self, field: str) -> dict[str, Any] | None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, dict):
            raise self._wrong_type(field)
        return value

    def array(self, field: str) -> list[Any] | None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, list):
            raise self._wrong_type(field)
        return value

    def value(self, field: str, kind: str) -> Any:
        """Read a field of a declared kind: string, number, integer, boolean, object or array."""
        if kind == "integer":
            return self.number(field, integral=True)
        return getattr(self, kind)(field)

    def time(self, field: str) -> TimeValue | None:
        raw = self.string(field)
        if raw is None:
            return None
        try:
            return TimeValue.parse(raw, field)
        except ApiError as error:
            raise self.failed(field, error) from None

    def build(self, make: Callable[[], Any]) -> Any:
        """Run a constructor the way `ConstructingObjectParser` does once the object ends: its errors are
        wrapped in `Failed to build [name] after last required field arrived`, at the closing brace."""
        try:
            return make()
        except ApiError as error:
            raise XContentParseError(f"[{self.document.where(self.path, end=True)}] Failed to build [{self.name}] "
                                     f"after last required field arrived", caused_by=error) from None
