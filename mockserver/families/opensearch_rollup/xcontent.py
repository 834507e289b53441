"""The `XContentParser` accessors the rollup body parser relies on, with Jackson's own errors, over a decoded
request body whose token locations come from `mockserver.xcontent.Document`."""

from __future__ import annotations

import json
from typing import Any

from mockserver import xcontent
from mockserver.errors import IllegalArgument, IllegalState, NumberFormat, ParsingError
from mockserver.families.opensearch_rollup.errors import InputCoercion, JsonParseError
from mockserver.xcontent import Path, token

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


def _jackson_token(value: Any) -> str:
    """The Jackson token name, as Jackson's own exceptions print it."""
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    return token(value)


def java_text(value: Any) -> str:
    """`parser.text()` of a scalar token: strings as is, numbers and booleans as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return str(value)


class Document:
    """A decoded request body and the locations of its tokens, read through `XContentParser`'s accessors."""

    def __init__(self, source: xcontent.Document) -> None:
        self.root = source.value
        self._source = source

    def location(self, path: Path, *, key: bool = False, end: bool = False) -> dict[str, int]:
        """`line` and `col` of a token, as `parsing_exception` metadata carries them."""
        line, column = self._source.location(path, key=key, end=end)
        return {"line": line, "col": column}

    def where(self, path: Path) -> str:
        return self._source.where(path)

    # ensureExpectedToken ------------------------------------------------------------------------------------
    def unexpected(self, expected: str, found: str, **location: int) -> ParsingError:
        return ParsingError(f"Failed to parse object: expecting token of type [{expected}] but found [{found}]",
                            **location)

    def expect(self, expected: str, value: Any, path: Path) -> None:
        found = token(value)
        if found != expected:
            raise self.unexpected(expected, found, **self.location(path))

    def expect_empty_object(self, value: Any, path: Path) -> None:
        """`{}` exactly: a START_OBJECT whose next token is its END_OBJECT."""
        self.expect("START_OBJECT", value, path)
        if value:
            raise self.unexpected("END_OBJECT", "FIELD_NAME", **self.location(path + (next(iter(value)),), key=True))

    # value accessors ----------------------------------------------------------------------------------------
    def text(self, value: Any, path: Path) -> str:
        if value is None or isinstance(value, (dict, list)):
            raise IllegalState(f"Can't get text on a {token(value)} at {self.where(path)}")
        return java_text(value)

    def text_or_null(self, value: Any, path: Path) -> str | None:
        return None if value is None else self.text(value, path)

    def boolean(self, value: Any, path: Path) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value in ("true", "false"):
                return value == "true"
            raise IllegalArgument(f"Failed to parse value [{value}] as only [true] or [false] are allowed.")
        raise JsonParseError(f"Current token ({_jackson_token(value)}) not of boolean type")

    def integer(self, value: Any, path: Path) -> int:
        return self._number(value, path, _INT_RANGE, "int", "an integer")

    def long(self, value: Any, path: Path) -> int:
        return self._number(value, path, _LONG_RANGE, "long", "a long")

    def double(self, value: Any, path: Path) -> float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise NumberFormat.for_input(value) from None
        self._require_number(value)
        return float(value)

    def _number(self, value: Any, path: Path, bounds: tuple[int, int], java: str, article: str) -> int:
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise NumberFormat.for_input(value) from None
            if not bounds[0] <= number <= bounds[1]:
                raise IllegalArgument(f"Value [{value}] is out of range for {article}")
            return int(number)
        self._require_number(value)
        if not bounds[0] <= value <= bounds[1]:
            raise InputCoercion(f"Numeric value ({java_text(value)}) out of range of {java} "
                                f"({bounds[0]} - {bounds[1]})")
        return int(value)

    @staticmethod
    def _require_number(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise JsonParseError(f"Current token ({_jackson_token(value)}) not numeric, can not use numeric "
                                 f"value accessors")

    def instant(self, value: Any, path: Path) -> int | None:
        """IM's `XContentParser.instant()`: null, or epoch millis from any scalar token."""
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise ParsingError(f"Failed to parse object: unexpected token [{token(value)}] found",
                               **self.location(path))
        return self.long(value, path)
