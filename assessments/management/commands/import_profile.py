from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from assessments.management.json_input import JsonInputCommand
from assessments.models import Organization, User
from assessments.services.profiles import ProfileImportError, assessment_import_profile


class Command(JsonInputCommand):
    help = "Create a draft assessment in an organization from a socscope.profile/1 document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("profile", help="Path to the profile JSON.")
        parser.add_argument("--organization", required=True, help="Slug of the organization that will own it.")
        parser.add_argument("--name", default="", help="Name of the new assessment.")
        parser.add_argument("--as-user", default="", help="Username of the manager recorded as its creator.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            self.fail([f"--organization: no organization with slug {options['organization']!r}"])
        actor = None
        if options["as_user"]:
            actor = User.objects.filter(username=options["as_user"]).first()
            if actor is None:
                self.fail([f"--as-user: no user {options['as_user']!r}"])
        document = self.read_json(options["profile"])
        try:
            assessment = assessment_import_profile(
                organization=organization, document=document, actor=actor, name=options["name"]
            )
        except ProfileImportError as exc:
            self.fail(exc.problems)
        self.stdout.write(f"Created assessment {assessment.pk}: {assessment.name}")
