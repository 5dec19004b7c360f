"""Email notifications for the review workflow, sent through Django's email backend once the change commits.

Each message is rendered inside the transaction (so it describes exactly what was saved) and sent only after the
commit (so a rolled-back change sends nothing). One message per recipient: addresses are never shared.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from assessments.models import Assessment, Comment, Membership, Question, Transition, User

SUBJECTS = {
    "submitted": "Submitted for review: {name}",
    "resubmitted": "Resubmitted for review: {name}",
    "changes_requested": "Changes requested: {name}",
    "approved": "Approved: {name}",
    "comment": "New comment on {name}",
}
# The status a transition reaches -> the notification it sends (starting the review notifies nobody).
TRANSITION_EVENTS = {
    Assessment.Status.SUBMITTED: "submitted",
    Assessment.Status.RESUBMITTED: "resubmitted",
    Assessment.Status.CHANGES_REQUESTED: "changes_requested",
    Assessment.Status.APPROVED: "approved",
}


def managers_of(assessment: Assessment) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__organization_id=assessment.organization_id,
        memberships__role=Membership.Role.MANAGER,
    ).distinct()


def auditors_of(assessment: Assessment) -> QuerySet[User]:
    """Auditors assigned in person, and the auditors of every firm assigned."""
    firms = assessment.assignments.filter(firm__isnull=False).values("firm_id")
    people = assessment.assignments.filter(auditor__isnull=False).values("auditor_id")
    return User.objects.filter(
        Q(pk__in=people) | Q(memberships__organization_id__in=firms),
        is_active=True,
        memberships__role=Membership.Role.AUDITOR,
    ).distinct()


def absolute_url(name: str, *args: object, fragment: str = "") -> str:
    url = settings.SITE_URL + reverse(name, args=args)
    return f"{url}#{fragment}" if fragment else url


def notify(
    event: str,
    *,
    assessment: Assessment,
    actor: User | None,
    recipients: Iterable[User],
    url: str,
    extra: dict[str, object] | None = None,
) -> None:
    """Queue one email per recipient (never the actor, never an address twice) for after the commit."""
    addresses = sorted({u.email for u in recipients if u.email and (actor is None or u.pk != actor.pk)})
    if not addresses:
        return
    context = {"assessment": assessment, "actor": actor, "url": url, **(extra or {})}
    subject = SUBJECTS[event].format(name=assessment.name)
    body = render_to_string(f"emails/{event}.txt", context)
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in addresses]

    def send() -> None:
        get_connection().send_messages(messages)

    transaction.on_commit(send)


def transition_notify(transition: Transition) -> None:
    """Submitted and resubmitted go to the assigned auditors; changes requested and approved to the managers."""
    event = TRANSITION_EVENTS.get(transition.to_status)
    if event is None:
        return
    assessment = transition.assessment
    to_auditors = event in ("submitted", "resubmitted")
    notify(
        event,
        assessment=assessment,
        actor=transition.actor,
        recipients=auditors_of(assessment) if to_auditors else managers_of(assessment),
        url=absolute_url("assessments:review", assessment.pk),
        extra={"transition": transition},
    )


def comment_notify(comment: Comment) -> None:
    """A new comment or reply goes to the assessment's managers and assigned auditors, except its author."""
    assessment = comment.assessment
    thread = comment.parent or comment
    question = (
        Question.objects.filter(version_id=assessment.bank_version_id, key=thread.question_key).first()
        if thread.question_key
        else None
    )
    notify(
        "comment",
        assessment=assessment,
        actor=comment.author,
        recipients=[*managers_of(assessment), *auditors_of(assessment)],
        url=absolute_url("assessments:review", assessment.pk, fragment=f"comment-{thread.pk}"),
        extra={"comment": comment, "thread": thread, "question": question},
    )
