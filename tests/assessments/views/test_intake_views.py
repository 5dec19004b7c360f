from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, Assessment, Membership, Memo, Service, SubserviceOrganization, User
from assessments.services.intake import section_answers_save
from tests.assessments.intake.support import ORG_ANSWERS, SERVICE_ANSWERS, answers_set
from tests.factories import AssessmentFactory, MembershipFactory, OrganizationFactory, ServiceFactory


@pytest.fixture
def as_manager(client: Client, manager: User) -> Client:
    client.force_login(manager)
    return client


@pytest.fixture
def service(assessment: Assessment) -> Service:
    return ServiceFactory(assessment=assessment, key="payroll", name="Payroll processing")


def section_url(assessment: Assessment, key: str = "organization_reports") -> str:
    return reverse("assessments:section", args=[assessment.pk, key])


def text(response: Any) -> str:
    return response.content.decode()


# ------------------------------------------------------------------------------------------------ set-up


def test_a_manager_creates_an_assessment_and_lands_on_its_services(as_manager: Client, org: object) -> None:
    response = as_manager.post(reverse("assessments:assessment_create"), {"name": "FY2028", "as_of": "2027-01-31"})

    assessment = Assessment.objects.get(name="FY2028")
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:assessment_detail", args=[assessment.pk]) + "#services"
    assert assessment.organization == org


def test_a_creation_error_keeps_what_was_typed(as_manager: Client) -> None:
    response = as_manager.post(reverse("assessments:assessment_create"), {"name": "FY2028", "as_of": "2027-02-30"})

    assert response.status_code == 200
    assert "Enter a real date." in text(response)
    assert 'value="FY2028"' in text(response)
    assert not Assessment.objects.filter(name="FY2028").exists()


def test_a_manager_of_two_organizations_chooses_one(as_manager: Client, manager: User) -> None:
    second = OrganizationFactory(name="Second Org")
    MembershipFactory(user=manager, organization=second, role=Membership.Role.MANAGER)

    page = text(as_manager.get(reverse("assessments:assessment_create")))
    as_manager.post(
        reverse("assessments:assessment_create"), {"name": "Other", "as_of": "2027-01-31", "organization": second.pk}
    )

    assert "Second Org" in page
    assert Assessment.objects.get(name="Other").organization == second


def test_the_dashboard_offers_new_assessments_to_managers_only(client: Client, manager: User, viewer: User) -> None:
    client.force_login(manager)
    assert "New assessment" in text(client.get("/"))
    client.force_login(viewer)
    assert "New assessment" not in text(client.get("/"))


def test_the_dashboard_query_count_is_constant(
    as_manager: Client, org: object, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        ServiceFactory(assessment=AssessmentFactory(organization=org))
    as_manager.get("/")

    with django_assert_max_num_queries(12):
        response = as_manager.get("/")

    assert text(response).count('data-testid="assessment-row"') == 25


def test_adding_a_service_with_a_name_in_use_explains_beside_the_field(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    response = as_manager.post(
        reverse("assessments:service_add", args=[assessment.pk]),
        {"service-name": "payroll processing", "service-description": "Second try"},
    )

    page = text(response)
    assert response.status_code == 200
    assert "There is already a service called" in page
    assert 'aria-invalid="true"' in page
    assert "Second try" in page
    assert assessment.services.count() == 1


def test_renaming_and_removing_a_service(as_manager: Client, assessment: Assessment, service: Service) -> None:
    as_manager.post(
        reverse("assessments:service_edit", args=[assessment.pk, service.pk]),
        {"service-name": "Payroll", "service-description": "Pay runs"},
    )
    service.refresh_from_db()
    assert (service.name, service.description, service.key) == ("Payroll", "Pay runs", "payroll")

    confirm = as_manager.get(reverse("assessments:service_remove", args=[assessment.pk, service.pk]))
    assert "Remove the service “Payroll”?" in text(confirm)
    as_manager.post(reverse("assessments:service_remove", args=[assessment.pk, service.pk]))
    assert not assessment.services.exists()


def test_adding_a_subservice_organization(as_manager: Client, assessment: Assessment, service: Service) -> None:
    response = as_manager.post(
        reverse("assessments:subservice_add", args=[assessment.pk]),
        {
            "name": "Cloud IaaS Co",
            "provides": "Hosting",
            "services": [service.pk],
            "has_soc_report": "yes",
            "controls_required": "yes",
            "will_participate": "no",
        },
    )

    assert response.status_code == 302
    sub = SubserviceOrganization.objects.get()
    assert list(sub.services.all()) == [service]
    detail = text(as_manager.get(reverse("assessments:assessment_detail", args=[assessment.pk])))
    assert "Cloud IaaS Co" in detail
    assert "Carve-out method" in detail


def test_a_subservice_organization_needs_its_answers(as_manager: Client, assessment: Assessment) -> None:
    response = as_manager.post(reverse("assessments:subservice_add", args=[assessment.pk]), {"name": "Vendor"})

    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert not SubserviceOrganization.objects.exists()


# ------------------------------------------------------------------------------------------------ questionnaire


def test_a_section_page_shows_questions_help_and_reference(as_manager: Client, assessment: Assessment) -> None:
    page = text(as_manager.get(section_url(assessment)))

    assert "For how many months have your key controls operated" in page
    assert "Reference: SSAE 18" in page
    assert 'id="q-prior_report_period_end"' in page
    assert 'name="prior_report_period_end"' not in page
    assert 'name="_version" value="0"' in page
    assert "Don&#x27;t know" in page
    assert 'hx-post="' in page


def test_saving_a_draft_stays_on_the_section(as_manager: Client, assessment: Assessment) -> None:
    response = as_manager.post(
        section_url(assessment), {"_version": "0", "controls_operating_months": "14", "action": "save"}
    )

    assert response.status_code == 302
    assert response["Location"] == section_url(assessment)
    assert Answer.objects.get(question_key="controls_operating_months").value == 14
    page = text(as_manager.get(section_url(assessment)))
    assert "Draft saved." in page
    assert 'name="_version" value="1"' in page
    assert 'value="14"' in page


def test_save_and_continue_goes_to_the_next_section(as_manager: Client, assessment: Assessment) -> None:
    response = as_manager.post(section_url(assessment), {"_version": "0", "action": "continue"})

    assert response["Location"] == section_url(assessment, "system_boundaries")


def test_the_last_section_continues_to_submission(as_manager: Client, assessment: Assessment, service: Service) -> None:
    url = reverse("assessments:service_section", args=[assessment.pk, service.pk, "client_responsibilities"])

    response = as_manager.post(url, {"_version": "0", "action": "continue"})

    assert response["Location"] == reverse("assessments:assessment_detail", args=[assessment.pk]) + "#submit"


def test_a_validation_error_keeps_every_value_and_says_what_to_fix(as_manager: Client, assessment: Assessment) -> None:
    response = as_manager.post(
        section_url(assessment),
        {
            "_version": "0",
            "controls_operating_months": "900",
            "customer_requests": ["soc2"],
            "customer_request_details": "Two prospects",
            "public_report_wanted": "yes",
            "action": "save",
        },
    )

    page = text(response)
    assert response.status_code == 422
    assert 'role="alert"' in page
    assert "Enter a number no greater than 600." in page
    assert 'aria-invalid="true"' in page
    assert 'value="900"' in page
    assert re.search(r'name="customer_requests" value="soc2"[^>]*checked', page)
    assert "Two prospects" in page
    assert "data-unsaved" in page
    assert not Answer.objects.exists()


def test_a_conflicting_save_is_refused_and_keeps_the_input(
    as_manager: Client, assessment: Assessment, colleague: User
) -> None:
    section_answers_save(
        assessment=assessment,
        service=None,
        section_key="organization_reports",
        data={"controls_operating_months": "6"},
        expected_version=0,
        actor=colleague,
    )

    response = as_manager.post(section_url(assessment), {"_version": "0", "controls_operating_months": "30"})

    page = text(response)
    assert response.status_code == 409
    assert "Colin Colleague saved this section" in page
    assert 'value="30"' in page
    assert "For how many months have your key controls operated with evidence kept?</a>: 6" in page
    assert 'name="_version" value="1"' in page
    assert Answer.objects.get(question_key="controls_operating_months").value == 6


# The questions the organization's first section shows for ORG_ANSWERS.
ON_PAGE = [
    "controls_operating_months",
    "prior_reports",
    "customer_requests",
    "customer_request_details",
    "international_standard_needed",
    "report_needed_by",
    "public_report_wanted",
    "client_fye_month",
    "clients_sec_registrants",
]


def test_the_preview_reveals_follow_ups_and_updates_the_result_without_saving(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    url = reverse("assessments:section_preview", args=[assessment.pk, "organization_reports"])

    response = as_manager.post(
        url,
        {"_shown": ON_PAGE, "prior_reports": ["soc2_type2"], "controls_operating_months": "14"},
        HTTP_HX_REQUEST="true",
    )

    page = text(response)
    assert response.status_code == 200
    assert '<div id="q-prior_report_period_end"' in page
    assert 'hx-swap-oob="true"' in page
    assert 'name="prior_report_period_end"' in page
    assert 'id="q-customer_request_details"' in page  # hidden now: its slot is emptied
    assert 'id="q-controls_operating_months"' not in page  # unchanged: left alone
    assert 'id="result-panel"' in page
    assert "New question: When did the period" in page
    assert Answer.objects.get(assessment=assessment, question_key="prior_reports").value == ["none"]


def test_the_questionnaire_resumes_where_the_user_left_off(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    as_manager.post(
        reverse("assessments:service_section", args=[assessment.pk, service.pk, "data_and_commitments"]),
        {"_version": "0", "stores_customer_data": "yes"},
    )

    response = as_manager.get(reverse("assessments:questionnaire", args=[assessment.pk]))

    assert response["Location"].endswith(f"/questionnaire/services/{service.pk}/data_and_commitments/")


def test_readers_see_answers_read_only(client: Client, viewer: User, assessment: Assessment) -> None:
    answers_set(assessment, {"controls_operating_months": 14})
    client.force_login(viewer)

    page = text(client.get(section_url(assessment)))

    assert 'value="14"' in page
    assert "disabled" in page
    assert "Save draft" not in page
    assert "hx-post" not in page
    assert "only the organization's compliance managers can change them" in page


# ------------------------------------------------------------------------------------------------ submission


def test_submitting_an_incomplete_assessment_says_what_is_missing(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    response = as_manager.post(reverse("assessments:assessment_submit", args=[assessment.pk]), follow=True)

    assert "required questions are not answered yet" in text(response)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_submitting_twice_makes_one_memo(as_manager: Client, assessment: Assessment, service: Service) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    url = reverse("assessments:assessment_submit", args=[assessment.pk])

    first = as_manager.post(url, follow=True)
    second = as_manager.post(url, follow=True)

    assert "Submitted for review" in text(first)
    assert "memo version 1 records the scoping" in text(first)
    assert "submitted" in text(second).lower()
    assert Memo.objects.filter(assessment=assessment).count() == 1
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED


# ------------------------------------------------------------------------------------------------ result


def test_the_result_panel_loads_for_readers(client: Client, viewer: User, assessment: Assessment) -> None:
    answers_set(assessment, ORG_ANSWERS)
    ServiceFactory(assessment=assessment, name="Payroll processing")
    client.force_login(viewer)
    url = reverse("assessments:result", args=[assessment.pk])

    panel = client.get(url, HTTP_HX_REQUEST="true")
    plain = client.get(url)

    assert 'id="result-panel"' in text(panel)
    assert "SOC 2" in text(panel)
    assert plain["Location"] == reverse("assessments:assessment_detail", args=[assessment.pk]) + "#result-panel"


def test_deciding_answers_follow_the_managers_unsaved_answers(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    url = reverse("assessments:result_deciding", args=[assessment.pk]) + "?target=service:payroll"

    saved = text(as_manager.get(url, HTTP_HX_REQUEST="true"))
    unsaved = text(
        as_manager.post(
            url + "&section=organization_reports",
            {"_shown": ["customer_requests"], "customer_requests": ["none"]},
            HTTP_HX_REQUEST="true",
        )
    )

    assert "SOC 2 is required for “Payroll processing”." in saved
    assert "SOC 2 is recommended for “Payroll processing”." in unsaved
    assert Answer.objects.get(assessment=assessment, question_key="customer_requests").value == ["soc2"]


def test_the_result_panel_loads_each_conclusions_reasons_only_when_unfolded(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)

    panel = text(as_manager.get(reverse("assessments:result", args=[assessment.pk]), HTTP_HX_REQUEST="true"))

    why = reverse("assessments:result_why", args=[assessment.pk])
    assert f'hx-get="{why}?target=service%3Apayroll%3Asoc2"' in panel
    assert f'hx-get="{why}?target=report%3Asoc1"' in panel
    assert 'class="because"' not in panel


def test_a_conclusions_reasons_name_the_answers_and_offer_the_deciding_ones(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    url = reverse("assessments:result_why", args=[assessment.pk]) + "?target=service:payroll:soc2"

    body = text(as_manager.get(url, HTTP_HX_REQUEST="true"))

    assert "Customers asked for a SOC 2 or SOC 3 report" in body
    assert "What have your customers, prospects or their auditors asked you for?" in body
    assert "#q-customer_requests" in body
    deciding = reverse("assessments:result_deciding", args=[assessment.pk])
    assert f'hx-get="{deciding}?target=service%3Apayroll%3Asoc2"' in body
    assert "<h1" not in body


def test_a_conclusions_reasons_follow_the_managers_unsaved_answers(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    url = reverse("assessments:result_why", args=[assessment.pk]) + "?target=service:payroll:soc2"

    unsaved = text(
        as_manager.post(
            url + "&section=organization_reports",
            {"_shown": ["customer_requests"], "customer_requests": ["none"]},
            HTTP_HX_REQUEST="true",
        )
    )

    assert "Customers asked for a SOC 2 or SOC 3 report" not in unsaved
    # The deciding answers it offers are worked out for the same unsaved answers.
    assert "hx-post=" in unsaved and "section=organization_reports" in unsaved
    assert Answer.objects.get(assessment=assessment, question_key="customer_requests").value == ["soc2"]


def test_reasons_for_a_conclusion_the_answers_no_longer_give_say_so(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    url = reverse("assessments:result_why", args=[assessment.pk])

    for target in ("service:nosuch:soc2", "service:payroll:soc9", "report:soc9", "nonsense", ""):
        body = text(as_manager.get(url, {"target": target}, HTTP_HX_REQUEST="true"))

        assert "The current answers no longer give this conclusion." in body, target
        assert "Which answers would change this?" not in body, target


def test_a_conclusions_reasons_have_a_page_of_their_own_without_javascript(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)

    page = text(as_manager.get(reverse("assessments:result_why", args=[assessment.pk]) + "?target=report:soc2"))

    assert "<h1" in page
    assert "The answers behind this conclusion" in page
    assert 'class="because"' in page


def test_deciding_answers_have_a_page_of_their_own_without_javascript(
    as_manager: Client, assessment: Assessment, service: Service
) -> None:
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)

    page = text(as_manager.get(reverse("assessments:result_deciding", args=[assessment.pk]) + "?target=report:soc1"))

    assert "<h1" in page
    assert "The SOC 1 report is a Type 2." in page
