"""Emulated product versions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int = 0
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> "Version":
        parts = text.split("-")[0].split(".")
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            raise ValueError(f"not a version: {text!r}") from None
        if not 1 <= len(numbers) <= 3:
            raise ValueError(f"not a version: {text!r}")
        return cls(*numbers)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"
