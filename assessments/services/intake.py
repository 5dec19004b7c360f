"""Writes for the questionnaire: assessments, services, subservice organizations, answers and submission.

Every function locks the assessment row, checks the actor is one of its organization's compliance managers and
that the answers are not frozen, and records an audit event. Views check the role too, to choose 403 or 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from assessments.forms import SectionForm, section_form
from assessments.models import (
    Answer,
    Assessment,
    Membership,
    Organization,
    SectionState,
    Service,
    SubserviceOrganization,
    User,
)
from assessments.selectors.access import MANAGER, assessment_role
from assessments.selectors.banks import newest_published_version
from assessments.selectors.intake import ORGANIZATION, SERVICE, Progress, intake_load, section_intake_load
from assessments.services.audit import audit_event_record
from assessments.services.review import STEPS, step_check, transition_record

if TYPE_CHECKING:
    from assessments.models import Memo

DEFAULT_BANK = "default"
TRISTATES = set(SubserviceOrganization.Tristate.values)
SERVICE_KEY_LENGTH = 70


class AssessmentLockedError(PermissionDenied):
    """The assessment was submitted: its answers are frozen until an auditor asks for changes."""

    def __init__(self, assessment: Assessment) -> None:
        super().__init__(
            f"This assessment is {assessment.get_status_display().lower()}; its answers are frozen and cannot change."
        )


class StaleSectionError(Exception):
    """Someone saved the section after this form was opened; nothing was saved."""

    def __init__(self, state: SectionState, actor: User) -> None:
        self.state = state
        if state.updated_by_id == actor.pk:
            who, where = "You", " in another window or tab"
        else:
            who, where = str(state.updated_by) if state.updated_by else "Someone else", ""
        when = f" at {timezone.localtime(state.updated_at):%H:%M}" if state.updated_at else ""
        super().__init__(
            f"{who} saved this section{where}{when} while you were editing it, so your answers were not saved. "
            "They are still in the form: compare them with what was saved, then save again to replace it."
        )


class SectionValidationError(ValidationError):
    """The section's answers did not validate; `form` is the bound form with every value and its errors."""

    def __init__(self, form: SectionForm) -> None:
        super().__init__(form.errors.as_data())
        self.form = form


# ------------------------------------------------------------------------------------------------ helpers


def _locked(assessment: Assessment) -> Assessment:
    """The assessment re-read under a row lock, so concurrent writes and submits take turns."""
    rows = Assessment.objects.select_for_update().select_related("organization", "bank_version__bank")
    return rows.get(pk=assessment.pk)


def _editable(assessment: Assessment, actor: User) -> Assessment:
    """The assessment re-read under a row lock, if `actor` manages it and its answers are still open."""
    fresh = _locked(assessment)
    if assessment_role(actor, fresh) != MANAGER:
        raise PermissionDenied("Only the organization's compliance managers can change an assessment.")
    if not fresh.is_editable:
        raise AssessmentLockedError(fresh)
    return fresh


def _progress_written(assessment: Assessment, **fields: Any) -> Progress:
    """Store the questionnaire's progress on the assessment row, with `fields`, in one UPDATE.

    Lists show the stored copy instead of reading every answer, so every write to answers or services must come
    through here, inside its transaction: the whole intake is read after the write, because the organization's
    answers decide which questions every service is shown.
    """
    progress = intake_load(assessment).progress()
    values = {"answered_count": progress.answered, "required_count": progress.required, **fields}
    Assessment.objects.filter(pk=assessment.pk).update(**values)
    for name, value in values.items():
        setattr(assessment, name, value)
    return progress


def _touched(assessment: Assessment, actor: User) -> None:
    """Record who changed the assessment last (the dashboard's "last change" column) and its progress now."""
    _progress_written(assessment, updated_by=actor, updated_at=timezone.now())


@transaction.atomic
def assessment_progress_refresh(*, assessment: Assessment) -> Progress:
    """Store the progress of an assessment whose answers or services were written outside this module (a copy,
    an import), once they all are; who changed it last stays as it is."""
    return _progress_written(assessment)


def _clean_name(value: str, *, field: str, what: str, max_length: int = 200) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError({field: f"Enter {what}."})
    if len(text) > max_length:
        raise ValidationError({field: f"Keep {what} to {max_length} characters (it has {len(text)})."})
    return text


def _clean_text(value: str, *, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError({field: f"Keep this to {max_length} characters (it has {len(text)})."})
    return text


def _next_position(rows: Any) -> int:
    return (rows.aggregate(top=Max("position"))["top"] or 0) + 10


# ------------------------------------------------------------------------------------------------ assessment


@transaction.atomic
def assessment_create(*, organization: Organization, name: str, as_of: dt.date, actor: User) -> Assessment:
    """A new draft on the newest published version of the default question bank."""
    if not Membership.objects.filter(user=actor, organization=organization, role=MANAGER).exists():
        raise PermissionDenied("Only the organization's compliance managers can start an assessment.")
    name = _clean_name(name, field="name", what="a name for the assessment")
    if not isinstance(as_of, dt.date):
        raise ValidationError({"as_of": "Enter the as-of date."})
    version = newest_published_version(DEFAULT_BANK)
    if version is None:
        raise ValidationError("No question bank has been published yet. Ask an administrator to publish one.")
    assessment = Assessment.objects.create(
        organization=organization,
        name=name,
        as_of=as_of,
        bank_version=version,
        created_by=actor,
        updated_by=actor,
    )
    # Even without services there are the organization's required questions to count.
    _progress_written(assessment)
    audit_event_record(
        action="assessment.created",
        actor=actor,
        assessment=assessment,
        obj=assessment,
        data={"name": name, "as_of": as_of.isoformat(), "bank_version": version.label},
    )
    return assessment


# ------------------------------------------------------------------------------------------------ services


def _service_key(assessment: Assessment, name: str) -> str:
    """A stable key for the profile, made from the name; renaming keeps it."""
    base = slugify(name)[:SERVICE_KEY_LENGTH].strip("-") or "service"
    taken = set(assessment.services.values_list("key", flat=True))
    key, number = base, 2
    while key in taken:
        key = f"{base}-{number}"
        number += 1
    return key


def _service_checked(
    assessment: Assessment, name: str, description: str, *, exclude: int | None = None
) -> tuple[str, str]:
    """The cleaned name and description, the name unique in the assessment (`exclude`: the service renamed)."""
    name = _clean_name(name, field="name", what="the service's name")
    description = _clean_text(description, field="description", max_length=2000)
    if assessment.services.filter(name__iexact=name).exclude(pk=exclude).exists():
        raise ValidationError({"name": f"There is already a service called “{name}”. Give each service its own name."})
    return name, description


@transaction.atomic
def service_add(*, assessment: Assessment, name: str, description: str = "", actor: User) -> Service:
    assessment = _editable(assessment, actor)
    name, description = _service_checked(assessment, name, description)
    service = Service.objects.create(
        assessment=assessment,
        key=_service_key(assessment, name),
        name=name,
        description=description,
        position=_next_position(assessment.services),
    )
    _touched(assessment, actor)
    audit_event_record(
        action="service.added",
        actor=actor,
        assessment=assessment,
        obj=service,
        data={"key": service.key, "name": name, "description": description},
    )
    return service


@transaction.atomic
def service_rename(*, service: Service, name: str, description: str = "", actor: User) -> Service:
    """Change a service's name and description; its key (and so its answers in the profile) stays."""
    assessment = _editable(service.assessment, actor)
    name, description = _service_checked(assessment, name, description, exclude=service.pk)
    before = {"name": service.name, "description": service.description}
    service.name, service.description = name, description
    service.save(update_fields=["name", "description"])
    _touched(assessment, actor)
    audit_event_record(
        action="service.renamed",
        actor=actor,
        assessment=assessment,
        obj=service,
        data={"key": service.key, "before": before, "after": {"name": name, "description": description}},
    )
    return service


@transaction.atomic
def service_remove(*, service: Service, actor: User) -> None:
    """Remove a service with its answers; the event keeps the answers, so nothing is lost without a trace."""
    assessment = _editable(service.assessment, actor)
    answers = dict(service.answers.values_list("question_key", "value"))
    audit_event_record(
        action="service.removed",
        actor=actor,
        assessment=assessment,
        obj=service,
        data={"key": service.key, "name": service.name, "description": service.description, "answers": answers},
    )
    service.delete()
    _touched(assessment, actor)


# ------------------------------------------------------------------------------------- subservice organizations


def _subservice_checked(
    assessment: Assessment,
    *,
    name: str,
    provides: str,
    services: Iterable[Service],
    has_soc_report: str,
    controls_required: str,
    will_participate: str,
) -> tuple[dict[str, str], list[Service]]:
    """The cleaned model fields, and the services it supports (which must be the assessment's own)."""
    fields = {
        "name": _clean_name(name, field="name", what="the subservice organization's name"),
        "provides": _clean_name(provides, field="provides", what="what it provides", max_length=300)
        if (provides or "").strip()
        else "",
    }
    for field, value in (
        ("has_soc_report", has_soc_report),
        ("controls_required", controls_required),
        ("will_participate", will_participate),
    ):
        if value not in TRISTATES:
            raise ValidationError({field: "Choose yes, no or don't know."})
        fields[field] = value
    supported = list(services)
    if any(service.assessment_id != assessment.pk for service in supported):
        raise ValidationError({"services": "Choose services of this assessment."})
    return fields, supported


def _subservice_snapshot(sub: SubserviceOrganization) -> dict[str, Any]:
    return {
        "name": sub.name,
        "provides": sub.provides,
        "services": sorted(s.key for s in sub.services.all()),
        "has_soc_report": sub.has_soc_report,
        "controls_required": sub.controls_required,
        "will_participate": sub.will_participate,
    }


@transaction.atomic
def subservice_organization_add(
    *,
    assessment: Assessment,
    name: str,
    provides: str = "",
    services: Iterable[Service] = (),
    has_soc_report: str = "unknown",
    controls_required: str = "unknown",
    will_participate: str = "unknown",
    actor: User,
) -> SubserviceOrganization:
    assessment = _editable(assessment, actor)
    fields, supported = _subservice_checked(
        assessment,
        name=name,
        provides=provides,
        services=services,
        has_soc_report=has_soc_report,
        controls_required=controls_required,
        will_participate=will_participate,
    )
    sub = SubserviceOrganization.objects.create(
        assessment=assessment, position=_next_position(assessment.subservice_organizations), **fields
    )
    sub.services.set(supported)
    _touched(assessment, actor)
    audit_event_record(
        action="subservice_organization.added",
        actor=actor,
        assessment=assessment,
        obj=sub,
        data=_subservice_snapshot(sub),
    )
    return sub


@transaction.atomic
def subservice_organization_update(
    *,
    subservice_organization: SubserviceOrganization,
    name: str,
    provides: str = "",
    services: Iterable[Service] = (),
    has_soc_report: str = "unknown",
    controls_required: str = "unknown",
    will_participate: str = "unknown",
    actor: User,
) -> SubserviceOrganization:
    sub = subservice_organization
    assessment = _editable(sub.assessment, actor)
    fields, supported = _subservice_checked(
        assessment,
        name=name,
        provides=provides,
        services=services,
        has_soc_report=has_soc_report,
        controls_required=controls_required,
        will_participate=will_participate,
    )
    before = _subservice_snapshot(sub)
    for field, value in fields.items():
        setattr(sub, field, value)
    sub.save(update_fields=list(fields))
    sub.services.set(supported)
    _touched(assessment, actor)
    audit_event_record(
        action="subservice_organization.updated",
        actor=actor,
        assessment=assessment,
        obj=sub,
        data={"before": before, "after": _subservice_snapshot(sub)},
    )
    return sub


@transaction.atomic
def subservice_organization_remove(*, subservice_organization: SubserviceOrganization, actor: User) -> None:
    sub = subservice_organization
    assessment = _editable(sub.assessment, actor)
    audit_event_record(
        action="subservice_organization.removed",
        actor=actor,
        assessment=assessment,
        obj=sub,
        data=_subservice_snapshot(sub),
    )
    sub.delete()
    _touched(assessment, actor)


# ------------------------------------------------------------------------------------------------ answers


@transaction.atomic
def section_answers_save(
    *,
    assessment: Assessment,
    service: Service | None,
    section_key: str,
    data: Mapping[str, Any],
    expected_version: int,
    actor: User,
) -> SectionState:
    """Save one questionnaire section as a draft.

    The posted `data` is validated by the section's form, so only the questions the engine shows for the new
    answers are read. The save is refused with `StaleSectionError` unless the section is still at
    `expected_version` (the version the form was opened at): the check and the increment are one conditional
    UPDATE, so of two concurrent saves exactly one wins. Raises `SectionValidationError` with the bound form.
    """
    assessment = _editable(assessment, actor)
    if service is not None and service.assessment_id != assessment.pk:
        raise ValidationError("The service belongs to another assessment.")
    intake = section_intake_load(assessment, service)
    section = intake.section(section_key, ORGANIZATION if service is None else SERVICE)
    if section is None:
        raise ValidationError(f"This questionnaire has no such section: {section_key!r}.")
    saved = intake.answers_for(service)
    form = section_form(
        bank=intake.bank,
        section=section,
        org_answers=intake.org_answers,
        service_answers=None if service is None else saved,
        data=data,
    )
    if not form.is_valid():
        raise SectionValidationError(form)

    state, _ = SectionState.objects.get_or_create(assessment=assessment, service=service, section_key=section_key)
    now = timezone.now()
    claimed = SectionState.objects.filter(pk=state.pk, version=expected_version).update(
        version=F("version") + 1, updated_by=actor, updated_at=now
    )
    if not claimed:
        state.refresh_from_db()
        raise StaleSectionError(state, actor)
    state.refresh_from_db()

    changes = {}
    for key, after in form.answers().items():
        before = saved.get(key)
        if before == after:
            continue
        changes[key] = {"before": before, "after": after}
        rows = Answer.objects.filter(assessment=assessment, service=service, question_key=key)
        if after is None:
            rows.delete()
        elif not rows.update(value=after, updated_by=actor, updated_at=now):
            Answer.objects.create(
                assessment=assessment, service=service, question_key=key, value=after, updated_by=actor
            )
    _touched(assessment, actor)
    audit_event_record(
        action="answers.changed",
        actor=actor,
        assessment=assessment,
        obj=state,
        data={
            "section": section_key,
            "service": service.key if service is not None else None,
            "version": state.version,
            "changes": changes,
        },
    )
    return state


# ------------------------------------------------------------------------------------------------ submission


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor: User, comment: str = "") -> Memo:
    """Send the assessment for review: freezes the answers, and the memo freezes the profile, bank and result.

    Safe against a double click: the row is locked and the status change is conditional, so of two concurrent
    submits one makes the memo and the other is refused.
    """
    from assessments.services.memos import memo_create

    locked = _locked(assessment)
    action = "resubmit" if locked.status == Assessment.Status.CHANGES_REQUESTED else "submit"
    step = step_check(assessment=locked, actor=actor, action=action)
    intake = intake_load(locked)
    if not intake.services:
        raise ValidationError("Add at least one service before submitting.")
    unanswered = [item for item in intake.open_items() if not item.unknown]
    if unanswered:
        noun = "question is" if len(unanswered) == 1 else "questions are"
        raise ValidationError(f"{len(unanswered)} required {noun} not answered yet. Answer them, then submit.")
    # Databases without row locks (SQLite) still let only one of two racing submits change the status.
    claimed = Assessment.objects.filter(pk=locked.pk, status=locked.status).update(
        status=STEPS[action].target, updated_by=actor, updated_at=timezone.now()
    )
    if not claimed:
        raise ValidationError("This assessment was submitted already.")
    transition_record(
        assessment=locked,
        actor=actor,
        step=step,
        comment=comment,
        data={
            "bank_version": locked.bank_version.label,
            "answers": len(intake.org_answers) + sum(len(a) for a in intake.service_answers.values()),
        },
    )
    assessment.status = locked.status
    return memo_create(assessment=locked, actor=actor, kind="submission")
