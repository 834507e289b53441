"""YAML files whose values can be traced to their line, for errors that say `file:line: what`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml


class YamlFileError(Exception):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")


@dataclass(frozen=True)
class YamlFile:
    path: Path
    node: yaml.Node
    data: Any

    def line(self, location: Iterable[Any]) -> int:
        """The 1-based line of the value at a path of keys and indices (or of its closest existing parent)."""
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

    def error(self, location: Iterable[Any], message: str) -> YamlFileError:
        return YamlFileError(self.path, self.line(location), message)


def read(path: Path) -> YamlFile:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except OSError as exc:
        raise YamlFileError(path, 1, f"cannot read file: {exc.strerror}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlFileError(path, mark.line + 1 if mark else 1, f"YAML syntax error: {exc.problem}") from None
    if node is None:
        raise YamlFileError(path, 1, "the file is empty")
    return YamlFile(path, node, yaml.SafeLoader(text).construct_document(node))
