from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.engine import ProfileError, parse_profile
from assessments.models import Assessment, Membership, Organization, SectionState, Service, User
from assessments.selectors.banks import engine_bank
from assessments.selectors.intake import (
    Progress,
    answer_text,
    assessment_profile,
    assessment_scope,
    conclusion_reasons,
    dashboard_page,
    deciding_answers,
    intake_load,
    result_panel,
    resume_entry,
    section_intake_load,
)
from assessments.services.intake import section_answers_save
from tests.assessments.intake.support import ORG_ANSWERS, SERVICE_ANSWERS, answers_set
from tests.factories import AssessmentFactory, ServiceFactory, SubserviceOrganizationFactory


@pytest.fixture
def payroll(assessment: Assessment) -> Service:
    return ServiceFactory(assessment=assessment, key="payroll", name="Payroll processing", description="Pay runs")


@pytest.fixture
def answered(assessment: Assessment, payroll: Service) -> Assessment:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=payroll)
    return assessment


def test_the_profile_is_the_contract_document_of_the_saved_answers(answered: Assessment, payroll: Service) -> None:
    vendor = SubserviceOrganizationFactory(
        assessment=answered,
        name="Cloud IaaS Co",
        provides="Hosting",
        has_soc_report="yes",
        controls_required="unknown",
        will_participate="no",
    )
    vendor.services.set([payroll])

    profile = assessment_profile(answered)

    assert profile["schema"] == "socscope.profile/1"
    assert profile["as_of"] == "2026-11-26"
    assert profile["organization"]["name"] == "Acme Payroll Inc."
    assert profile["organization"]["answers"]["controls_operating_months"] == 14
    assert profile["organization"]["answers"]["clients_sec_registrants"] == "unknown"
    [service] = profile["services"]
    assert (service["key"], service["name"], service["description"]) == ("payroll", "Payroll processing", "Pay runs")
    assert service["answers"]["transaction_classes"] == ["payroll"]
    assert profile["subservice_organizations"] == [
        {
            "name": "Cloud IaaS Co",
            "service": "Hosting",
            "services": ["payroll"],
            "has_soc_report": True,
            "controls_required": "unknown",
            "will_participate": False,
        }
    ]
    parse_profile(engine_bank(answered.bank_version), profile)


def test_answers_of_hidden_questions_stay_out_of_the_profile(answered: Assessment) -> None:
    answers_set(answered, {"prior_report_period_end": "2026-06-30"})

    assert "prior_report_period_end" not in assessment_profile(answered)["organization"]["answers"]

    answers_set(answered, {"prior_reports": ["soc2_type2"]})
    assert assessment_profile(answered)["organization"]["answers"]["prior_report_period_end"] == "2026-06-30"


def test_the_scope_is_the_engines_result_for_the_saved_answers(answered: Assessment) -> None:
    result = assessment_scope(answered)

    assert result["schema"] == "socscope.result/1"
    [service] = result["services"]
    assert service["soc2"]["strength"] == "required"
    assert service["soc1"]["applicable"] is True


def test_without_a_service_there_is_no_scope(assessment: Assessment) -> None:
    with pytest.raises(ProfileError):
        assessment_scope(assessment)


def test_progress_counts_shown_required_questions(assessment: Assessment, payroll: Service) -> None:
    intake = intake_load(assessment)
    before = intake.progress()
    answers_set(assessment, {"multiple_legal_entities": True})

    after = intake_load(assessment).progress()

    # Answering yes answers one required question and shows another (the legal entities' description).
    assert (after.answered, after.required) == (before.answered + 1, before.required + 1)
    assert after.open == before.open


def test_entries_list_the_organizations_sections_then_each_services(assessment: Assessment, payroll: Service) -> None:
    ServiceFactory(assessment=assessment, name="Benefits")

    entries = intake_load(assessment).entries()

    levels = [(entry.service.name if entry.service else None) for entry in entries]
    assert levels == [None] * 3 + ["Payroll processing"] * 4 + ["Benefits"] * 4
    assert entries[0].url.endswith("/questionnaire/organization/organization_reports/")
    assert f"/questionnaire/services/{payroll.pk}/" in entries[3].url


def test_a_fully_answered_assessment_is_complete(answered: Assessment) -> None:
    intake = intake_load(answered)

    assert intake.is_complete()
    assert [entry.status for entry in intake.entries()][:6] == ["complete"] * 6


def test_open_items_are_unanswered_required_and_dont_know_answers(answered: Assessment) -> None:
    answers_set(answered, {"system_name": None})

    items = intake_load(answered).open_items()

    assert [(item.question.key, item.unknown) for item in items] == [
        ("clients_sec_registrants", True),
        ("system_name", False),
    ]
    assert items[1].url.endswith("/questionnaire/organization/system_boundaries/#q-system_name")


def test_work_resumes_at_the_section_last_saved_while_it_is_open(
    assessment: Assessment, payroll: Service, manager: User, colleague: User
) -> None:
    SectionState.objects.create(
        assessment=assessment, service=payroll, section_key="data_and_commitments", version=1, updated_by=manager
    )
    SectionState.objects.create(assessment=assessment, section_key="system_boundaries", version=1, updated_by=colleague)

    entry = resume_entry(intake_load(assessment), manager)

    assert (entry.key, entry.service) == ("data_and_commitments", payroll)


def test_a_finished_section_resumes_at_the_next_open_one(answered: Assessment, manager: User) -> None:
    answers_set(answered, {"service_software": None}, service=answered.services.get())
    SectionState.objects.create(assessment=answered, section_key="organization_reports", version=1, updated_by=manager)

    entry = resume_entry(intake_load(answered), manager)

    assert entry.key == "system_components"


def test_the_result_panel_explains_each_conclusion(answered: Assessment) -> None:
    panel = result_panel(intake_load(answered))

    [service] = panel.services
    soc1, soc2 = service.families
    assert (soc1.name, soc2.name) == ("SOC 1", "SOC 2")
    assert soc2.strength_label == "Required"
    assert "Security" in soc2.details
    because = conclusion_reasons(intake_load(answered), soc2.target)
    assert because
    assert any(b.label.startswith("What have your customers") for b in because)
    assert any(b.url.endswith("/questionnaire/organization/organization_reports/#q-customer_requests") for b in because)
    assert conclusion_reasons(intake_load(answered), "service:payroll:soc3") is None
    assert [report.title for report in panel.reports] == ["SOC 1 Type 2", "SOC 2 Type 2"]
    assert panel.reports[0].when.startswith("Period ")
    assert [item.question.key for item in panel.unknown] == ["clients_sec_registrants"]
    assert panel.unanswered == []


def test_the_result_panel_follows_unsaved_answers(answered: Assessment, payroll: Service) -> None:
    intake = intake_load(answered)
    changed = intake.with_changes(None, {"customer_requests": ["none"]})

    soc2 = result_panel(changed).services[0].families[1]

    assert soc2.strength_label == "Recommended"
    assert intake_load(answered).org_answers["customer_requests"] == ["soc2"]


def test_the_result_panel_asks_for_a_service_first(assessment: Assessment) -> None:
    panel = result_panel(intake_load(assessment))

    assert not panel.ready
    assert "Add at least one service" in panel.problems[0]


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("public_report_wanted", True, "Yes"),
        ("clients_sec_registrants", "unknown", "Don't know"),
        ("customer_requests", ["soc1", "type2"], "A SOC 1 report, Specifically a Type 2 report"),
        ("controls_operating_months", None, "not answered"),
    ],
)
def test_answers_read_as_people_write_them(assessment: Assessment, key: str, value: Any, text: str) -> None:
    question = engine_bank(assessment.bank_version).questions[key]

    assert answer_text(question, value) == text


# ------------------------------------------------------------------------------------------------ dashboard


def fill_org(org: Organization, count: int) -> None:
    for _ in range(count):
        assessment = AssessmentFactory(organization=org)
        service = ServiceFactory(assessment=assessment)
        answers_set(assessment, {"controls_operating_months": 3})
        answers_set(assessment, {"stores_customer_data": True}, service=service)


def test_the_dashboard_lists_progress_and_the_next_action(answered: Assessment, manager: User) -> None:
    page = dashboard_page(manager, 1)

    [row] = page.object_list
    assert row.assessment == answered
    assert row.progress.open == 0
    assert row.next_action.label == "Submit for review"
    assert row.role == Membership.Role.MANAGER


def test_the_dashboard_shows_the_progress_stored_on_the_assessment(
    assessment: Assessment, payroll: Service, manager: User
) -> None:
    # Figures no answer could give: the dashboard reads the stored copy, not the answers.
    Assessment.objects.filter(pk=assessment.pk).update(answered_count=7, required_count=9)

    [row] = dashboard_page(manager, 1).object_list

    assert row.progress == Progress(answered=7, required=9)
    assert row.next_action.label == "Answer 2 open questions"


def test_an_assessment_without_services_asks_for_them_first(assessment: Assessment, manager: User) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(answered_count=9, required_count=9)

    [row] = dashboard_page(manager, 1).object_list

    assert row.next_action.label == "Add the services to scope"


def test_a_viewer_sees_no_action_of_their_own(answered: Assessment, viewer: User) -> None:
    [row] = dashboard_page(viewer, 1).object_list

    assert row.next_action.label == "Being filled in by the compliance manager"


def test_the_dashboard_shows_only_what_the_user_may_see(assessment: Assessment, outsider: User) -> None:
    assert list(dashboard_page(outsider, 1).object_list) == []


def test_the_dashboard_query_count_does_not_grow_with_assessments(
    org: Organization, manager: User, django_assert_max_num_queries: Any
) -> None:
    fill_org(org, 2)
    with CaptureQueriesContext(connection) as few:
        dashboard_page(manager, 1)
    fill_org(org, 30)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = dashboard_page(manager, 1)

    # The count, the page, which of the page's assessments have services, and the user's roles.
    assert len(few.captured_queries) <= 4

    assert len(page.object_list) == 25
    assert page.paginator.count == 32


# ------------------------------------------------------------------------------------------------ one page


def test_a_page_loads_only_the_organization_and_its_own_service(answered: Assessment, payroll: Service) -> None:
    other = ServiceFactory(assessment=answered, name="Benefits")
    answers_set(answered, {"stores_customer_data": True}, service=other)

    intake = section_intake_load(answered, payroll)

    assert set(intake.service_answers) == {payroll.pk}
    assert {entry.service for entry in intake.entries()} == {None, payroll}
    with pytest.raises(ValueError, match="every service"):
        intake.profile()


def test_a_pages_position_spans_every_service(assessment: Assessment, payroll: Service) -> None:
    benefits = ServiceFactory(assessment=assessment, name="Benefits")
    intake = section_intake_load(assessment, benefits)
    first = intake.section("financial_reporting_impact", "service")

    position = intake.position(first, benefits)

    assert (position.step, position.total) == (8, 11)
    assert position.previous.title == "Payroll processing: What clients must do"
    assert position.following.url.endswith(f"/services/{benefits.pk}/data_and_commitments/")


# ------------------------------------------------------------------------------------------------ deciding answers


def test_deciding_answers_say_what_would_change_a_services_conclusions(answered: Assessment) -> None:
    items = deciding_answers(intake_load(answered), "service:payroll")

    statements = [item.statement for item in items]
    assert "SOC 2 is required for “Payroll processing”." in statements
    soc1 = next(item for item in items if item.statement.startswith("SOC 1"))
    assert soc1.would_change_if
    assert all(sentence.startswith("It would become") for sentence in soc1.would_change_if)


def test_deciding_answers_explain_a_reports_type(answered: Assessment) -> None:
    [item] = deciding_answers(intake_load(answered), "report:soc2")

    assert item.statement == "The SOC 2 report is a Type 2."
    assert any("months" in sentence for sentence in item.would_change_if)


@pytest.mark.parametrize("target", ["service:nope", "report:soc9", "nonsense", ""])
def test_unknown_targets_have_no_deciding_answers(answered: Assessment, target: str) -> None:
    assert deciding_answers(intake_load(answered), target) == []


def test_a_report_over_several_services_is_not_decided_by_one_services_answer(
    answered: Assessment, payroll: Service
) -> None:
    benefits = ServiceFactory(assessment=answered, key="benefits", name="Benefits")
    answers_set(
        answered,
        {**SERVICE_ANSWERS, "transaction_classes": ["none"], "outputs_used_in_financials": False},
        service=benefits,
    )
    # Payroll's SOC 1 then rests on its transaction classes alone.
    answers_set(answered, {"outputs_used_in_financials": False}, service=payroll)
    intake = intake_load(answered)

    [soc1] = deciding_answers(intake, "report:soc1")
    [soc2] = deciding_answers(intake, "report:soc2")

    # SOC 1 covers payroll alone, so payroll's answers can remove it; SOC 2 covers both services.
    assert any("Payroll processing" in sentence for sentence in soc1.would_change_if)
    assert soc2.would_change_if
    assert not any("Payroll processing" in sentence for sentence in soc2.would_change_if)


def test_deciding_answers_can_be_asked_for_one_family(answered: Assessment) -> None:
    items = deciding_answers(intake_load(answered), "service:payroll:soc2")

    assert items
    assert all(not item.statement.startswith("SOC 1") for item in items)
    assert "Security is in the SOC 2 scope for “Payroll processing”." in [item.statement for item in items]


def test_dashboard_progress_follows_every_saved_answer(org: Organization, manager: User) -> None:
    assessment = AssessmentFactory(organization=org)
    ServiceFactory(assessment=assessment)
    before = dashboard_page(manager, 1).object_list[0].progress

    section_answers_save(
        assessment=assessment,
        service=None,
        section_key="organization_reports",
        data={"controls_operating_months": "3"},
        expected_version=0,
        actor=manager,
    )

    after = dashboard_page(manager, 1).object_list[0].progress
    assert after.answered == before.answered + 1
    assert after == intake_load(assessment).progress()
