"""A realistic world for the security tests: two tenants, an audit firm, the usual cast and a staff admin.

The organization has a draft assessment (the questionnaire is half filled in) and a submitted one (memo,
comment thread, override, transition, auditor assigned). The other organization mirrors it, so tests can
send ids that belong to someone else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.files.base import ContentFile

from assessments.models import (
    Answer,
    Assessment,
    Comment,
    Memo,
    Organization,
    Override,
    SectionState,
    Service,
    SubserviceOrganization,
    Transition,
    User,
)
from tests.conftest import Cast
from tests.factories import (
    AssessmentFactory,
    AssignmentFactory,
    ServiceFactory,
    SubserviceOrganizationFactory,
    UserFactory,
)

ROLES = ("anonymous", "manager", "viewer", "outsider", "auditor", "unassigned_auditor", "staff")

# A tiny but valid PDF, so memo downloads have bytes to serve without rendering one per test.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Tenant:
    """One organization's objects: a draft assessment being filled in and a submitted one under review."""

    org: Organization
    draft: Assessment
    submitted: Assessment
    service: Service
    submitted_service: Service
    subservice: SubserviceOrganization
    submitted_subservice: SubserviceOrganization
    answer: Answer
    section_state: SectionState
    memo: Memo
    comment: Comment
    reply: Comment
    override: Override
    transition: Transition


@dataclass
class World:
    cast: Cast
    staff: User
    mine: Tenant
    theirs: Tenant
    users: dict[str, User | None] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return self.users[role]


def memo_store(assessment: Assessment, *, number: int, author: User) -> Memo:
    memo = Memo(
        assessment=assessment,
        number=number,
        kind=Memo.Kind.SUBMISSION,
        profile={"schema": "socscope.profile/1"},
        result={"schema": "socscope.result/1"},
        bank_version=assessment.bank_version,
        engine_version="test",
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        size=len(PDF_BYTES),
        created_by=author,
    )
    memo.pdf.save(f"memo-{assessment.pk}-{number}.pdf", ContentFile(PDF_BYTES), save=False)
    memo.save()
    return memo


def tenant_build(org: Organization, *, manager: User, auditor: User | None, prefix: str) -> Tenant:
    draft = AssessmentFactory(
        organization=org, created_by=manager, updated_by=manager, name=f"{prefix} FY2027 draft scoping"
    )
    return tenant_fill(draft, manager=manager, auditor=auditor, prefix=prefix)


def tenant_fill(draft: Assessment, *, manager: User, auditor: User | None, prefix: str) -> Tenant:
    org = draft.organization
    service = ServiceFactory(assessment=draft, key="payroll", name=f"{prefix} Payroll processing")
    subservice = SubserviceOrganizationFactory(assessment=draft, name=f"{prefix} Cloud IaaS Co")
    subservice.services.add(service)
    answer = Answer.objects.create(
        assessment=draft, service=None, question_key="controls_operating_months", value=14, updated_by=manager
    )
    Answer.objects.create(
        assessment=draft, service=service, question_key="stores_customer_data", value=True, updated_by=manager
    )
    section_state = SectionState.objects.create(assessment=draft, section_key="organization", version=1)

    submitted = AssessmentFactory(
        organization=org,
        created_by=manager,
        updated_by=manager,
        name=f"{prefix} FY2026 submitted scoping",
        status=Assessment.Status.SUBMITTED,
    )
    submitted_service = ServiceFactory(assessment=submitted, key="payroll", name=f"{prefix} Payroll (submitted)")
    submitted_subservice = SubserviceOrganizationFactory(assessment=submitted, name=f"{prefix} Hosting Co")
    submitted_subservice.services.add(submitted_service)
    Answer.objects.create(
        assessment=submitted, service=None, question_key="controls_operating_months", value=2, updated_by=manager
    )
    transition = Transition.objects.create(
        assessment=submitted, from_status="draft", to_status="submitted", actor=manager, comment="Ready."
    )
    memo = memo_store(submitted, number=1, author=manager)
    if auditor is not None:
        AssignmentFactory(assessment=submitted, auditor=auditor, created_by=manager)
    author = auditor or manager
    comment = Comment.objects.create(
        assessment=submitted, question_key="controls_operating_months", author=author, body="Evidence for 14 months?"
    )
    reply = Comment.objects.create(assessment=submitted, parent=comment, author=manager, body="Attached in SharePoint.")
    override = Override.objects.create(
        assessment=submitted,
        target="services.payroll.soc1.strength",
        engine_value="recommended",
        value="required",
        reason="Clients are SEC registrants.",
        author=author,
    )
    return Tenant(
        org=org,
        draft=draft,
        submitted=submitted,
        service=service,
        submitted_service=submitted_service,
        subservice=subservice,
        submitted_subservice=submitted_subservice,
        answer=answer,
        section_state=section_state,
        memo=memo,
        comment=comment,
        reply=reply,
        override=override,
        transition=transition,
    )


def world_build(cast: Cast) -> World:
    staff = UserFactory(username="sam-staff", full_name="Sam Staff", is_staff=True, is_superuser=True)
    mine = tenant_fill(cast.assessment, manager=cast.manager, auditor=cast.auditor, prefix="Acme")
    theirs = tenant_build(cast.other_org, manager=cast.outsider, auditor=None, prefix="Globex")
    users: dict[str, User | None] = {
        "anonymous": None,
        "manager": cast.manager,
        "viewer": cast.viewer,
        "outsider": cast.outsider,
        "auditor": cast.auditor,
        "unassigned_auditor": cast.unassigned_auditor,
        "staff": staff,
    }
    return World(cast=cast, staff=staff, mine=mine, theirs=theirs, users=users)
