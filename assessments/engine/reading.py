"""What reading a bank and reading a profile share: problems collected with their JSON paths."""

from __future__ import annotations

from typing import Any

from .values import join, show

# Required keys, then optional keys, of a JSON object.
ObjectSpec = tuple[tuple[str, ...], tuple[str, ...]]


class DocumentReader:
    """Collects every problem of a document, one line each starting with its JSON path.

    The two formats word two things differently, and their messages are part of their contracts: a profile
    names the value it got instead of an object, and counts a required key set to null as missing.
    """

    names_non_objects = False
    null_is_missing = False

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def object(self, value: Any, path: str, spec: ObjectSpec, what: str) -> bool:
        if not isinstance(value, dict):
            got = f", got {show(value)}" if self.names_non_objects else ""
            self.add(path, f"{what} must be a JSON object{got}")
            return False
        required, optional = spec
        for key in value:
            if key not in required and key not in optional:
                self.add(join(path, key), f"unknown key {show(key)} in {what}")
        for key in required:
            if (value.get(key) is None) if self.null_is_missing else (key not in value):
                self.add(join(path, key), "is required")
        return True
