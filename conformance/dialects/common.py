"""What the dialect translators share: reading YAML streams with lines, naming, safety."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import yaml

from conformance.documents import LoadError, safe_loader
from conformance.model import Step

# Peer suites name their resources literally and assume a cluster they may wipe.
DISPOSABLE = "disposable_cluster"


def read_stream(path: Path) -> list[tuple[yaml.Node, Any]]:
    """Every YAML document of a file with its node tree (for line numbers); errors name file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, 1, f"cannot read file: {exc}") from None
    loader = safe_loader(text)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            documents.append((node, loader.construct_document(node)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise LoadError(path, mark.line + 1 if mark else 1, f"YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise LoadError(path, 1, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return documents


def line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def item_nodes(node: yaml.Node) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def slug(text: str) -> str:
    """An id part: lowercase words joined by `-`."""
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-") or "unnamed"


def needs_consent(steps: Iterable[Step]) -> tuple[str, ...]:
    """Peer suites use fixed resource names: any test that changes something may clobber others' resources."""
    changes = any(s.request is not None and s.request.method not in ("GET", "HEAD") for s in steps)
    return (DISPOSABLE,) if changes else ()

