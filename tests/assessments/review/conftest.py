"""A fully answered assessment of the usual cast, and helpers that move it along the review workflow."""

from __future__ import annotations

import pytest
from django.core import mail

from assessments.models import Assessment, BankVersion, Service, User
from tests.assessments.intake.support import scoping_bank_publish
from tests.assessments.review.support import answer_everything


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memos are stored as usual but not laid out by WeasyPrint: these tests read the stored JSON, not the PDF
    (the browser test reads a real one)."""
    monkeypatch.setattr("assessments.services.memos.memo_pdf", lambda html: b"%PDF-1.7\n% review test\n")


@pytest.fixture(autouse=True)
def scoping_bank(db: None) -> BankVersion:
    """The default questionnaire with its rules, published before the cast's assessment is made."""
    return scoping_bank_publish()


@pytest.fixture
def service(assessment: Assessment, manager: User) -> Service:
    return answer_everything(assessment, manager)


@pytest.fixture
def submitted(assessment: Assessment, service: Service, manager: User, auditor: User) -> Assessment:
    """The usual assessment, answered and submitted by the manager (the auditor is assigned)."""
    from assessments.services.intake import assessment_submit

    assessment_submit(assessment=assessment, actor=manager)
    assessment.refresh_from_db()
    mail.outbox.clear()
    return assessment


@pytest.fixture
def in_review(submitted: Assessment, auditor: User) -> Assessment:
    from assessments.services.review import assessment_transition

    assessment_transition(assessment=submitted, actor=auditor, action="start_review")
    submitted.refresh_from_db()
    return submitted
