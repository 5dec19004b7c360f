"""Seeds the benchmark dataset quickly: bulk inserts of a whole installation's worth of rows.

200 service organizations with a manager and a viewer each, 10,000 assessments spread over them with 1 to 20
services each, an audit firm assigned to a quarter of them, an audit event per assessment, and the 200-question
bank published through the bank importer. Answers are kept for one assessment in ANSWERED_EVERY (plus the
measured ones): enough rows to size the answers table realistically without a long seed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from assessments.models import (
    Answer,
    Assessment,
    Assignment,
    AuditEvent,
    BankVersion,
    Comment,
    Membership,
    Organization,
    Service,
    Transition,
    User,
)
from assessments.selectors.banks import engine_bank
from assessments.selectors.intake import Intake, Progress
from bench.bank import MEASURED_SECTION, bench_bank_document

PASSWORD = "bench-password-not-secret"  # noqa: S105  (throwaway accounts in a throwaway database)
ORGANIZATIONS = 200
ASSESSMENTS = 10_000
ANSWERED_EVERY = 20
FIRM_ASSIGNED_EVERY = 4
SECTION_SERVICE_COUNTS = (1, 10, 20)
REVIEW_SERVICE_COUNTS = (1, 20)
BATCH = 5000
STATUS_WEIGHTS = {
    Assessment.Status.DRAFT: 40,
    Assessment.Status.SUBMITTED: 15,
    Assessment.Status.IN_REVIEW: 15,
    Assessment.Status.CHANGES_REQUESTED: 10,
    Assessment.Status.RESUBMITTED: 5,
    Assessment.Status.APPROVED: 15,
}
SERVICE_NAMES = ["Payroll", "Claims", "Hosting", "Billing", "Benefits", "Custody", "Analytics", "Support"]


@dataclass
class Dataset:
    """What the measurements need to find again: the accounts, the bank and the assessments of the section page."""

    bank_version_id: int
    manager_id: int
    viewer_id: int
    consultant_id: int
    auditor_id: int
    admin_id: int
    section_key: str
    # services in the assessment -> (assessment id, id of the service whose section page is opened)
    section_pages: dict[int, tuple[int, int]]
    # services in the assessment -> id of an assessment in review, assigned to the auditor's firm
    review_pages: dict[int, int]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Seconds per seeding step, to see where a slow seed spends its time.
    steps: dict[str, float] = field(default_factory=dict)


def _bulk(model: type, rows: Iterable[Any]) -> list[Any]:
    return model.objects.bulk_create(list(rows), batch_size=BATCH)


def _bank_publish(admin: User) -> BankVersion:
    """The 200-question bank as a published version, through the same importer administrators use."""
    from assessments.services.banks import bank_version_import

    return bank_version_import(document=bench_bank_document(), actor=admin, publish=True)


def _answers(
    assessment: Assessment, services: list[Service], questions: dict[str, list[dict[str, Any]]], rng: random.Random
) -> Iterable[Answer]:
    from bench.bank import answer_value

    for question in questions["organization"]:
        yield Answer(assessment=assessment, question_key=question["key"], value=answer_value(question, rng))
    for service in services:
        for question in questions["service"]:
            yield Answer(
                assessment=assessment, service=service, question_key=question["key"], value=answer_value(question, rng)
            )


def _progress_store(
    assessments: list[Assessment],
    services: dict[int, list[Service]],
    answers: dict[int, tuple[dict[str, Any], dict[int, dict[str, Any]]]],
    version: BankVersion,
) -> None:
    """The progress the intake services store on each assessment, counted by the same `Intake.progress()` from
    the rows still in memory rather than reloading 10,000 assessments. Without answers, assessments differ only
    in how many services they have, so each number of services is counted once."""
    bank = engine_bank(version)
    unanswered: dict[int, Progress] = {}
    figures: dict[tuple[int, int], list[int]] = {}
    for assessment in assessments:
        own = services.get(assessment.pk, [])
        if assessment.pk not in answers and len(own) in unanswered:
            progress = unanswered[len(own)]
        else:
            org, per_service = answers.get(assessment.pk, ({}, {}))
            intake = Intake(
                assessment=assessment,
                bank=bank,
                services=own,
                subservice_organizations=[],
                org_answers=org,
                service_answers=per_service,
                states={},
            )
            progress = intake.progress()
            if assessment.pk not in answers:
                unanswered[len(own)] = progress
        figures.setdefault((progress.answered, progress.required), []).append(assessment.pk)
    # One UPDATE per distinct pair of figures: a few hundred, where one per assessment would be 10,000.
    for (answered, required), ids in figures.items():
        for start in range(0, len(ids), BATCH):
            Assessment.objects.filter(pk__in=ids[start : start + BATCH]).update(
                answered_count=answered, required_count=required
            )


def _transitions(assessments: list[Assessment], auditor: User) -> Iterable[Transition]:
    """The workflow history a non-draft assessment has: its submission, then the step to where it is now."""
    submitted = Assessment.Status.SUBMITTED
    for a in assessments:
        if a.status == Assessment.Status.DRAFT:
            continue
        yield Transition(
            assessment=a, from_status=Assessment.Status.DRAFT, to_status=submitted, actor_id=a.created_by_id
        )
        if a.status != submitted:
            yield Transition(assessment=a, from_status=submitted, to_status=a.status, actor=auditor)


def _comments(
    assessments: list[Assessment],
    services: dict[int, list[Service]],
    questions: dict[str, list[dict[str, Any]]],
    auditor: User,
) -> int:
    """Review threads on answered assessments: one general, one per service on a question, each with a reply."""
    threads = _bulk(
        Comment,
        (
            Comment(
                assessment=a,
                service=service,
                question_key=questions["service"][n % len(questions["service"])]["key"] if service else "",
                author=auditor,
                body="Please attach the evidence for this answer; the period under review needs it.",
            )
            for a in assessments
            for n, service in enumerate([None, *services[a.pk]])
        ),
    )
    replies = _bulk(
        Comment,
        (
            Comment(
                assessment_id=t.assessment_id,
                service_id=t.service_id,
                question_key=t.question_key,
                parent=t,
                author_id=t.assessment.created_by_id,
                body="Attached the runbook and last quarter's tickets.",
            )
            for t in threads
        ),
    )
    return len(threads) + len(replies)


def _questions_by_level(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    levels: dict[str, list[dict[str, Any]]] = {"organization": [], "service": []}
    for section in document["sections"]:
        levels[section["level"]].extend(section["questions"])
    return levels


@transaction.atomic
def _seed(rng: random.Random) -> Dataset:
    password = make_password(PASSWORD)
    orgs = _bulk(
        Organization,
        (Organization(name=f"Service Org {i:03d} Inc.", slug=f"bench-org-{i:03d}") for i in range(ORGANIZATIONS)),
    )
    firm = Organization.objects.create(name="Bench Audit LLP", slug="bench-firm", kind=Organization.Kind.AUDIT_FIRM)

    def user(username: str, **extra: Any) -> User:
        return User(username=username, full_name=username.replace("-", " ").title(), password=password, **extra)

    managers = _bulk(User, (user(f"manager-{i:03d}") for i in range(ORGANIZATIONS)))
    viewers = _bulk(User, (user(f"viewer-{i:03d}") for i in range(ORGANIZATIONS)))
    consultant, auditor, admin = _bulk(
        User,
        [user("bench-consultant"), user("bench-auditor"), user("bench-admin", is_staff=True, is_superuser=True)],
    )
    role = Membership.Role
    _bulk(
        Membership,
        [
            *(Membership(user=m, organization=o, role=role.MANAGER) for m, o in zip(managers, orgs, strict=True)),
            *(Membership(user=v, organization=o, role=role.VIEWER) for v, o in zip(viewers, orgs, strict=True)),
            # A consultant who manages every client's scoping: the dashboard at 10,000 visible assessments.
            *(Membership(user=consultant, organization=o, role=role.MANAGER) for o in orgs),
            Membership(user=auditor, organization=firm, role=role.AUDITOR),
        ],
    )

    version = _bank_publish(admin)
    document = bench_bank_document()
    questions = _questions_by_level(document)

    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    # (organization index, name, status, number of services); the measured pages come first.
    plans = [(0, f"Section page with {n} services", Assessment.Status.DRAFT, n) for n in SECTION_SERVICE_COUNTS]
    plans += [(0, f"Review with {n} services", Assessment.Status.IN_REVIEW, n) for n in REVIEW_SERVICE_COUNTS]
    measured = len(plans)
    plans += [
        (
            i % ORGANIZATIONS,
            f"FY{2025 + i % 3} SOC scoping {i // ORGANIZATIONS + 1}",
            rng.choices(statuses, weights)[0],
            rng.randint(1, 20),
        )
        for i in range(ASSESSMENTS - measured)
    ]
    assessments = _bulk(
        Assessment,
        (
            Assessment(
                organization=orgs[org],
                name=name,
                status=status,
                as_of=dt.date(2026, 11, 26),
                bank_version=version,
                created_by=managers[org],
                updated_by=managers[org],
            )
            for org, name, status, _ in plans
        ),
    )

    services = _bulk(
        Service,
        (
            Service(
                assessment=assessment,
                key=f"service-{n}",
                name=f"{SERVICE_NAMES[n % len(SERVICE_NAMES)]} service {n + 1}",
                description="Operated for clients under contract.",
                position=(n + 1) * 10,
            )
            for assessment, (*_, count) in zip(assessments, plans, strict=True)
            for n in range(count)
        ),
    )
    by_assessment: dict[int, list[Service]] = {}
    for service in services:
        by_assessment.setdefault(service.assessment_id, []).append(service)

    # Counted from the first generated assessment, so whole organizations (every 200th) are answered or not.
    answered = [a for i, a in enumerate(assessments, -measured) if i < 0 or i % ANSWERED_EVERY == 0]
    answers = 0
    values: dict[int, tuple[dict[str, Any], dict[int, dict[str, Any]]]] = {}
    for start in range(0, len(answered), 50):
        chunk = [
            row
            for assessment in answered[start : start + 50]
            for row in _answers(assessment, by_assessment[assessment.pk], questions, rng)
        ]
        answers += len(_bulk(Answer, chunk))
        for row in chunk:
            if row.value is not None:
                org, per_service = values.setdefault(row.assessment_id, ({}, {}))
                (org if row.service_id is None else per_service.setdefault(row.service_id, {}))[row.question_key] = (
                    row.value
                )
    _progress_store(assessments, by_assessment, values, version)

    _bulk(
        Assignment,
        (
            Assignment(assessment=a, firm=firm, created_by=admin)
            for i, a in enumerate(assessments, -measured)
            if i < 0 or i % FIRM_ASSIGNED_EVERY == 0
        ),
    )
    _bulk(Transition, _transitions(assessments, auditor))
    comments = _comments(
        [a for a in answered if a.status != Assessment.Status.DRAFT], by_assessment, questions, auditor
    )
    _bulk(
        AuditEvent,
        (
            AuditEvent(
                action="assessment.created",
                actor_id=a.created_by_id,
                organization_id=a.organization_id,
                assessment=a,
                object_type="Assessment",
                object_id=str(a.pk),
                data={"name": a.name},
            )
            for a in assessments
        ),
    )
    with connection.cursor() as cursor:
        # bulk_create stamps one instant on every row; spread them so "latest first" orderings do real work.
        # The answered assessments changed most recently: the first pages of every list show fully answered
        # assessments, as they would where every assessment has its answers.
        cursor.execute(
            "UPDATE assessments_assessment SET created_at = now() - (id %% 4999) * interval '23 minutes', "
            "updated_at = now() - (id %% 4999) * interval '17 minutes' "
            "- CASE WHEN id = ANY(%s) THEN interval '0' ELSE interval '30 days' END",
            [[a.pk for a in answered]],
        )
    section_pages = {
        count: (assessments[i].pk, by_assessment[assessments[i].pk][-1].pk)
        for i, count in enumerate(SECTION_SERVICE_COUNTS)
    }
    review_pages = {
        count: assessments[len(SECTION_SERVICE_COUNTS) + i].pk for i, count in enumerate(REVIEW_SERVICE_COUNTS)
    }
    return Dataset(
        bank_version_id=version.pk,
        manager_id=managers[0].pk,
        viewer_id=viewers[0].pk,
        consultant_id=consultant.pk,
        auditor_id=auditor.pk,
        admin_id=admin.pk,
        section_key=MEASURED_SECTION,
        section_pages=section_pages,
        review_pages=review_pages,
        counts={
            "organizations": len(orgs),
            "users": User.objects.count(),
            "assessments": len(assessments),
            "services": len(services),
            "answers": answers,
            "answered_assessments": len(answered),
            "firm_assignments": Assignment.objects.count(),
            "transitions": Transition.objects.count(),
            "comments": comments,
            "audit_events": len(assessments),
            "bank_questions": sum(len(v) for v in questions.values()),
            "bank_conditional_questions": sum(1 for v in questions.values() for q in v if q["condition"]),
        },
    )


def _review_memos(dataset: Dataset) -> None:
    """The submission memo of each measured review, rendered and stored by the real memo service."""
    from assessments.services.memos import memo_create

    manager = User.objects.get(pk=dataset.manager_id)
    for assessment in Assessment.objects.filter(pk__in=dataset.review_pages.values()):
        memo_create(assessment=assessment, actor=manager)


def _vacuum() -> None:
    with connection.cursor() as cursor:
        # What autovacuum would have done on a live installation: planner statistics and a visibility map.
        cursor.execute("VACUUM ANALYZE")


def seed(rng_seed: int = 2026) -> Dataset:
    started = time.perf_counter()
    dataset = _seed(random.Random(rng_seed))
    dataset.steps["rows"] = round(time.perf_counter() - started, 1)
    begun = time.perf_counter()
    _review_memos(dataset)
    dataset.steps["memos"] = round(time.perf_counter() - begun, 1)
    begun = time.perf_counter()
    _vacuum()
    dataset.steps["vacuum"] = round(time.perf_counter() - begun, 1)
    dataset.seconds = time.perf_counter() - started
    return dataset
