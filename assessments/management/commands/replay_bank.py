from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import User
from assessments.selectors.banks import BankNotFound, bank_version_by_label
from assessments.selectors.replay import replay_submitted


class Command(BaseCommand):
    help = (
        "Re-run every submitted assessment against a bank version (draft or published) and list those whose "
        "result would change, and how. Exit status 1 when any would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bank", help="KEY@VERSION of the bank version to replay against.")
        parser.add_argument("--json", action="store_true", help="Print the changes as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = bank_version_by_label(options["bank"])
        except BankNotFound as exc:
            raise CommandError(str(exc)) from exc
        # The command runs with shell access to the whole installation, as an administrator would.
        rows = replay_submitted(User(is_staff=True), version)
        if options["json"]:
            self.stdout.write(json.dumps([_row_json(row) for row in rows], indent=2, ensure_ascii=False))
        else:
            self.stdout.write(f"{len(rows)} submitted assessment(s) would change under {version.label}.")
            for row in rows:
                self.stdout.write(f"\n{row.assessment.organization} · {row.assessment} (memo v{row.memo.number})")
                for problem in row.problems:
                    self.stdout.write(f"  refused: {problem}")
                for change in row.changes:
                    self.stdout.write(f"  {change.where}: {change.before} → {change.after}")
        if rows:
            raise SystemExit(1)


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "assessment": row.assessment.pk,
        "organization": row.assessment.organization.name,
        "name": row.assessment.name,
        "memo": row.memo.number,
        "problems": row.problems,
        "changes": [{"where": c.where, "before": c.before, "after": c.after} for c in row.changes],
    }
