"""A compliance manager scopes their organization in the browser, from an empty dashboard to a submitted scoping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from assessments.models import Answer, Assessment, BankVersion, Memo, Service, User
from tests.assessments.intake.support import ORG_ANSWERS, SERVICE_ANSWERS, answers_set, scoping_bank_publish
from tests.browser.conftest import axe_violations, click_and_load, sign_in
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db(transaction=True)

# What the walk-through types, section by section (values as the form shows them).
ORG_SECTIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "System boundaries",
        {
            "system_name": "PayCore",
            "operating_locations": "Austin, Texas",
            "infrastructure_model": ["public_cloud"],
            "data_center_locations": "Cloud region us-east",
            "multiple_legal_entities": "no",
            "other_frameworks": ["none"],
            "planned_system_changes": "no",
        },
    ),
    (
        "Incidents, readiness and sign-off",
        {
            "significant_incidents_last_12_months": "no",
            "management_owner_name": "Maria Manager",
            "management_owner_title": "Chief Operating Officer",
        },
    ),
]
SERVICE_SECTIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "Financial reporting impact",
        {
            "transaction_classes": ["payroll"],
            "transaction_processing_description": "Clients upload hours; we calculate pay.",
            "outputs_used_in_financials": "yes",
            "key_reports_description": "Payroll register.",
            "hosts_client_financial_systems": "no",
        },
    ),
    (
        "Data and commitments",
        {
            "stores_customer_data": "yes",
            "data_types": ["financial"],
            "availability_commitments": "no",
            "processing_integrity_commitments": "no",
            "confidentiality_commitments": "no",
            "privacy_commitments": "no",
        },
    ),
    ("System components", {"service_infrastructure": "Cloud IaaS Co VMs", "service_software": "PayCore"}),
    ("What clients must do", {}),
]


@pytest.fixture(autouse=True)
def scoping_bank(db: None) -> BankVersion:
    return scoping_bank_publish()


def accessibility_problems(page: Any) -> list[tuple[str, list[str]]]:
    """axe-core's violations as (rule, offending elements), so a failure says where."""
    return [(v["id"], [str(node["target"]) for node in v["nodes"]]) for v in axe_violations(page)]


def fill(page: Any, answers: dict[str, Any]) -> None:
    """Answer questions by their keys, in order, waiting for follow-ups to appear."""
    for key, value in answers.items():
        slot = page.locator(f"#q-{key}")
        slot.locator("input:not([type=hidden]), select, textarea").first.wait_for()
        if isinstance(value, list):
            for choice in value:
                slot.locator(f"input[value='{choice}']").check()
        elif slot.locator("input[type=radio]").count():
            slot.locator(f"input[type=radio][value='{value}']").check()
        elif slot.locator("select").count():
            slot.locator("select").select_option(value)
        else:
            slot.locator(f"[name='{key}']").fill(str(value))


def save_and_continue(page: Any) -> None:
    click_and_load(page.get_by_role("button", name="Save and continue"))


def strength(page: Any, service: str, family: str) -> Any:
    """The result panel's strength of a report family for one service ("Required", "Not applicable"...)."""
    card = page.get_by_test_id("service-result").filter(has=page.get_by_role("heading", name=service, exact=True))
    return card.get_by_test_id(f"{family}-strength")


def test_a_manager_scopes_two_services_from_creation_to_submission(page: Any, manager: User) -> None:
    sign_in(page, manager.username)

    # Create the assessment.
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Name").fill("FY2027 SOC scoping")
    page.get_by_label("As-of date").fill("2026-11-26")
    page.get_by_role("button", name="Create assessment").click()
    expect(page.get_by_role("heading", name="FY2027 SOC scoping")).to_be_visible()

    # Two services and a subservice organization.
    for name, description in (("Payroll processing", "Pay runs for clients"), ("Benefits administration", "")):
        page.get_by_label("Service name").fill(name)
        page.get_by_label("Description").fill(description)
        page.get_by_role("button", name="Add service").click()
        expect(page.get_by_role("status").filter(has_text=f"Added the service “{name}”")).to_be_visible()
    page.get_by_role("link", name="Add a subservice organization").click()
    page.get_by_label("Subservice organization").fill("Cloud IaaS Co")
    page.get_by_label("What it provides").fill("Infrastructure hosting")
    page.get_by_label("Payroll processing").check()
    page.get_by_label("Benefits administration").check()
    page.get_by_role("group", name="Does it have its own SOC report?").get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Are its controls needed").get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Will it take part").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Add subservice organization").click()
    expect(page.get_by_test_id("subservice-list")).to_contain_text("Cloud IaaS Co")
    expect(page.get_by_role("link", name="Rename Benefits administration")).to_be_visible()
    assert accessibility_problems(page) == []

    # The first section: a follow-up appears and disappears as the answer changes.
    click_and_load(page.get_by_test_id("continue"))
    expect(page.get_by_role("heading", name="Your organization and its reports")).to_be_visible()
    follow_up = page.get_by_label("When did the period of your most recent Type 2 report end?")
    expect(follow_up).to_have_count(0)
    page.get_by_label("SOC 2 Type 2").check()
    follow_up.wait_for()
    expect(page.locator("#live-status")).to_contain_text("New question")
    page.get_by_label("SOC 2 Type 2").uncheck()
    follow_up.wait_for(state="detached")
    page.get_by_label("SOC 2 Type 2").check()
    follow_up.fill("2026-06-30")

    # The result panel follows the unsaved answers: a SOC 2 request makes SOC 2 required for every service.
    expect(strength(page, "Payroll processing", "soc-2")).to_have_text("Not applicable")
    page.get_by_label("A SOC 2 report").check()
    expect(strength(page, "Payroll processing", "soc-2")).to_have_text("Required")
    expect(strength(page, "Benefits administration", "soc-2")).to_have_text("Required")

    # A value out of range: the error is announced beside the field, and nothing typed is lost.
    page.get_by_label("For how many months have your key controls operated").fill("900")
    page.get_by_role("group", name="Do you want a report you can publish freely").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Enter a number no greater than 600.")
    expect(summary).to_be_focused()
    months = page.get_by_label("For how many months have your key controls operated")
    expect(months).to_have_attribute("aria-invalid", "true")
    expect(months).to_have_value("900")
    expect(page.get_by_label("SOC 2 Type 2")).to_be_checked()
    expect(page.get_by_label("A SOC 2 report")).to_be_checked()
    expect(follow_up).to_have_value("2026-06-30")
    assert accessibility_problems(page) == []

    # Leaving with unsaved changes asks first.
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_test_id("section-list").get_by_role("link", name="System boundaries").click()
    assert dialogs == ["beforeunload"]
    expect(page.get_by_role("heading", name="Your organization and its reports")).to_be_visible()

    # Fix it and save a draft, leave, and come back to the same place.
    months.fill("14")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    page.get_by_role("link", name="Assessments", exact=True).first.click()
    row = page.get_by_test_id("assessment-row").filter(has_text="FY2027 SOC scoping")
    expect(row).to_contain_text(re.compile(r"\d+ / \d+ answered"))
    click_and_load(row.get_by_test_id("next-action"))
    expect(page.get_by_role("heading", name="Your organization and its reports")).to_be_visible()
    expect(page.get_by_label("For how many months have your key controls operated")).to_have_value("14")
    expect(page.get_by_label("SOC 2 Type 2")).to_be_checked()

    # Answer everything else, section by section.
    fill(page, {"client_fye_month": "dec", "clients_sec_registrants": "unknown"})
    save_and_continue(page)
    for title, answers in ORG_SECTIONS:
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        fill(page, answers)
        save_and_continue(page)
    for _service in ("Payroll processing", "Benefits administration"):
        for title, answers in SERVICE_SECTIONS:
            expect(page.get_by_role("heading", name=title)).to_be_visible()
            fill(page, answers)
            save_and_continue(page)

    # Submit.
    expect(page.get_by_role("heading", name="Submit for review")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("assessment-status")).to_have_text("Submitted")
    assessment = Assessment.objects.get(name="FY2027 SOC scoping")
    assert Memo.objects.filter(assessment=assessment).count() == 1
    assert accessibility_problems(page) == []


def test_the_section_list_shows_what_is_complete(page: Any, manager: User) -> None:
    assessment = AssessmentFactory(organization=manager.memberships.get().organization, created_by=manager)
    service = Service.objects.create(assessment=assessment, key="payroll", name="Payroll processing")
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    sign_in(page, manager.username)

    page.goto(f"/assessments/{assessment.pk}/questionnaire/organization/organization_reports/")

    expect(page.get_by_test_id("step")).to_have_text("Step 1 of 7")
    assert all(text.startswith("Complete") for text in page.get_by_test_id("section-status").all_inner_texts())
    click_and_load(page.get_by_test_id("other-services").get_by_role("link", name="Payroll processing"))
    statuses = page.get_by_test_id("section-status").all_inner_texts()
    assert statuses[3].startswith("Complete")
    assert statuses[-1].startswith("Not started")
    # The result panel arrives with the page's first live update.
    unknown = page.get_by_test_id("unknown").get_by_role("link", name=re.compile("SEC registrants"))
    unknown.wait_for()
    assert accessibility_problems(page) == []
    unknown.click()
    expect(page.get_by_role("heading", name="Your organization and its reports")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#q-clients_sec_registrants$"))


def test_the_deciding_answers_open_on_request_and_stay_open_while_answering(page: Any, manager: User) -> None:
    assessment = AssessmentFactory(organization=manager.memberships.get().organization, created_by=manager)
    service = Service.objects.create(assessment=assessment, key="payroll", name="Payroll processing")
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    sign_in(page, manager.username)
    page.goto(f"/assessments/{assessment.pk}/questionnaire/services/{service.pk}/data_and_commitments/")
    panel = page.get_by_test_id("result-panel")
    soc2 = panel.get_by_test_id("service-result").locator("dd").nth(1)

    soc2.get_by_text("Why", exact=True).click()
    soc2.get_by_text("Which answers would change this?").click()
    soc2.get_by_text("SOC 2 is required for “Payroll processing”.").wait_for()
    expect(soc2).to_contain_text("Security")

    page.get_by_role("group", name=re.compile("uptime")).get_by_label("Yes", exact=True).check()
    soc2 = page.get_by_test_id("result-panel").get_by_test_id("service-result").locator("dd").nth(1)
    soc2.get_by_text("Availability").wait_for()
    soc2.get_by_text("Availability is in the SOC 2 scope for “Payroll processing”.").wait_for()
    assert soc2.locator("details.why").evaluate("element => element.open")


def tab_to(page: Any, name: str, limit: int = 40) -> None:
    """Press Tab until the control named `name` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_a_section_can_be_answered_and_saved_with_the_keyboard_alone(page: Any, manager: User) -> None:
    assessment = AssessmentFactory(organization=manager.memberships.get().organization, created_by=manager)
    Service.objects.create(assessment=assessment, key="payroll", name="Payroll processing")
    sign_in(page, manager.username)
    page.goto(f"/assessments/{assessment.pk}/questionnaire/organization/organization_reports/")

    tab_to(page, "controls_operating_months")
    page.keyboard.type("8")
    tab_to(page, "prior_reports")
    for _ in range(3):  # to the fourth box, "SOC 2 Type 2"
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.get_by_label("When did the period of your most recent Type 2 report end?").wait_for()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    tab_to(page, "prior_report_period_end")
    page.keyboard.type("06302026")
    tab_to(page, "action")
    page.keyboard.press("Tab")  # from "Save and continue" to "Save draft"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert outline == "solid"
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    answers = dict(Answer.objects.filter(assessment=assessment).values_list("question_key", "value"))
    assert answers == {
        "controls_operating_months": 8,
        "prior_reports": ["soc2_type2"],
        "prior_report_period_end": "2026-06-30",
    }


def test_the_second_of_two_people_saving_a_section_is_told_and_keeps_their_input(
    page: Any, browser: Any, live_server: Any, manager: User, colleague: User
) -> None:
    assessment = AssessmentFactory(organization=manager.memberships.get().organization, created_by=manager)
    Service.objects.create(assessment=assessment, key="payroll", name="Payroll processing")
    url = f"/assessments/{assessment.pk}/questionnaire/organization/organization_reports/"
    months = "For how many months have your key controls operated"
    sign_in(page, manager.username)
    page.goto(url)
    other = browser.new_context(base_url=live_server.url).new_page()
    sign_in(other, colleague.username)
    other.goto(url)

    other.get_by_label(months).fill("6")
    other.get_by_role("button", name="Save draft").click()
    other.get_by_role("status").filter(has_text="Draft saved").wait_for()
    page.get_by_label(months).fill("30")
    page.get_by_role("button", name="Save draft").click()

    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Colin Colleague saved this section")
    expect(conflict).to_contain_text("evidence kept?: 6")
    expect(page.get_by_label(months)).to_have_value("30")
    assert Answer.objects.get(question_key="controls_operating_months").value == 6
    assert accessibility_problems(page) == []
    other.context.close()
