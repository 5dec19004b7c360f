"""Seeds the load test through the real services: managers with draft assessments to fill in, and auditors of a
firm assigned to submitted assessments whose memos were rendered by the real renderer.

Writes the plan the locustfile reads: who signs in, which pages they use, which memos they download.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse

from assessments.models import Membership, Organization, User
from assessments.selectors.banks import newest_published_version
from assessments.services import intake, review
from tests.security.world import answers_complete

PASSWORD = "load-test-password-not-secret"  # noqa: S105  (throwaway accounts in a throwaway database)
ORG_SECTION = "organization_reports"
ORG_QUESTION = "controls_operating_months"
SERVICE_SECTION = "system_components"
SERVICE_QUESTION = "service_infrastructure"
ORGANIZATIONS = 10
SUBMITTED = 8


@transaction.atomic
def people(prefix: str, count: int, organizations: list[Organization], role: str, password: str) -> list[User]:
    users = User.objects.bulk_create(
        User(username=f"{prefix}{n:03d}", full_name=f"Load {prefix.title()} {n}", password=password)
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organization=organizations[n % len(organizations)], role=role)
        for n, user in enumerate(users)
    )
    return users


def seed(*, managers: int, auditors: int) -> dict[str, Any]:
    version = newest_published_version("default")
    if version is None:
        raise SystemExit("No published default question bank after migrate; cannot seed the load test.")
    hashed = make_password(PASSWORD)  # hashing once: the production hasher is deliberately slow
    companies = [
        Organization.objects.create(name=f"Load Co {n}", slug=f"load-co-{n}", kind=Organization.Kind.SERVICE_ORG)
        for n in range(ORGANIZATIONS)
    ]
    firm = Organization.objects.create(name="Load Audit LLP", slug="load-audit", kind=Organization.Kind.AUDIT_FIRM)
    manager_users = people("manager", managers, companies, Membership.Role.MANAGER, hashed)
    auditor_users = people("auditor", auditors, [firm], Membership.Role.AUDITOR, hashed)
    as_of = dt.date.today()

    plan_managers = []
    for user in manager_users:
        company = user.memberships.get().organization
        assessment = intake.assessment_create(
            organization=company, name=f"{user.username} FY scoping", as_of=as_of, actor=user
        )
        service = intake.service_add(assessment=assessment, name="Payroll processing", actor=user)
        plan_managers.append(
            {
                "username": user.username,
                "assessment": assessment.pk,
                "service": service.pk,
                "detail": reverse("assessments:assessment_detail", args=[assessment.pk]),
                "targets": [
                    {
                        "url": reverse("assessments:section", args=[assessment.pk, ORG_SECTION]),
                        "question": ORG_QUESTION,
                        "service": None,
                        "kind": "number",
                    },
                    {
                        "url": reverse(
                            "assessments:service_section", args=[assessment.pk, service.pk, SERVICE_SECTION]
                        ),
                        "question": SERVICE_QUESTION,
                        "service": service.pk,
                        "kind": "text",
                    },
                ],
            }
        )

    memos = []
    for n in range(SUBMITTED):
        owner = manager_users[n % len(manager_users)]
        company = owner.memberships.get().organization
        assessment = intake.assessment_create(
            organization=company, name=f"Submitted scoping {n}", as_of=as_of, actor=owner
        )
        intake.service_add(assessment=assessment, name="Hosting", actor=owner)
        answers_complete(assessment, actor=owner)
        review.assignment_create(assessment=assessment, actor=owner, who=firm.slug)
        memo = intake.assessment_submit(assessment=assessment, actor=owner)
        memos.append(
            {
                "review": reverse("assessments:review", args=[assessment.pk]),
                "detail": reverse("assessments:memo_detail", args=[assessment.pk, memo.number]),
                "download": reverse("assessments:memo_download", args=[assessment.pk, memo.number]),
                "sha256": memo.sha256,
            }
        )
    return {
        "password": PASSWORD,
        "managers": plan_managers,
        "auditors": [user.username for user in auditor_users],
        "memos": memos,
        "review_list": reverse("assessments:review_list"),
        "dashboard": reverse("assessments:dashboard"),
    }
