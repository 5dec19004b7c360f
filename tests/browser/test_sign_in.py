from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_signs_in_and_sees_the_dashboard(page: object, manager: object, assessment: object) -> None:
    sign_in(page, manager.username)

    expect(page.get_by_test_id("signed-in-as")).to_have_text(f"Signed in as {manager}")
    expect(page.get_by_role("heading", name="Assessments")).to_be_visible()
    expect(page.get_by_test_id("assessment-list")).to_contain_text("FY2027 SOC scoping")


def test_a_wrong_password_keeps_the_user_on_the_sign_in_page(page: object, manager: object) -> None:
    sign_in(page, manager.username, "not-the-password")

    assert page.url.endswith("/accounts/login/")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")


def test_the_sign_in_page_passes_axe(page: object, db: None) -> None:
    page.goto("/accounts/login/")

    assert axe_violations(page) == []
