from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from assessments.selectors.memos import memo_orphan_files
from assessments.services.memos import memo_orphan_files_delete

DEFAULT_MINUTES = 60


class Command(BaseCommand):
    help = (
        "List the stored memo files that no memo points to (left by a crash while a memo was being stored), "
        "and with --delete remove them. Files newer than --older-than minutes are left alone: their memo may "
        "still be on its way into the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="Delete the files listed (recorded in the log).")
        parser.add_argument(
            "--older-than",
            type=int,
            default=DEFAULT_MINUTES,
            metavar="MINUTES",
            help=f"Only files last changed at least this many minutes ago (default {DEFAULT_MINUTES}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["older_than"]
        if minutes < 1:
            raise CommandError("--older-than must be at least 1 minute: a newer file may be a memo being stored.")
        settled_before = timezone.now() - dt.timedelta(minutes=minutes)
        if options["delete"]:
            files = memo_orphan_files_delete(settled_before=settled_before)
            verb = "Deleted"
        else:
            files = memo_orphan_files(settled_before=settled_before)
            verb = "Found"
        self.stdout.write(f"{verb} {len(files)} memo file(s) that no memo points to.")
        for path in files:
            self.stdout.write(f"  {path}")
