"""The whole review loop in a real browser: submit, comment, request changes, edit, resubmit, override, approve,
and both sides download the approved memo, which shows the override and the approval."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.models import Assessment, AuditEvent, Service, User
from tests.assessments.intake.support import scoping_bank_publish
from tests.assessments.review.support import answer_everything
from tests.browser.conftest import axe_violations, click_and_load, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

REVIEW_TIMEOUT = 60_000  # rendering a memo takes a few seconds on a busy machine


def switch_to(page: object, username: str) -> None:
    if page.get_by_role("button", name="Sign out").count():
        click_and_load(page.get_by_role("button", name="Sign out"))
    sign_in(page, username)


def expect_status(page: object, label: str) -> None:
    expect(page.get_by_test_id("assessment-status")).to_have_text(label)


def download_text(page: object) -> str:
    with page.expect_download(timeout=REVIEW_TIMEOUT) as info:
        page.get_by_test_id("download-latest-memo").click()
    reader = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


@pytest.fixture
def answered(assessment: Assessment, manager: User, auditor: User) -> tuple[Assessment, Service]:
    """The cast's assessment on the scoping bank, fully answered, with Ada assigned."""
    bank = scoping_bank_publish()
    assessment.bank_version = bank
    assessment.save(update_fields=["bank_version"])
    return assessment, answer_everything(assessment, manager)


def test_manager_and_auditor_walk_the_review_loop_to_an_approved_memo(
    page: object, answered: tuple[Assessment, Service], manager: User, auditor: User
) -> None:
    assessment, service = answered
    page.set_default_timeout(REVIEW_TIMEOUT)
    review_url = f"/assessments/{assessment.pk}/review/"

    # The manager submits from the assessment page.
    sign_in(page, manager.username)
    page.goto(f"/assessments/{assessment.pk}/")
    click_and_load(page.get_by_role("button", name="Submit for review"))
    expect_status(page, "Submitted")

    # The auditor finds it under Reviews, starts the review, comments on one answer and requests changes.
    switch_to(page, auditor.username)
    page.get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name=assessment.name).click()
    page.get_by_test_id("step-start_review").get_by_role("button", name="Start review").click()
    expect_status(page, "In review")
    row = page.locator('[data-testid="answer-row"][data-question="transaction_classes"]')
    row.get_by_text("Comment on this answer").first.click()
    row.get_by_label("Comment on this answer").fill("Tax filing is done by the clients themselves, isn't it?")
    row.get_by_role("button", name="Post comment").click()
    expect(page.locator('[data-testid="comment-thread"]').first).to_contain_text("Tax filing is done by the clients")
    step = page.get_by_test_id("step-request_changes")
    step.get_by_label(re.compile("Comment")).fill("Please check the transaction classes.")
    step.get_by_role("button", name="Request changes").click()
    expect_status(page, "Changes requested")
    assert axe_violations(page) == []

    # The manager sees the comment at the question, edits the answer and resubmits.
    switch_to(page, manager.username)
    page.goto(f"/assessments/{assessment.pk}/")
    expect(page.get_by_test_id("section-list")).to_contain_text("1 open comment")
    page.goto(f"/assessments/{assessment.pk}/questionnaire/services/{service.pk}/financial_reporting_impact/")
    question = page.locator("#q-transaction_classes")
    expect(question.get_by_test_id("question-comments")).to_contain_text("Tax filing is done by the clients")
    question.get_by_label("Tax filing and payment (e.g. payroll taxes)").uncheck()
    click_and_load(page.get_by_role("button", name="Save draft"))
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    expect(
        page.locator("#q-transaction_classes").get_by_label("Tax filing and payment (e.g. payroll taxes)")
    ).not_to_be_checked()
    page.goto(review_url)
    thread = page.locator('[data-testid="comment-thread"]').first
    thread.get_by_label("Reply").fill("Right: clients file their own taxes. Removed.")
    thread.get_by_role("button", name="Reply").click()
    page.locator('[data-testid="comment-thread"]').first.get_by_role("button", name="Mark resolved").click()
    step = page.get_by_test_id("step-resubmit")
    step.get_by_label(re.compile("Comment")).fill("Transaction classes corrected.")
    step.get_by_role("button", name="Resubmit for review").click()
    expect_status(page, "Resubmitted")

    # The auditor overrides one conclusion with a reason and approves.
    switch_to(page, auditor.username)
    page.goto(review_url)
    page.get_by_test_id("step-start_review").get_by_role("button", name="Start review").click()
    target = page.locator('[data-testid="override-target"][data-target="services.payroll.soc2.strength"]')
    target.get_by_role("link", name=re.compile("^Override this conclusion")).click()
    # htmx fetched just this form and moved the focus into it; no other conclusion has a form.
    expect(target.get_by_label("Decision")).to_be_focused()
    expect(page.get_by_test_id("override-form")).to_have_count(1)
    target.get_by_label("Decision").select_option("required")
    target.get_by_label("Reason (required)").fill("customer contracts require a SOC 2 report")
    target.get_by_role("button", name="Record override").click()
    expect(page.get_by_test_id("override-list")).to_contain_text(
        "the engine recommended Recommended; the auditor decided Required because customer contracts"
    )
    page.get_by_test_id("step-approve").get_by_label(re.compile("Comment")).fill("Scope agreed.")
    page.get_by_test_id("step-approve").get_by_role("button", name="Approve").click()
    expect_status(page, "Approved")
    expect(page.get_by_test_id("approved-notice")).to_contain_text("Approved and final")

    # Both download the approved memo: it shows the override and the approval.
    auditor_copy = download_text(page)
    switch_to(page, manager.username)
    page.goto(review_url)
    expect(page.get_by_test_id("step-resubmit")).to_have_count(0)
    manager_copy = download_text(page)

    assert auditor_copy == manager_copy
    for text in (auditor_copy, manager_copy):
        assert "the auditor decided Required because customer contracts require a SOC 2 report" in text
        assert "Approved by" in text
        assert str(auditor) in text
    assert AuditEvent.objects.filter(assessment=assessment, action="memo.downloaded").count() == 2
    assert list(assessment.transitions.values_list("to_status", flat=True)) == [
        "submitted",
        "in_review",
        "changes_requested",
        "resubmitted",
        "in_review",
        "approved",
    ]
    subjects = [m.subject for m in mail.outbox]
    for kind in (
        "Submitted for review: ",
        "New comment on ",
        "Changes requested: ",
        "Resubmitted for review: ",
        "Approved: ",
    ):
        assert any(subject.startswith(kind) for subject in subjects), kind


def test_the_review_pages_pass_axe(
    page: object, answered: tuple[Assessment, Service], manager: User, auditor: User
) -> None:
    from assessments.services.intake import assessment_submit
    from assessments.services.review import assessment_transition, comment_create, override_save

    assessment, service = answered
    assessment_submit(assessment=assessment, actor=manager)
    assessment_transition(assessment=assessment, actor=auditor, action="start_review")
    comment_create(assessment=assessment, actor=auditor, body="Why?", service=service, question_key="data_types")
    override_save(
        assessment=assessment,
        actor=auditor,
        target="reports.soc2.type",
        value="type1",
        reason="the first report should be quick",
    )
    assessment_transition(assessment=assessment, actor=auditor, action="approve")
    page.set_default_timeout(REVIEW_TIMEOUT)
    pages = {
        auditor.username: [
            "/reviews/",
            f"/assessments/{assessment.pk}/review/",
            f"/assessments/{assessment.pk}/audit-log/?action=override.saved",
            f"/assessments/{assessment.pk}/memos/versions/?a=1&b=2",
        ],
        manager.username: [f"/assessments/{assessment.pk}/auditors/", f"/assessments/{assessment.pk}/review/"],
    }

    for username, urls in pages.items():
        switch_to(page, username)
        for url in urls:
            page.goto(url)
            expect(page.locator("h1"), url).to_have_count(1)
            problems = [(v["id"], [node["html"] for node in v["nodes"]]) for v in axe_violations(page)]
            assert problems == [], url
    expect(page.get_by_test_id("approved-notice")).to_contain_text("Approved and final")


def test_a_comment_link_whose_form_cannot_be_fetched_opens_the_page_that_says_why(
    page: object, answered: tuple[Assessment, Service], manager: User, auditor: User
) -> None:
    from assessments.services.intake import assessment_submit
    from assessments.services.review import assessment_transition

    assessment, _ = answered
    assessment_submit(assessment=assessment, actor=manager)
    assessment_transition(assessment=assessment, actor=auditor, action="start_review")
    sign_in(page, auditor.username)
    page.goto(f"/assessments/{assessment.pk}/review/")
    link = page.get_by_text("Comment on this answer").first
    expect(link).to_be_visible()
    # The auditor loses the assignment while the page is open: fetching the form now answers 404.
    assessment.assignments.all().delete()

    link.click()

    expect(page).to_have_url(re.compile(r"[?&]comment="))
    expect(page.locator("h1")).to_contain_text(re.compile("not found", re.IGNORECASE))
