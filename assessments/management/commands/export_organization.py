from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Organization
from assessments.services.portability import PortabilityError, organization_export


class Command(BaseCommand):
    help = "Write one organization's data (assessments, memos with their PDFs, review, audit log) to a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the organization's slug")
        parser.add_argument("out", help="the JSON file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["slug"]).first()
        if organization is None:
            known = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none"
            raise CommandError(f"No organization with slug {options['slug']!r}. Known slugs: {known}.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"Directory {str(out.parent)!r} does not exist.")
        try:
            document = organization_export(organization=organization)
        except PortabilityError as exc:
            raise CommandError("Export failed:\n" + "\n".join(exc.problems)) from exc
        # Written beside the target and renamed into place, so a failed run never leaves half a file.
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, ensure_ascii=False, indent=1)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"Exported {organization.slug}: {len(document['assessments'])} assessments, "
            f"{len(document['memos'])} memos, {len(document['audit_events'])} audit events -> {out}"
        )
