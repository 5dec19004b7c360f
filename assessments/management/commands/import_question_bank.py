"""`manage.py import_question_bank FILE`: store a `socscope.bank/1` file as a new bank version, atomically."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assessments.services.banks import BankValidationError, bank_document_parse, bank_version_import

INVALID_INPUT = 2


class Command(BaseCommand):
    help = (
        "Import a socscope.bank/1 file as a new draft version (--publish also validates and publishes it). "
        "An invalid file changes nothing: each problem is printed on stderr with its JSON path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path to the bank JSON ('-' reads standard input).")
        parser.add_argument("--publish", action="store_true", help="Publish the version after importing it.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            self.fail([f"$: cannot read {path}: {exc.strerror or exc}"])
        try:
            version = bank_version_import(document=bank_document_parse(data), actor=None, publish=options["publish"])
        except BankValidationError as exc:
            self.fail(exc.problems)
        self.stdout.write(f"Imported {version.label} ({version.get_status_display().lower()}).")

    def fail(self, problems: list[str]) -> None:
        for line in problems:
            self.stderr.write(line)
        raise SystemExit(INVALID_INPUT)
