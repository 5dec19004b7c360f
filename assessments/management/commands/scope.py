"""`manage.py scope PROFILE.json`: the scoping contract's command line (contract section 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from assessments import engine
from assessments.management.json_input import JsonInputCommand
from assessments.selectors.banks import BankNotFound, bank_document, bank_version_by_label, engine_bank


class Command(JsonInputCommand):
    help = "Scope a socscope.profile/1 document: print the socscope.result/1 JSON; optionally render the memo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("profile", help="Path to the profile JSON ('-' reads standard input).")
        parser.add_argument("--bank", default="default", help="KEY or KEY@VERSION of a published bank.")
        parser.add_argument("--pdf", help="Also render the scoping memo to this PDF file.")
        parser.add_argument("--html", help="Also render the scoping memo to this HTML file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = bank_version_by_label(options["bank"], published_only=True)
        except BankNotFound as exc:
            self.fail([f"--bank: {exc}"])
        bank = engine_bank(version)
        try:
            profile = engine.parse_profile(bank, self.read_json(options["profile"]))
        except engine.ProfileError as exc:
            self.fail(exc.problems)
        result = engine.scope(bank, profile)
        output = engine.result_json(result)
        if options["pdf"] or options["html"]:
            self.render_memo(bank, profile, result, bank_document(version), options)
        self.stdout.write(output, ending="")

    def render_memo(
        self, bank: engine.Bank, profile: engine.Profile, result: engine.Result, bank_doc: dict, options: dict
    ) -> None:
        from assessments.memo import MemoRenderError, render_memo_for_profile

        try:
            html, pdf = render_memo_for_profile(
                profile_doc=profile.to_dict(),
                result_doc=result.to_dict(),
                bank_doc=bank_doc,
                sensitivity=engine.sensitivity(bank, profile),
                with_pdf=bool(options["pdf"]),
            )
        except MemoRenderError as exc:
            raise CommandError(f"The memo could not be rendered: {exc}") from exc
        if options["html"]:
            Path(options["html"]).write_text(html, encoding="utf-8")
        if options["pdf"]:
            Path(options["pdf"]).write_bytes(pdf)
