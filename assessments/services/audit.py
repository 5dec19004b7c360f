"""The explicit domain event log. Every service function records what it did here."""

from __future__ import annotations

from typing import Any

from assessments.models import AuditEvent, Organization, User
from assessments.models.intake import Assessment


def audit_event_record(
    *,
    action: str,
    actor: User | None,
    assessment: Assessment | None = None,
    organization: Organization | None = None,
    obj: object | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `action` is a namespaced code such as `assessment.submitted`."""
    if organization is None and assessment is not None:
        organization = assessment.organization
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        assessment=assessment,
        organization=organization,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        data=data or {},
    )
