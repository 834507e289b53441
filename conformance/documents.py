"""YAML spec files parsed with their node tree, so that every problem can name its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import yaml
from jsonschema.exceptions import ValidationError, best_match

from conformance import paths
from conformance.file_versions import once_per_version
from conformance.schemas import store

# Schema errors by schema folder, schema and file text: the copies of a file (a folder of scenarios copied for a run
# or a test) are validated once. Emptied when full.
_ERRORS_BY_TEXT: dict[tuple[Path, str, str], list[ValidationError]] = {}
_ERRORS_BY_TEXT_MAX = 1024


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec file: where and what."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LoadError(Exception):
    """A malformed scenario or catalogue file: where and what."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message

    @classmethod
    def of(cls, problem: Problem) -> LoadError:
        return cls(problem.path, problem.line, problem.message)

    @property
    def problem(self) -> Problem:
        return Problem(self.path, self.line, self.message)


@dataclass(eq=False)
class Document:
    """A parsed YAML file and the JSON Schema it must satisfy."""

    path: Path
    node: yaml.Node
    data: Any
    schema: str
    text: str  # what `node` and `data` were parsed from

    def line(self, location: Iterable[Any]) -> int:
        """The 1-based line of the value at a path of keys and indices (the closest existing parent)."""
        node = self.node
        for key in location:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if k.value == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                found = node.value[key]
            else:
                found = None
            if found is None:
                break
            node = found
        return node.start_mark.line + 1

    def problem(self, location: Iterable[Any], message: str) -> Problem:
        return Problem(self.path, self.line(location), message)

    @cached_property
    def _errors(self) -> list[ValidationError]:
        key = (paths.SCHEMAS, self.schema, self.text)
        errors = _ERRORS_BY_TEXT.get(key)
        if errors is None:
            if len(_ERRORS_BY_TEXT) >= _ERRORS_BY_TEXT_MAX:
                _ERRORS_BY_TEXT.clear()
            errors = _ERRORS_BY_TEXT[key] = [best_match([error]) for error in store().errors(self.schema, self.data)]
        return sorted(errors, key=lambda e: self.line(e.absolute_path))

    @property
    def schema_problems(self) -> list[Problem]:
        """Every way the file breaks its schema, in file order."""
        return [self.problem(_location(e), f"{_where(e)}: {_describe(e)}") for e in self._errors]

    def valid(self, location: Iterable[Any]) -> bool:
        """Whether no schema error lies at or inside the value at `location`."""
        wanted = tuple(location)
        return not any(tuple(e.absolute_path)[:len(wanted)] == wanted for e in self._errors)


def safe_loader(text: str) -> yaml.SafeLoader:
    """PyYAML's safe loader over `text`: its C implementation (libyaml) where installed, many times faster."""
    return yaml.CSafeLoader(text) if yaml.__with_libyaml__ else yaml.SafeLoader(text)  # type: ignore[return-value]


def parse(path: Path, schema: str) -> Document:
    """The file's YAML; a file that cannot be read or parsed is a `LoadError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, 1, f"cannot read file: {exc}") from None
    loader = safe_loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        lines = text.splitlines()
        hint = " (inside { } flow mappings, quote values that contain ${...})" \
            if 0 < line <= len(lines) and "${" in lines[line - 1] else ""
        raise LoadError(path, line, f"YAML syntax error: {exc.problem or exc}{hint}") from None
    except yaml.YAMLError as exc:
        raise LoadError(path, 1, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise LoadError(path, 1, "the file is empty")
    return Document(path, node, data, schema, text)


@once_per_version(maxsize=64)
def parse_once(path: Path, schema: str) -> Document:
    """`parse`, once per version of the file however often it is asked for (step libraries, the source catalogue)."""
    return parse(path, schema)


def _location(error: ValidationError) -> list[Any]:
    """Where an error is: at the value, or at the first unknown key of a mapping that has some."""
    location = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        location += [key for key in error.instance if key not in known][:1]
    return location


def _where(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def _describe(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        kinds = "a request step (`request:`) or a fixture step (`fixture:`)"
        return f"not a valid step: expected {kinds}; {_deepest(error)}"
    return error.message


def _deepest(error: ValidationError) -> str:
    context = sorted(error.context, key=lambda e: -len(e.absolute_path))
    return context[0].message if context else error.message
