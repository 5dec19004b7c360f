"""An admin changes the questionnaire and its rules in the browser, without a code change.

Clone the published default bank, add a conditional question and a rule that reads it, publish; a new
assessment starts on the new version while an existing one keeps the version it was scoped with.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments import engine
from assessments.models import Assessment, BankVersion, Question, Rule, User
from assessments.selectors.banks import engine_bank, newest_published_version
from assessments.services.reference import shipped_bank_ensure
from tests.browser.conftest import axe_violations, click_and_load, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = Path(__file__).resolve().parents[1] / "engine" / "examples" / "payroll-processor.json"
CONDITION = {"q": "stores_customer_data", "op": "is_true"}
RULE_WHEN = {"q": "uses_ai_models", "op": "is_true"}
RULE_EFFECT = {
    "type": "flag",
    "code": "ai_on_customer_data",
    "message": "AI models process customer data: consider processing integrity.",
}


@pytest.fixture
def default_v1(db: None) -> BankVersion:
    """The shipped default bank as `migrate` publishes it (seeded again here if a flush removed it)."""
    return newest_published_version("default") or shipped_bank_ensure()[0]


@pytest.fixture
def bank_admin(db: None) -> User:
    return UserFactory(username="alice", full_name="Alice Admin", is_staff=True, is_superuser=True)


def test_an_admin_adds_a_conditional_question_and_a_rule_and_publishes_them(
    page: object, default_v1: BankVersion, bank_admin: User, manager: User, assessment: Assessment
) -> None:
    assert assessment.bank_version == default_v1
    sign_in(page, bank_admin.username)

    # Clone the published default bank to a new draft.
    page.goto("/admin/assessments/bankversion/")
    page.locator(f'input[name="_selected_action"][value="{default_v1.pk}"]').check()
    page.locator('select[name="action"]').select_option("clone_to_draft")
    page.get_by_role("button", name="Go").click()
    new_label = f"default@{default_v1.number + 1}"
    expect(page.locator("ul.messagelist")).to_contain_text(f"Cloned {default_v1.label} to the new draft {new_label}.")
    draft = BankVersion.objects.get(bank__key="default", number=default_v1.number + 1)

    # Add a question to the draft, shown only when the service stores customer data.
    page.goto("/admin/assessments/question/add/")
    page.locator("#id_section").select_option(label=f"{new_label} · Data and commitments")
    page.fill("#id_position", "55")
    page.fill("#id_key", "uses_ai_models")
    page.fill("#id_label", "Does the service apply AI models to customer data?")
    page.fill("#id_help_text", "Machine-learning or generative models that read or change customer data.")
    page.fill("#id_reference", "TSC PI1")
    page.locator("#id_type").select_option("yes_no_unknown")
    page.locator("#id_allow_unknown").check()
    page.fill("#id_condition", json.dumps(CONDITION))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")
    question = Question.objects.get(version=draft, key="uses_ai_models")
    assert question.condition == CONDITION

    # A rule that uses it: first with a typo, which the form reports beside the field.
    page.goto("/admin/assessments/rule/add/")
    page.locator("#id_version").select_option(label=str(draft))
    page.fill("#id_key", "soc2.flag.ai_on_customer_data")
    page.locator("#id_level").select_option("service")
    page.fill("#id_position", "515")
    page.fill("#id_when", json.dumps({"q": "uses_ai_model", "op": "is_true"}))
    page.fill("#id_effect", json.dumps(RULE_EFFECT))
    page.fill("#id_explanation", "The service applies AI models to customer data.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".field-when .errorlist")).to_contain_text("q: unknown question 'uses_ai_model'")
    page.fill("#id_when", json.dumps(RULE_WHEN))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")
    assert Rule.objects.get(version=draft, key="soc2.flag.ai_on_customer_data").when == RULE_WHEN

    # The preview shows the new question as a respondent sees it, with its condition.
    page.goto(f"/admin/assessments/bankversion/{draft.pk}/preview/")
    new_question = page.locator("#preview-question-uses_ai_models")
    expect(new_question).to_contain_text("Does the service apply AI models to customer data?")
    expect(new_question).to_contain_text("shown when stores_customer_data is yes")

    # Publish from the version page, which reports the draft as ready.
    page.goto(f"/admin/assessments/bankversion/{draft.pk}/change/")
    expect(page.locator("#publication-check")).to_contain_text("This draft passes every check and can be published.")
    page.get_by_role("button", name=f"Publish {new_label}").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"Published {new_label}. New assessments now use it.")
    draft.refresh_from_db()
    assert draft.status == BankVersion.Status.PUBLISHED
    assert axe_violations(page) == []

    # A compliance manager starts a new assessment: it uses the new version; the existing one keeps its own.
    page.context.clear_cookies()
    sign_in(page, manager.username)
    page.goto("/assessments/new/")
    page.get_by_label("Name").fill("FY2028 SOC scoping")
    page.get_by_label("As-of date").fill("2027-11-26")
    click_and_load(page.get_by_role("button", name="Create assessment"))
    created = Assessment.objects.get(name="FY2028 SOC scoping")
    assert created.bank_version == draft
    assessment.refresh_from_db()
    assert assessment.bank_version == default_v1

    # The rule is live in the new version and absent from the old one.
    profile = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8"))["profile"])
    profile["services"][0]["answers"].update(stores_customer_data=True, uses_ai_models=True)
    new_result = engine.scope(engine_bank(draft), engine.parse_profile(engine_bank(draft), profile))
    assert "ai_on_customer_data" in {flag.code for flag in new_result.flags}
    with pytest.raises(engine.ProfileError):
        engine.parse_profile(engine_bank(default_v1), profile)
