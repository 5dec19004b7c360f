from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Assessment
from assessments.selectors.intake import assessment_profile


class Command(BaseCommand):
    help = "Print an assessment's answers as a socscope.profile/1 document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assessment_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            assessment = Assessment.objects.select_related("organization", "bank_version__bank").get(
                pk=options["assessment_id"]
            )
        except Assessment.DoesNotExist as exc:
            raise CommandError(f"No assessment with id {options['assessment_id']}.") from exc
        self.stdout.write(json.dumps(assessment_profile(assessment), indent=2, ensure_ascii=False))
