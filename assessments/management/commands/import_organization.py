from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.services.portability import PortabilityError, organization_import


class Command(BaseCommand):
    help = "Create an organization and all its data from a file written by export_organization (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the JSON file export_organization wrote")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {str(path)!r}: {exc.strerror or exc}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{str(path)!r} is not UTF-8 text.") from exc
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{str(path)!r} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}."
            ) from exc
        except RecursionError as exc:
            raise CommandError(f"{str(path)!r} is not valid JSON: it is nested too deeply.") from exc
        try:
            organization = organization_import(document=document)
        except PortabilityError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.problems)) from exc
        self.stdout.write(
            f"Imported {organization.slug}: {len(document['assessments'])} assessments, "
            f"{len(document['memos'])} memos, {len(document['users'])} people "
            "(people new to this installation have no password until one is set)."
        )
