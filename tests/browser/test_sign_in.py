from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_signs_in_and_sees_the_dashboard(page: object, manager: object, assessment: object) -> None:
    sign_in(page, manager.username)

    assert page.get_by_test_id("signed-in-as").inner_text() == f"Signed in as {manager}"
    assert page.get_by_role("heading", name="Assessments").is_visible()
    assert "FY2027 SOC scoping" in page.get_by_test_id("assessment-list").inner_text()


def test_a_wrong_password_keeps_the_user_on_the_sign_in_page(page: object, manager: object) -> None:
    sign_in(page, manager.username, "not-the-password")

    assert page.url.endswith("/accounts/login/")
    assert "Please enter a correct username and password" in page.get_by_role("alert").inner_text()


def test_the_sign_in_page_passes_axe(page: object, db: None) -> None:
    page.goto("/accounts/login/")

    assert axe_violations(page) == []
