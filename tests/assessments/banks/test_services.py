"""Publishing validates everything; clone, retire and the selectors that pick a version."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.engine import bank_checksum
from assessments.models import AuditEvent, BankVersion, Choice, Question, Rule, Section
from assessments.selectors.banks import (
    BankNotFound,
    bank_document,
    bank_version_by_label,
    engine_bank,
    newest_published_version,
)
from assessments.services.banks import (
    BankValidationError,
    bank_version_clone,
    bank_version_import,
    bank_version_publish,
    bank_version_retire,
)
from tests.assessments.banks.conftest import find_question

pytestmark = pytest.mark.django_db


def publish_problems(version: BankVersion) -> list[str]:
    with pytest.raises(BankValidationError) as caught:
        bank_version_publish(version=version, actor=None)
    version.refresh_from_db()
    assert version.status == BankVersion.Status.DRAFT
    assert version.checksum == ""
    return caught.value.problems


def question(version: BankVersion, key: str) -> Question:
    return Question.objects.get(version=version, key=key)


def condition_path(version: BankVersion, key: str) -> str:
    document = bank_document(version)
    for s_index, section in enumerate(document["sections"]):
        for q_index, item in enumerate(section["questions"]):
            if item["key"] == key:
                return f"$.sections[{s_index}].questions[{q_index}].condition"
    raise AssertionError(key)


def set_condition(version: BankVersion, key: str, condition: dict[str, Any] | None) -> None:
    row = question(version, key)
    row.condition = condition
    row.save()


# -------------------------------------------------------------------------------- publish


def test_publishing_freezes_the_draft_with_the_checksum_of_its_document(draft, admin_user):
    document = bank_document(draft)
    version = bank_version_publish(version=draft, actor=admin_user)
    assert version.status == BankVersion.Status.PUBLISHED
    assert version.checksum == bank_checksum(document)
    assert version.published_by == admin_user
    assert version.published_at is not None
    event = AuditEvent.objects.filter(action="bank.published").first()
    assert event.actor == admin_user
    assert event.data == {"version": "acme@2", "checksum": version.checksum}


def test_publishing_does_not_change_the_document(draft):
    before = bank_document(draft)
    assert bank_document(bank_version_publish(version=draft, actor=None)) == before


def test_it_publishes_only_drafts(published):
    with pytest.raises(BankValidationError) as caught:
        bank_version_publish(version=published, actor=None)
    assert caught.value.problems == ["$: acme@1 is published; only a draft can be published"]


def test_a_condition_must_name_a_question_of_the_same_version(draft):
    set_condition(draft, "known_control_gaps", {"q": "no_such_question", "op": "is_true"})
    assert f"{condition_path(draft, 'known_control_gaps')}.q: unknown question 'no_such_question'" in publish_problems(
        draft
    )


def test_a_condition_cannot_name_a_question_that_only_another_version_has(draft):
    extra = bank_version_clone(version=draft, actor=None)
    Question(section=Section.objects.filter(version=extra).first(), key="only_in_v3", label="?", type="yes_no").save()
    set_condition(draft, "known_control_gaps", {"q": "only_in_v3", "op": "is_true"})
    assert any("unknown question 'only_in_v3'" in problem for problem in publish_problems(draft))


def test_a_condition_must_name_a_choice_the_question_offers(draft):
    set_condition(draft, "known_control_gaps", {"q": "readiness_assessment_status", "op": "in", "value": ["nope"]})
    problems = publish_problems(draft)
    assert any(p.startswith(condition_path(draft, "known_control_gaps")) and "'nope'" in p for p in problems)


def test_a_removed_choice_breaks_the_conditions_that_use_it(draft):
    # privacy_role is shown when data_types contains_any personal/health.
    Choice.objects.filter(question__version=draft, question__key="data_types", key="health").delete()
    problems = publish_problems(draft)
    assert any(p.startswith(condition_path(draft, "privacy_role")) and "'health'" in p for p in problems)


def test_a_rule_must_name_questions_and_choices_of_the_version(draft):
    rule = Rule.objects.filter(version=draft).order_by("position", "id").first()
    rule.when = {"q": "transaction_classes", "op": "contains", "value": "crypto"}
    rule.save()
    problems = publish_problems(draft)
    index = list(Rule.objects.filter(version=draft).order_by("position", "id")).index(rule)
    assert f"$.rules[{index}].when.value: 'crypto' is not a choice of 'transaction_classes'" in problems


def test_conditions_may_not_form_a_cycle(draft):
    set_condition(draft, "known_control_gaps", {"q": "management_owner_name", "op": "answered"})
    set_condition(draft, "management_owner_name", {"q": "known_control_gaps", "op": "answered"})
    problems = publish_problems(draft)
    assert any("visibility cycle" in p and "known_control_gaps" in p and "management_owner_name" in p for p in problems)


@pytest.mark.parametrize(
    "condition",
    [
        {"q": "controls_operating_months", "op": "is_true"},
        {"q": "controls_operating_months", "op": "gte", "value": "six"},
        {"q": "public_report_wanted", "op": "eq", "value": 3},
        {"q": "prior_reports", "op": "eq", "value": "soc3"},
        {"q": "report_needed_by", "op": "lt", "value": "next spring"},
    ],
)
def test_condition_values_must_match_the_question_type(draft, condition):
    set_condition(draft, "known_control_gaps", condition)
    problems = publish_problems(draft)
    assert any(p.startswith(condition_path(draft, "known_control_gaps")) for p in problems), problems


def test_an_organization_question_cannot_depend_on_a_service_answer(draft):
    set_condition(draft, "known_control_gaps", {"q": "stores_customer_data", "op": "is_true"})
    problems = publish_problems(draft)
    assert any("cannot read service-level question 'stores_customer_data'" in p for p in problems)


def test_every_parameter_is_required(draft):
    parameters = dict(draft.parameters)
    del parameters["type2_min_months"]
    draft.parameters = parameters
    draft.save()
    assert "$.parameters.type2_min_months: is required" in publish_problems(draft)


def test_a_rule_effect_must_be_well_formed(draft):
    rule = Rule.objects.filter(version=draft).order_by("position", "id").first()
    rule.effect = {"type": "trigger", "family": "soc9"}
    rule.save()
    assert any(".effect.family" in p and "soc9" in p for p in publish_problems(draft))


def test_keys_must_be_lower_case_identifiers(draft):
    row = question(draft, "known_control_gaps")
    row.key = "Known-Gaps"
    row.save()
    assert any(".key: 'Known-Gaps' is not a valid key" in p for p in publish_problems(draft))


def test_publishing_lists_every_problem_at_once(draft):
    set_condition(draft, "known_control_gaps", {"q": "no_such_question", "op": "is_true"})
    set_condition(draft, "management_owner_name", {"q": "public_report_wanted", "op": "eq", "value": 3})
    assert len(publish_problems(draft)) >= 2


# -------------------------------------------------------------------------------- unique keys (import)


def test_question_keys_must_be_unique_across_the_version(bank_doc):
    bank_doc["sections"][1]["questions"][0]["key"] = bank_doc["sections"][0]["questions"][0]["key"]
    with pytest.raises(BankValidationError) as caught:
        bank_version_import(document=bank_doc, actor=None)
    assert caught.value.problems == [
        "$.sections[1].questions[0].key: question key 'controls_operating_months' is already used at "
        "$.sections[0].questions[0].key"
    ]


def test_section_choice_and_rule_keys_must_be_unique(bank_doc):
    bank_doc["sections"][1]["key"] = bank_doc["sections"][0]["key"]
    prior = find_question(bank_doc, "prior_reports")
    prior["choices"][1]["key"] = prior["choices"][0]["key"]
    bank_doc["rules"][1]["id"] = bank_doc["rules"][0]["id"]
    with pytest.raises(BankValidationError) as caught:
        bank_version_import(document=bank_doc, actor=None)
    problems = caught.value.problems
    assert any(p.startswith("$.sections[1].key: section key") for p in problems)
    assert any(".choices[1].key: choice key 'soc1_type1' is already used" in p for p in problems)
    assert any(p.startswith("$.rules[1].id: rule id") for p in problems)


# -------------------------------------------------------------------------------- clone and retire


def test_cloning_copies_everything_into_a_new_draft(published, admin_user):
    clone = bank_version_clone(version=published, actor=admin_user)
    assert (clone.number, clone.status, clone.created_by) == (2, BankVersion.Status.DRAFT, admin_user)
    original, copied = bank_document(published), bank_document(clone)
    assert copied == {**original, "version": 2, "release_notes": ""}
    assert AuditEvent.objects.filter(action="bank.cloned", data={"version": "acme@2", "from": "acme@1"}).exists()


def test_clones_are_numbered_after_the_highest_version(published, draft):
    assert bank_version_clone(version=published, actor=None).number == 3


def test_retiring_keeps_the_version_for_existing_assessments(published, admin_user):
    retired = bank_version_retire(version=published, actor=admin_user)
    assert (retired.status, retired.retired_by) == (BankVersion.Status.RETIRED, admin_user)
    assert AuditEvent.objects.filter(action="bank.retired").exists()
    with pytest.raises(BankValidationError):
        bank_version_retire(version=retired, actor=None)


def test_a_draft_cannot_be_retired(draft):
    with pytest.raises(BankValidationError):
        bank_version_retire(version=draft, actor=None)


# -------------------------------------------------------------------------------- selectors


def test_new_assessments_get_the_newest_published_version(published, draft):
    assert newest_published_version("acme") == published
    newer = bank_version_publish(version=draft, actor=None)
    assert newest_published_version("acme") == newer
    bank_version_retire(version=newer, actor=None)
    assert newest_published_version("acme") == published
    assert newest_published_version("no-such-bank") is None


def test_bank_labels_name_a_version(published, draft):
    assert bank_version_by_label("acme") == published
    assert bank_version_by_label("acme@2") == draft
    with pytest.raises(BankNotFound, match="draft"):
        bank_version_by_label("acme@2", published_only=True)
    with pytest.raises(BankNotFound, match="does not exist"):
        bank_version_by_label("acme@7")
    with pytest.raises(BankNotFound, match="no published version"):
        bank_version_by_label("nobank")
    with pytest.raises(BankNotFound, match="not a bank label"):
        bank_version_by_label("acme@@1")


def test_the_engine_bank_of_a_frozen_version_is_parsed_once(published, draft, django_assert_num_queries):
    first = engine_bank(published)
    with django_assert_num_queries(0):
        assert engine_bank(published) is first
    assert first.checksum == published.checksum
    assert engine_bank(draft) is not engine_bank(draft)


def test_building_a_document_costs_a_constant_number_of_queries(published, draft, django_assert_max_num_queries):
    Question.objects.filter(version=draft, type="text").delete()
    with django_assert_max_num_queries(5):
        big = bank_document(published)
    with django_assert_max_num_queries(5):
        small = bank_document(draft)
    assert len(str(big)) > len(str(small))
