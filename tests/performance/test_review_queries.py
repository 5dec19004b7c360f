"""The review pages run a fixed number of SQL queries, however many services, threads, events or assessments."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Assignment, AuditEvent, Comment, Organization, Transition, User
from tests.performance.conftest import steady_queries

REVIEW_PAGE_QUERIES = 24
REVIEW_LIST_QUERIES = 6
AUDIT_LOG_QUERIES = 8
ASSIGNMENTS_QUERIES = 6


def in_review(
    build: Callable[..., Assessment], org: Organization, manager: User, auditor: User, services: int
) -> Assessment:
    """An assessment under review: every answer given, a thread with a reply on each service, its history."""
    assessment = build(org, manager, services, status=Assessment.Status.IN_REVIEW)
    Assignment.objects.create(assessment=assessment, auditor=auditor)
    for service in [None, *assessment.services.all()]:
        thread = Comment.objects.create(assessment=assessment, service=service, author=auditor, body="Evidence?")
        Comment.objects.create(assessment=assessment, service=service, parent=thread, author=manager, body="Attached.")
    Transition.objects.create(assessment=assessment, from_status="draft", to_status="submitted", actor=manager)
    Transition.objects.create(assessment=assessment, from_status="submitted", to_status="in_review", actor=auditor)
    return assessment


def test_the_review_page_runs_the_same_queries_for_1_and_20_services(
    client: Client,
    org: Organization,
    manager: User,
    auditor: User,
    answered: Callable[..., Assessment],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    client.force_login(auditor)
    small, large = (in_review(answered, org, manager, auditor, n) for n in (1, 20))

    counts = [
        steady_queries(
            partial(client.get, reverse("assessments:review", args=[a.pk])),
            REVIEW_PAGE_QUERIES,
            django_assert_max_num_queries,
        )
        for a in (small, large)
    ]

    assert counts[0] == counts[1]


def test_the_review_list_runs_the_same_queries_for_1_and_50_assessments(
    client: Client,
    org: Organization,
    other_org: Organization,
    manager: User,
    outsider: User,
    auditor: User,
    unassigned_auditor: User,
    answered: Callable[..., Assessment],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for _ in range(50):
        Assignment.objects.create(
            assessment=in_review(answered, other_org, outsider, auditor, 1), auditor=unassigned_auditor
        )
    url = reverse("assessments:review_list")
    counts = []
    for user in (auditor, unassigned_auditor):
        client.force_login(user)
        counts.append(steady_queries(partial(client.get, url), REVIEW_LIST_QUERIES, django_assert_max_num_queries))

    assert counts[0] == counts[1]


def test_the_audit_log_runs_the_same_queries_for_1_and_50_events(
    client: Client,
    org: Organization,
    manager: User,
    auditor: User,
    answered: Callable[..., Assessment],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    client.force_login(manager)
    quiet, busy = (in_review(answered, org, manager, auditor, 1) for _ in range(2))
    AuditEvent.objects.bulk_create(
        [AuditEvent(action="assessment.updated", actor=manager, organization=org, assessment=quiet)]
        + [
            AuditEvent(action=f"comment.created.{n % 5}", actor=auditor, organization=org, assessment=busy)
            for n in range(50)
        ]
    )

    counts = [
        steady_queries(
            partial(client.get, reverse("assessments:audit_log", args=[a.pk])),
            AUDIT_LOG_QUERIES,
            django_assert_max_num_queries,
        )
        for a in (quiet, busy)
    ]

    assert counts[0] == counts[1]


def test_the_assignments_page_runs_the_same_queries_for_1_and_20_auditors(
    client: Client,
    org: Organization,
    firm: Organization,
    manager: User,
    auditor: User,
    answered: Callable[..., Assessment],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    from tests.conftest import member

    client.force_login(manager)
    one, many = (in_review(answered, org, manager, auditor, 1) for _ in range(2))
    for n in range(19):
        colleague = member(firm, "auditor", username=f"auditor{n}")
        Assignment.objects.create(assessment=many, auditor=colleague)

    counts = [
        steady_queries(
            partial(client.get, reverse("assessments:assignments", args=[a.pk])),
            ASSIGNMENTS_QUERIES,
            django_assert_max_num_queries,
        )
        for a in (one, many)
    ]

    assert counts[0] == counts[1]
