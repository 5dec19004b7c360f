"""A manager submits an assessment in the browser, reads the memo in the app and downloads it twice."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, User
from tests.assessments.intake.support import scoping_bank_publish
from tests.assessments.memo.support import acme_answers_store
from tests.browser.conftest import axe_violations, click_and_load, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def answered(assessment: Assessment) -> Assessment:
    """The cast's assessment with every required question answered, ready to submit."""
    return acme_answers_store(assessment, scoping_bank_publish())


def download(page: object) -> tuple[bytes, str]:
    with page.expect_download() as caught:
        page.get_by_test_id("memo-download").click()
    result = caught.value
    return Path(result.path()).read_bytes(), result.suggested_filename


def test_a_submitted_memo_downloads_twice_as_the_same_bytes_with_the_sha256_shown(
    page: object, manager: User, answered: Assessment
) -> None:
    sign_in(page, manager.username)
    page.goto(f"/assessments/{answered.pk}/")
    click_and_load(page.get_by_role("button", name="Submit for review"))
    expect(page.get_by_role("status").first).to_contain_text("memo version 1 records the scoping")

    page.goto(f"/assessments/{answered.pk}/memos/1/")
    shown = page.get_by_test_id("memo-sha256").inner_text().strip()
    assert len(shown) == 64

    first, name = download(page)
    second, _ = download(page)
    assert first == second
    assert first.startswith(b"%PDF-")
    assert hashlib.sha256(first).hexdigest() == shown
    assert name == f"socscope-memo-{answered.organization.slug}-{answered.pk}-v1.pdf"

    expect(page.get_by_role("heading", name="1 Executive summary")).to_be_visible()
    expect(page.get_by_role("heading", name="Appendix A: Questions and answers")).to_be_visible()
    expect(page.locator("#categories")).to_contain_text("CC6.1")
    assert axe_violations(page) == []
