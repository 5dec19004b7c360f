"""A realistic world for the security tests: two tenants, an audit firm, the usual cast and a staff admin.

Built through the services, as people would build it: each organization has a draft assessment (services, a
vendor, every question answered, one section saved through the questionnaire) and an assessment under review
(assigned auditor, submitted with its memo, review started, a comment thread, an override). The other
organization mirrors it with its own auditor, so tests can send ids that belong to someone else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.core.exceptions import ValidationError
from django.http import QueryDict

from assessments.engine import visible_questions
from assessments.models import (
    Answer,
    Assessment,
    Assignment,
    BankVersion,
    Comment,
    Membership,
    Memo,
    Organization,
    Override,
    SectionState,
    Service,
    SubserviceOrganization,
    Transition,
    User,
)
from assessments.selectors.banks import engine_bank
from assessments.services import intake, review
from tests.conftest import Cast
from tests.factories import AssessmentFactory, AuditFirmFactory, MembershipFactory, UserFactory

ROLES = ("anonymous", "manager", "viewer", "outsider", "auditor", "unassigned_auditor", "staff")
ORG_SECTION = "organization_reports"
ORG_QUESTION = "controls_operating_months"
SERVICE_SECTION = "data_and_commitments"
SERVICE_QUESTION = "stores_customer_data"

# A tiny but valid PDF, so memo downloads have bytes to serve without rendering one per test.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Tenant:
    """One organization's objects: a draft being filled in and an assessment under review."""

    org: Organization
    draft: Assessment
    review: Assessment
    service: Service
    review_service: Service
    subservice: SubserviceOrganization
    review_subservice: SubserviceOrganization
    section_state: SectionState
    memo: Memo
    comment: Comment
    reply: Comment
    override: Override
    transition: Transition
    assignment: Assignment


@dataclass
class World:
    cast: Cast
    bank_version: BankVersion
    staff: User
    mine: Tenant
    theirs: Tenant
    users: dict[str, User | None] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return self.users[role]


def sample_value(question: Any) -> Any:
    """A valid answer that keeps follow-up questions few: no, none, the first choice, a plain number or text."""
    if question.type in ("yes_no", "yes_no_unknown"):
        return False
    if question.type == "single":
        return question.choice_keys[0]
    if question.type == "multi":
        return ["none"] if "none" in question.choice_keys else [question.choice_keys[0]]
    if question.type == "number":
        return 14
    if question.type == "date":
        return "2027-03-31"
    return "Described in the system description."


def answers_complete(assessment: Assessment, *, actor: User) -> None:
    """Answer every question the engine shows, for the organization and each service (stored directly)."""
    bank = engine_bank(assessment.bank_version)
    org_answers: dict[str, Any] = {}
    for question in visible_questions(bank, "organization", org_answers):
        org_answers[question.key] = sample_value(question)
    for key, value in org_answers.items():
        Answer.objects.update_or_create(
            assessment=assessment, service=None, question_key=key, defaults={"value": value, "updated_by": actor}
        )
    for service in assessment.services.all():
        answers: dict[str, Any] = {}
        for question in visible_questions(bank, "service", org_answers, answers):
            answers[question.key] = sample_value(question)
        for key, value in answers.items():
            Answer.objects.update_or_create(
                assessment=assessment, service=service, question_key=key, defaults={"value": value, "updated_by": actor}
            )


def section_save(assessment: Assessment, *, actor: User, months: int) -> SectionState:
    """Save the first organization section through the questionnaire service, as the form would post it."""
    data = QueryDict(mutable=True)
    data.setlist("_shown", [ORG_QUESTION])
    data[ORG_QUESTION] = str(months)
    current = SectionState.objects.filter(assessment=assessment, service=None, section_key=ORG_SECTION).first()
    return intake.section_answers_save(
        assessment=assessment,
        service=None,
        section_key=ORG_SECTION,
        data=data,
        expected_version=current.version if current else 0,
        actor=actor,
    )


@contextmanager
def quick_memos() -> Iterator[None]:
    """Memo rendering stands in for WeasyPrint with a fixed small PDF: the world needs memos, not their layout."""
    with mock.patch("assessments.services.memos.memo_pdf", return_value=PDF_BYTES):
        yield


def override_record(assessment: Assessment, service: Service, auditor: User) -> Override:
    target = f"services.{service.key}.soc1.strength"
    try:
        return review.override_save(
            assessment=assessment, actor=auditor, target=target, value="required", reason="SEC registrants rely on it."
        )
    except ValidationError:  # the engine says "required" already
        return review.override_save(
            assessment=assessment, actor=auditor, target=target, value="recommended", reason="Fewer clients rely."
        )


def tenant_fill(draft: Assessment, *, manager: User, auditor: User, prefix: str) -> Tenant:
    """The draft gets services, a vendor and answers; a second assessment is submitted, assigned and reviewed."""
    org = draft.organization
    service = intake.service_add(assessment=draft, name=f"{prefix} Payroll processing", actor=manager)
    subservice = intake.subservice_organization_add(
        assessment=draft, name=f"{prefix} Cloud IaaS Co", provides="Hosting", services=[service], actor=manager
    )
    answers_complete(draft, actor=manager)
    section_state = section_save(draft, actor=manager, months=14)

    under_review = intake.assessment_create(
        organization=org, name=f"{prefix} FY2026 scoping under review", as_of=draft.as_of, actor=manager
    )
    Assessment.objects.filter(pk=under_review.pk).update(bank_version=draft.bank_version)
    under_review.refresh_from_db()
    review_service = intake.service_add(assessment=under_review, name=f"{prefix} Payroll (reviewed)", actor=manager)
    review_subservice = intake.subservice_organization_add(
        assessment=under_review, name=f"{prefix} Hosting Co", services=[review_service], actor=manager
    )
    answers_complete(under_review, actor=manager)
    assignment = review.assignment_create(assessment=under_review, actor=manager, who=auditor.username)
    with quick_memos():
        memo = intake.assessment_submit(assessment=under_review, actor=manager)
    transition = review.assessment_transition(assessment=under_review, actor=auditor, action="start_review")
    under_review.refresh_from_db()
    comment = review.comment_create(
        assessment=under_review, actor=auditor, body=f"{prefix}: evidence for the months?", question_key=ORG_QUESTION
    )
    reply = review.comment_create(
        assessment=under_review, actor=manager, body="Attached in SharePoint.", parent=comment
    )
    override = override_record(under_review, review_service, auditor)
    return Tenant(
        org=org,
        draft=draft,
        review=under_review,
        service=service,
        review_service=review_service,
        subservice=subservice,
        review_subservice=review_subservice,
        section_state=section_state,
        memo=memo,
        comment=comment,
        reply=reply,
        override=override,
        transition=transition,
        assignment=assignment,
    )


def world_build(cast: Cast, *, bank_version: BankVersion) -> World:
    Assessment.objects.filter(pk=cast.assessment.pk).update(bank_version=bank_version)
    cast.assessment.refresh_from_db()
    staff = UserFactory(username="sam-staff", full_name="Sam Staff", is_staff=True, is_superuser=True)
    mine = tenant_fill(cast.assessment, manager=cast.manager, auditor=cast.auditor, prefix="Acme")
    their_draft = AssessmentFactory(
        bank_version=bank_version,
        organization=cast.other_org,
        created_by=cast.outsider,
        updated_by=cast.outsider,
        name="Globex FY2027 draft",
    )
    their_firm = AuditFirmFactory(name="Other Firm LLP")
    their_auditor = MembershipFactory(
        organization=their_firm, role=Membership.Role.AUDITOR, user=UserFactory(username="otto-auditor")
    ).user
    theirs = tenant_fill(their_draft, manager=cast.outsider, auditor=their_auditor, prefix="Globex")
    users: dict[str, User | None] = {
        "anonymous": None,
        "manager": cast.manager,
        "viewer": cast.viewer,
        "outsider": cast.outsider,
        "auditor": cast.auditor,
        "unassigned_auditor": cast.unassigned_auditor,
        "staff": staff,
    }
    return World(cast=cast, bank_version=bank_version, staff=staff, mine=mine, theirs=theirs, users=users)
