"""The JSON Schemas in specs/schemas/, resolvable by file name and JSON pointer."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from conformance import paths


class SchemaStore:
    def __init__(self, directory: Path) -> None:
        self.documents = {p.name: json.loads(p.read_text()) for p in sorted(directory.glob("*.schema.json"))}
        self.registry = Registry().with_resources(
            (name, Resource.from_contents(doc)) for name, doc in self.documents.items())

    def exists(self, ref: str) -> bool:
        name, _, pointer = ref.partition("#")
        if name not in self.documents:
            return False
        try:
            self.registry.resolver(base_uri=name).lookup(f"#{pointer}")
        except Exception:
            return False
        return True

    def validator(self, ref: str) -> Draft202012Validator:
        name, _, pointer = ref.partition("#")
        schema = {"$ref": f"{name}#{pointer}"} if pointer else self.documents[name]
        return Draft202012Validator(schema, registry=self.registry)

    def errors(self, ref: str, instance: Any) -> list[ValidationError]:
        return list(self.validator(ref).iter_errors(instance))

    def first_error(self, ref: str, instance: Any) -> ValidationError | None:
        return best_match(self.validator(ref).iter_errors(instance))


def store() -> SchemaStore:
    """The schemas of the project's specs folder (`conformance.paths.SCHEMAS`, read at each call)."""
    return _store(paths.SCHEMAS)


@lru_cache(maxsize=4)
def _store(directory: Path) -> SchemaStore:
    return SchemaStore(directory)
