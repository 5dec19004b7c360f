"""Profiles travel: an assessment's answers go out as a `socscope.profile/1` document and come back in as a new one.

A case can move between installations and be replayed: the imported assessment is a draft on this
installation's newest published default bank, owned by the importing organization.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assessments import engine
from assessments.models import Answer, Assessment, Membership, Organization, Service, SubserviceOrganization, User
from assessments.selectors.banks import engine_bank, newest_published_version
from assessments.services.audit import audit_event_record
from assessments.services.intake import assessment_progress_refresh

DEFAULT_BANK = "default"
JSON_TRISTATE = {True: "yes", False: "no", "unknown": "unknown"}
NAME_MAX = 200
KEY_MAX = Service._meta.get_field("key").max_length


class ProfileImportError(ValidationError):
    """The document is not a valid profile for this installation's bank; `problems` names each by JSON path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


@transaction.atomic
def assessment_import_profile(
    *, organization: Organization, document: object, actor: User | None, name: str = ""
) -> Assessment:
    """Create a draft assessment from a profile document: all of it, or nothing when any part is invalid."""
    if (
        actor is not None
        and not Membership.objects.filter(user=actor, organization=organization, role=Membership.Role.MANAGER).exists()
    ):
        raise PermissionDenied("Only the organization's compliance managers can import a profile.")
    version = newest_published_version(DEFAULT_BANK)
    if version is None:
        raise ProfileImportError(["$: no question bank has been published yet"])
    try:
        profile = engine.parse_profile(engine_bank(version), document)
    except engine.ProfileError as exc:
        raise ProfileImportError(list(exc.problems)) from exc
    data = profile.to_dict()
    too_long = [
        f"$.services[{index}].key: at most {KEY_MAX} characters"
        for index, item in enumerate(data["services"])
        if len(item["key"]) > KEY_MAX
    ]
    if too_long:
        raise ProfileImportError(too_long)
    title = (name or "").strip() or f"Imported scoping of {data['organization']['name']}"
    assessment = Assessment.objects.create(
        organization=organization,
        name=title[:NAME_MAX],
        as_of=dt.date.fromisoformat(data["as_of"]),
        bank_version=version,
        created_by=actor,
        updated_by=actor,
    )
    answers = [_answer(assessment, None, key, value) for key, value in data["organization"]["answers"].items()]
    services: dict[str, Service] = {}
    for position, item in enumerate(data["services"], start=1):
        service = Service.objects.create(
            assessment=assessment,
            key=item["key"],
            name=item["name"][:NAME_MAX],
            description=item.get("description") or "",
            position=position * 10,
        )
        services[service.key] = service
        answers += [_answer(assessment, service, key, value) for key, value in item["answers"].items()]
    Answer.objects.bulk_create(answers)
    for position, item in enumerate(data["subservice_organizations"], start=1):
        sub = SubserviceOrganization.objects.create(
            assessment=assessment,
            name=item["name"][:NAME_MAX],
            provides=item.get("service") or "",
            has_soc_report=_tristate(item.get("has_soc_report")),
            controls_required=_tristate(item.get("controls_required")),
            will_participate=_tristate(item.get("will_participate")),
            position=position * 10,
        )
        sub.services.set([services[key] for key in item.get("services", [])])
    assessment_progress_refresh(assessment=assessment)
    audit_event_record(
        action="assessment.imported",
        actor=actor,
        assessment=assessment,
        obj=assessment,
        data={"bank_version": version.label, "services": list(services)},
    )
    return assessment


def _answer(assessment: Assessment, service: Service | None, key: str, value: Any) -> Answer:
    return Answer(assessment=assessment, service=service, question_key=key, value=value, updated_by=None)


def _tristate(value: object) -> str:
    return JSON_TRISTATE.get(value, SubserviceOrganization.Tristate.UNKNOWN)  # type: ignore[arg-type]
