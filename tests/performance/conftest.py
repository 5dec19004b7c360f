"""Installations of different sizes built from the benchmark's bank, for query counts that must not grow with data."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from django.http import HttpResponse

from assessments.models import Answer, Assessment, BankVersion, Organization, Service, User
from assessments.services.banks import bank_version_import
from bench.bank import answer_value, bench_bank_document
from tests.factories import AssessmentFactory, ServiceFactory


@pytest.fixture
def bench_version(db: None) -> BankVersion:
    """The 200-question bank `make bench` uses, published: conditions at both levels, a 30-question section."""
    return bank_version_import(document=bench_bank_document(), actor=None, publish=True)


def answered_assessment(
    *,
    organization: Organization,
    manager: User,
    version: BankVersion,
    services: int,
    status: str = Assessment.Status.DRAFT,
) -> Assessment:
    """An assessment with `services` services and every question answered, as a finished questionnaire has."""
    assessment = AssessmentFactory(
        organization=organization, bank_version=version, created_by=manager, updated_by=manager, status=status
    )
    rows = ServiceFactory.create_batch(services, assessment=assessment)
    rng = random.Random(services)
    document = bench_bank_document()
    answers = []
    for section in document["sections"]:
        for question in section["questions"]:
            targets = [None] if section["level"] == "organization" else rows
            answers += [
                Answer(
                    assessment=assessment,
                    service=service,
                    question_key=question["key"],
                    value=answer_value(question, rng),
                )
                for service in targets
            ]
    Answer.objects.bulk_create(answers)
    return assessment


@pytest.fixture
def answered(bench_version: BankVersion) -> Callable[..., Assessment]:
    def build(organization: Organization, manager: User, services: int, **extra: object) -> Assessment:
        return answered_assessment(
            organization=organization, manager=manager, version=bench_version, services=services, **extra
        )

    return build


def steady_queries(send: Callable[[], HttpResponse], ceiling: int, assert_max: Callable[..., object]) -> int:
    """The SQL queries of one `send()` once per-process caches (the parsed bank) are warm, as in a running
    server; at most `ceiling`, and the response must succeed."""
    send()
    with assert_max(ceiling) as captured:
        response = send()
    assert response.status_code == 200
    return len(captured)


def last_service(assessment: Assessment) -> Service:
    return assessment.services.order_by("-position", "-id").first()
