"""Auditor review: assignments, the workflow, comment threads, overrides, approval and copying an assessment.

Every function checks the actor's role on the assessment itself (views check it too, to pick 403 or 404), locks the
assessment row so two people cannot move it at once, records an audit event and queues its notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments import notifications
from assessments.models import (
    Answer,
    Assessment,
    Assignment,
    BankVersion,
    Comment,
    Membership,
    Organization,
    Override,
    Question,
    Service,
    SubserviceOrganization,
    Transition,
    User,
)
from assessments.overrides import OverrideError, override_target, override_value_clean
from assessments.selectors.access import AUDITOR, MANAGER, assessment_role
from assessments.services.audit import audit_event_record

Status = Assessment.Status
MAX_TEXT = 5000


@dataclass(frozen=True)
class Step:
    """One workflow transition: who may take it, from where, to where, and what it is called in the log."""

    action: str
    label: str
    role: str
    sources: tuple[str, ...]
    target: str
    event: str
    comment_required: bool = False


STEPS: dict[str, Step] = {
    step.action: step
    for step in (
        Step("submit", "Submit for review", MANAGER, (Status.DRAFT,), Status.SUBMITTED, "assessment.submitted"),
        Step(
            "resubmit",
            "Resubmit for review",
            MANAGER,
            (Status.CHANGES_REQUESTED,),
            Status.RESUBMITTED,
            "assessment.resubmitted",
        ),
        Step(
            "start_review",
            "Start review",
            AUDITOR,
            (Status.SUBMITTED, Status.RESUBMITTED),
            Status.IN_REVIEW,
            "assessment.review_started",
        ),
        Step(
            "request_changes",
            "Request changes",
            AUDITOR,
            (Status.IN_REVIEW,),
            Status.CHANGES_REQUESTED,
            "assessment.changes_requested",
            comment_required=True,
        ),
        Step("approve", "Approve", AUDITOR, (Status.IN_REVIEW,), Status.APPROVED, "assessment.approved"),
    )
}


def steps_available(*, role: str | None, status: str) -> list[Step]:
    """The transitions `role` may take from `status`, in workflow order."""
    return [step for step in STEPS.values() if step.role == role and status in step.sources]


def _locked(assessment: Assessment) -> Assessment:
    """Re-read the assessment under a row lock so a concurrent transition waits and then sees the new status."""
    fresh = Assessment.objects.select_for_update().get(pk=assessment.pk)
    assessment.status = fresh.status
    return assessment


def _require_role(actor: User, assessment: Assessment, *roles: str) -> str:
    role = assessment_role(actor, assessment)
    if role not in roles:
        raise PermissionDenied("Your role on this assessment does not allow this.")
    return role


def _require_open(assessment: Assessment) -> None:
    if assessment.status == Status.APPROVED:
        raise PermissionDenied("This assessment is approved and final. Copy it to start a new scoping.")


def _clean_text(value: str, *, field: str, required: bool, what: str, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"Enter {what}."})
    if len(text) > max_length:
        raise ValidationError({field: f"Keep {what} to {max_length} characters (it has {len(text)})."})
    return text


# ------------------------------------------------------------------------------------------------ workflow


def transition_record(
    *, assessment: Assessment, actor: User, step: Step, comment: str = "", data: dict[str, Any] | None = None
) -> Transition:
    """Move a locked, checked assessment along `step`: the Transition row, the audit event, the notification.

    For callers that already hold the row lock and have checked role and status (such as the questionnaire's
    `assessment_submit`, which also renders the submission memo); everyone else calls `assessment_transition`.
    Raises ValidationError for a missing or overlong comment; the caller's transaction then saves nothing.
    """
    comment = _clean_text(comment, field="comment", required=step.comment_required, what="a comment")
    from_status = assessment.status
    assessment.status = step.target
    assessment.updated_by = actor
    assessment.save(update_fields=["status", "updated_by", "updated_at"])
    transition = Transition.objects.create(
        assessment=assessment, from_status=from_status, to_status=step.target, actor=actor, comment=comment
    )
    audit_event_record(
        action=step.event,
        actor=actor,
        assessment=assessment,
        obj=transition,
        data={"from": from_status, "to": step.target, "comment": comment, **(data or {})},
    )
    notifications.transition_notify(transition)
    return transition


def step_check(*, assessment: Assessment, actor: User, action: str) -> Step:
    """The step for `action` if `actor` may take it now: PermissionDenied for the wrong role, ValidationError when
    the assessment is not in a status the step starts from."""
    step = STEPS.get(action)
    if step is None:
        raise ValidationError({"action": "Unknown workflow action."})
    _require_role(actor, assessment, step.role)
    if assessment.status not in step.sources:
        if assessment.status == Status.APPROVED:
            _require_open(assessment)
        raise ValidationError(
            {"action": f"This assessment is {assessment.get_status_display().lower()}; it cannot {step.label.lower()}."}
        )
    return step


@transaction.atomic
def assessment_transition(*, assessment: Assessment, actor: User, action: str, comment: str = "") -> Transition:
    """Take one of the auditor's workflow steps: `start_review`, `request_changes` or `approve`.

    Approving renders the approval memo in the same transaction: if rendering fails, nothing is approved.
    Submitting and resubmitting go through the questionnaire's `assessment_submit`, which checks the answers.
    """
    assessment = _locked(assessment)
    step = step_check(assessment=assessment, actor=actor, action=action)
    if step.role != AUDITOR:
        raise ValidationError({"action": "Submit from the questionnaire, which checks every answer first."})
    transition = transition_record(assessment=assessment, actor=actor, step=step, comment=comment)
    if step.target == Status.APPROVED:
        from assessments.services.memos import memo_create

        memo_create(assessment=assessment, actor=actor, kind="approval")
    return transition


# --------------------------------------------------------------------------------------------- assignments


def _auditor_match(who: str) -> User | Organization | None:
    """An auditor user (by username or email) or an audit firm (by slug) named by `who`."""
    auditors = User.objects.filter(is_active=True, memberships__role=Membership.Role.AUDITOR).distinct()
    user = auditors.filter(Q(username__iexact=who) | Q(email__iexact=who)).first()
    if user is not None:
        return user
    return Organization.objects.filter(kind=Organization.Kind.AUDIT_FIRM, slug__iexact=who).first()


@transaction.atomic
def assignment_create(*, assessment: Assessment, actor: User, who: str) -> Assignment:
    """Assign an auditor (username or email) or a whole audit firm (slug) to review the assessment."""
    assessment = _locked(assessment)
    _require_role(actor, assessment, MANAGER)
    _require_open(assessment)
    who = (who or "").strip()
    if not who:
        raise ValidationError({"who": "Enter an auditor's username or email, or an audit firm's slug."})
    match = _auditor_match(who)
    if match is None:
        raise ValidationError({"who": f"No auditor or audit firm is called “{who}”."})
    field = "auditor" if isinstance(match, User) else "firm"
    if assessment.assignments.filter(**{field: match}).exists():
        raise ValidationError({"who": f"{match} is already assigned."})
    assignment = Assignment.objects.create(assessment=assessment, created_by=actor, **{field: match})
    audit_event_record(
        action="assignment.created",
        actor=actor,
        assessment=assessment,
        obj=assignment,
        data={field: str(match), "identifier": getattr(match, "username", None) or match.slug},
    )
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: Assignment, actor: User) -> None:
    assessment = _locked(assignment.assessment)
    _require_role(actor, assessment, MANAGER)
    _require_open(assessment)
    audit_event_record(
        action="assignment.deleted",
        actor=actor,
        assessment=assessment,
        obj=assignment,
        data={"auditor": str(assignment.auditor or ""), "firm": str(assignment.firm or "")},
    )
    assignment.delete()


# ------------------------------------------------------------------------------------------------ comments


def _question_check(assessment: Assessment, service: Service | None, question_key: str) -> None:
    question = (
        Question.objects.filter(version_id=assessment.bank_version_id, key=question_key)
        .select_related("section")
        .first()
    )
    if question is None:
        raise ValidationError({"question_key": "This assessment's question bank has no such question."})
    is_service_question = question.section.level == "service"
    if is_service_question != (service is not None):
        raise ValidationError(
            {"question_key": "Name the service for a service question, and none for an organization question."}
        )


@transaction.atomic
def comment_create(
    *,
    assessment: Assessment,
    actor: User,
    body: str,
    service: Service | None = None,
    question_key: str = "",
    parent: Comment | None = None,
) -> Comment:
    """A new thread on the assessment, a service or one question's answer, or a reply to a thread."""
    assessment = _locked(assessment)
    _require_role(actor, assessment, MANAGER, AUDITOR)
    _require_open(assessment)
    body = _clean_text(body, field="body", required=True, what="a comment")
    if parent is not None:
        if parent.assessment_id != assessment.pk:
            raise ValidationError({"parent": "That thread belongs to another assessment."})
        if parent.parent_id is not None:
            parent = parent.parent
        service, question_key = parent.service, parent.question_key
        if parent.resolved:
            parent.resolved, parent.resolved_by, parent.resolved_at = False, None, None
            parent.save(update_fields=["resolved", "resolved_by", "resolved_at"])
    else:
        if service is not None and service.assessment_id != assessment.pk:
            raise ValidationError({"service": "That service belongs to another assessment."})
        if question_key:
            _question_check(assessment, service, question_key)
    comment = Comment.objects.create(
        assessment=assessment,
        service=service,
        question_key=question_key or "",
        parent=parent,
        author=actor,
        body=body,
    )
    audit_event_record(
        action="comment.created",
        actor=actor,
        assessment=assessment,
        obj=comment,
        data={
            "service": service.key if service else None,
            "question": question_key or None,
            "reply_to": parent.pk if parent else None,
            "body": body,
        },
    )
    notifications.comment_notify(comment)
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, actor: User, resolved: bool = True) -> Comment:
    """Mark a thread resolved, or open it again."""
    assessment = _locked(comment.assessment)
    _require_role(actor, assessment, MANAGER, AUDITOR)
    _require_open(assessment)
    thread = comment.parent or comment
    if thread.resolved == resolved:
        return thread
    thread.resolved = resolved
    thread.resolved_by = actor if resolved else None
    thread.resolved_at = timezone.now() if resolved else None
    thread.save(update_fields=["resolved", "resolved_by", "resolved_at"])
    audit_event_record(
        action="comment.resolved" if resolved else "comment.reopened",
        actor=actor,
        assessment=assessment,
        obj=thread,
        data={"service": thread.service.key if thread.service else None, "question": thread.question_key or None},
    )
    return thread


# ----------------------------------------------------------------------------------------------- overrides


def _engine_and_shown(assessment: Assessment, *, without: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    from assessments.overrides import result_with_overrides
    from assessments.selectors.review import assessment_engine_result, overrides_json

    engine = assessment_engine_result(assessment)
    if engine is None:
        raise ValidationError({"target": "This assessment has no scoping result to override yet."})
    others = [o for o in overrides_json(assessment) if o["target"] != without]
    return engine, result_with_overrides(engine, others)


@transaction.atomic
def override_save(*, assessment: Assessment, actor: User, target: str, value: Any, reason: str) -> Override:
    """Record the auditor's decision for one conclusion, replacing an earlier override of the same target."""
    assessment = _locked(assessment)
    _require_role(actor, assessment, AUDITOR)
    _require_open(assessment)
    if assessment.status != Status.IN_REVIEW:
        raise ValidationError({"target": "Start the review before overriding a conclusion."})
    reason = _clean_text(reason, field="reason", required=True, what="the reason for the override")
    engine, shown = _engine_and_shown(assessment, without=target)
    try:
        found = override_target(engine, shown, target)
    except OverrideError as exc:
        raise ValidationError({"target": str(exc)}) from exc
    try:
        cleaned = override_value_clean(found.kind, value)
    except OverrideError as exc:
        raise ValidationError({"value": str(exc)}) from exc
    if cleaned == found.engine_value:
        raise ValidationError(
            {"value": f"The engine already recommends {found.engine_display}; withdraw the override instead."}
        )
    previous = assessment.overrides.filter(target=target).first()
    before = None if previous is None else {"value": previous.value, "reason": previous.reason}
    override, _ = Override.objects.update_or_create(
        assessment=assessment,
        target=target,
        defaults={"engine_value": found.engine_value, "value": cleaned, "reason": reason, "author": actor},
    )
    audit_event_record(
        action="override.saved",
        actor=actor,
        assessment=assessment,
        obj=override,
        data={
            "target": target,
            "label": found.label,
            "engine_value": found.engine_value,
            "value": cleaned,
            "reason": reason,
            "before": before,
        },
    )
    return override


@transaction.atomic
def override_delete(*, override: Override, actor: User) -> None:
    """Withdraw an override: the engine's conclusion stands again."""
    assessment = _locked(override.assessment)
    _require_role(actor, assessment, AUDITOR)
    _require_open(assessment)
    if assessment.status != Status.IN_REVIEW:
        raise ValidationError({"target": "Overrides change only while the review is in progress."})
    audit_event_record(
        action="override.withdrawn",
        actor=actor,
        assessment=assessment,
        obj=override,
        data={"target": override.target, "engine_value": override.engine_value, "value": override.value},
    )
    override.delete()


# ---------------------------------------------------------------------------------------------------- copy


def _answer_fits(question: Question, value: Any, choice_keys: set[str]) -> bool:
    """Whether an answer from an older bank version still fits the question in the newer one."""
    if question.type == Question.Type.SINGLE:
        return value in choice_keys
    if question.type == Question.Type.MULTI:
        return isinstance(value, list) and all(item in choice_keys for item in value)
    return True


@transaction.atomic
def assessment_copy(*, assessment: Assessment, actor: User, name: str = "") -> Assessment:
    """A new draft with the same services, subservice organizations and answers, on the newest published version
    of the same question bank, dated today. Answers the newer bank no longer asks (or whose choices it dropped)
    are left out, so the copy is always a valid draft."""
    _require_role(actor, assessment, MANAGER)
    name = _clean_text(name, field="name", required=False, what="the name", max_length=200)
    name = name or f"{assessment.name} (copy)"[:200]
    version = (
        BankVersion.objects.filter(bank_id=assessment.bank_version.bank_id, status=BankVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    ) or assessment.bank_version
    copy = Assessment.objects.create(
        organization=assessment.organization,
        name=name,
        as_of=timezone.localdate(),
        bank_version=version,
        copied_from=assessment,
        created_by=actor,
        updated_by=actor,
    )
    services: dict[int, Service] = {}
    for service in assessment.services.all():
        services[service.pk] = Service.objects.create(
            assessment=copy,
            key=service.key,
            name=service.name,
            description=service.description,
            position=service.position,
        )
    for vendor in assessment.subservice_organizations.prefetch_related("services"):
        new_vendor = SubserviceOrganization.objects.create(
            assessment=copy,
            name=vendor.name,
            provides=vendor.provides,
            has_soc_report=vendor.has_soc_report,
            controls_required=vendor.controls_required,
            will_participate=vendor.will_participate,
            position=vendor.position,
        )
        new_vendor.services.set([services[s.pk] for s in vendor.services.all()])
    questions = {
        q.key: (q, {c.key for c in q.choices.all()})
        for q in Question.objects.filter(version=version).select_related("section").prefetch_related("choices")
    }
    copied, dropped = 0, []
    for answer in assessment.answers.all():
        found = questions.get(answer.question_key)
        fits = (
            found is not None
            and (found[0].section.level == "service") == (answer.service_id is not None)
            and _answer_fits(found[0], answer.value, found[1])
        )
        if not fits:
            dropped.append(answer.question_key)
            continue
        Answer.objects.create(
            assessment=copy,
            service=services.get(answer.service_id) if answer.service_id else None,
            question_key=answer.question_key,
            value=answer.value,
            updated_by=actor,
        )
        copied += 1
    # Imported here: the intake services import this module's workflow steps.
    from assessments.services.intake import assessment_progress_refresh

    assessment_progress_refresh(assessment=copy)
    audit_event_record(
        action="assessment.created",
        actor=actor,
        assessment=copy,
        obj=copy,
        data={
            "name": copy.name,
            "copied_from": assessment.pk,
            "bank_version": version.label,
            "answers_copied": copied,
            "answers_dropped": sorted(set(dropped)),
        },
    )
    audit_event_record(
        action="assessment.copied",
        actor=actor,
        assessment=assessment,
        obj=copy,
        data={"copy": copy.pk, "name": copy.name},
    )
    return copy
