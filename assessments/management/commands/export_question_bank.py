"""`manage.py export_question_bank [KEY[@VERSION]]`: print one bank version as `socscope.bank/1` JSON."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assessments.selectors.banks import BankNotFound, bank_json, bank_version_by_label

INVALID_INPUT = 2


class Command(BaseCommand):
    help = "Print a question bank version as socscope.bank/1 JSON (default: the newest published default bank)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "label", nargs="?", default="default", help="KEY (newest published version) or KEY@VERSION (any status)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = bank_version_by_label(options["label"])
        except BankNotFound as exc:
            self.stderr.write(f"$: {exc}")
            raise SystemExit(INVALID_INPUT) from None
        self.stdout.write(bank_json(version), ending="")
