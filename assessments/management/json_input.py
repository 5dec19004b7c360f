"""Shared by the commands that read JSON documents: contract-style errors (JSON path first) and exit status 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

from django.core.management.base import BaseCommand

INVALID_INPUT = 2


class JsonInputCommand(BaseCommand):
    def read_json(self, path: str) -> object:
        """The parsed document at `path` ('-' is standard input); unreadable or malformed input ends the command."""
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail([f"$: cannot read {path}: {exc}"])
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.fail([f"$: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"])
        except RecursionError:
            self.fail(["$: the document is nested too deeply"])

    def fail(self, problems: list[str]) -> NoReturn:
        """One line per problem on stderr, nothing on stdout, exit status 2."""
        for line in problems:
            self.stderr.write(line)
        raise SystemExit(INVALID_INPUT)
