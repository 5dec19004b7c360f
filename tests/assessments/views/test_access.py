"""Every questionnaire URL: other tenants get 404, viewers and auditors 403 on every write, managers get through."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from assessments.models import Answer, Assessment, AuditEvent, Service, SubserviceOrganization, User
from tests.factories import ServiceFactory, SubserviceOrganizationFactory


@dataclass(frozen=True)
class Url:
    name: str
    path: str
    # Pages that only exist to change something (forms, confirmations): readers get 403 even for GET.
    write_only: bool = False
    post_only: bool = False
    get_only: bool = False

    def allows(self, method: str) -> bool:
        return not (self.post_only and method == "get") and not (self.get_only and method == "post")


@pytest.fixture
def service(assessment: Assessment) -> Service:
    return ServiceFactory(assessment=assessment, key="payroll", name="Payroll processing")


@pytest.fixture
def vendor(assessment: Assessment, service: Service) -> SubserviceOrganization:
    sub = SubserviceOrganizationFactory(assessment=assessment, name="Cloud IaaS Co")
    sub.services.set([service])
    return sub


@pytest.fixture
def urls(assessment: Assessment, service: Service, vendor: SubserviceOrganization) -> list[Url]:
    pk, s, v = assessment.pk, service.pk, vendor.pk
    return [
        Url("assessment_detail", reverse("assessments:assessment_detail", args=[pk]), get_only=True),
        Url("questionnaire", reverse("assessments:questionnaire", args=[pk]), get_only=True),
        Url("section", reverse("assessments:section", args=[pk, "organization_reports"])),
        Url("service_section", reverse("assessments:service_section", args=[pk, s, "data_and_commitments"])),
        Url(
            "section_preview",
            reverse("assessments:section_preview", args=[pk, "organization_reports"]),
            write_only=True,
            post_only=True,
        ),
        Url(
            "service_section_preview",
            reverse("assessments:service_section_preview", args=[pk, s, "data_and_commitments"]),
            write_only=True,
            post_only=True,
        ),
        Url("result", reverse("assessments:result", args=[pk]), get_only=True),
        Url(
            "result_why",
            reverse("assessments:result_why", args=[pk]) + "?target=service:payroll:soc2&section=organization_reports",
        ),
        Url(
            "result_deciding",
            reverse("assessments:result_deciding", args=[pk]) + "?target=service:payroll&section=organization_reports",
        ),
        Url("assessment_submit", reverse("assessments:assessment_submit", args=[pk]), write_only=True, post_only=True),
        Url("service_add", reverse("assessments:service_add", args=[pk]), write_only=True),
        Url("service_edit", reverse("assessments:service_edit", args=[pk, s]), write_only=True),
        Url("service_remove", reverse("assessments:service_remove", args=[pk, s]), write_only=True),
        Url("subservice_add", reverse("assessments:subservice_add", args=[pk]), write_only=True),
        Url("subservice_edit", reverse("assessments:subservice_edit", args=[pk, v]), write_only=True),
        Url("subservice_remove", reverse("assessments:subservice_remove", args=[pk, v]), write_only=True),
    ]


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_every_questionnaire_view_is_in_this_table(urls: list[Url]) -> None:
    """A new view in assessments/views/intake.py must be added above, so its access is tested."""
    names = {
        pattern.name
        for pattern in get_resolver().url_patterns[-1].url_patterns
        if pattern.callback.__module__ == "assessments.views.intake"
    }

    assert names - {url.name for url in urls} == {"assessment_create"}


def test_another_organizations_manager_gets_404_everywhere(client: Client, outsider: User, urls: list[Url]) -> None:
    signed_in(client, outsider)
    before = (Answer.objects.count(), Service.objects.count(), AuditEvent.objects.count())

    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url.path, {"service-name": "Hijack", "name": "Hijack"})
            # A method the URL never accepts is refused before anything is looked up, for everyone alike.
            expected = 404 if url.allows(method) else 405
            assert response.status_code == expected, (url.name, method)
            assert b"FY2027 SOC scoping" not in response.content
            assert b"Payroll processing" not in response.content

    assert (Answer.objects.count(), Service.objects.count(), AuditEvent.objects.count()) == before


def test_an_unassigned_auditor_gets_404_everywhere(client: Client, unassigned_auditor: User, urls: list[Url]) -> None:
    signed_in(client, unassigned_auditor)

    for url in urls:
        method = "post" if url.allows("post") else "get"
        assert getattr(client, method)(url.path, {}).status_code == 404, url.name


@pytest.mark.parametrize("who", ["viewer", "auditor"])
def test_readers_get_403_on_every_write_and_change_nothing(
    request: pytest.FixtureRequest, client: Client, urls: list[Url], who: str
) -> None:
    signed_in(client, request.getfixturevalue(who))
    before = (Answer.objects.count(), Service.objects.count(), AuditEvent.objects.count())
    data = {"service-name": "Renamed", "name": "Renamed", "controls_operating_months": "5", "_version": "0"}

    for url in urls:
        if url.allows("post"):
            assert client.post(url.path, data).status_code == 403, url.name
        if url.write_only and url.allows("get"):
            assert client.get(url.path).status_code == 403, url.name

    assert (Answer.objects.count(), Service.objects.count(), AuditEvent.objects.count()) == before
    assert Assessment.objects.get().status == Assessment.Status.DRAFT


@pytest.mark.parametrize("who", ["viewer", "auditor"])
def test_readers_can_read(request: pytest.FixtureRequest, client: Client, urls: list[Url], who: str) -> None:
    signed_in(client, request.getfixturevalue(who))

    for url in urls:
        if not url.write_only:
            assert client.get(url.path, follow=True).status_code == 200, url.name


def test_a_viewer_cannot_start_an_assessment(client: Client, viewer: User) -> None:
    signed_in(client, viewer)

    assert client.get(reverse("assessments:assessment_create")).status_code == 403
    response = client.post(reverse("assessments:assessment_create"), {"name": "X", "as_of": "2026-11-26"})
    assert response.status_code == 403


def test_a_manager_may_use_every_page(client: Client, manager: User, urls: list[Url]) -> None:
    signed_in(client, manager)

    for url in urls:
        if url.allows("get"):
            assert client.get(url.path, follow=True).status_code == 200, url.name


def test_once_submitted_even_the_manager_gets_403_on_writes(
    client: Client, manager: User, assessment: Assessment, urls: list[Url]
) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    signed_in(client, manager)

    for url in urls:
        if url.write_only and url.name != "assessment_submit":
            assert client.post(url.path, {"service-name": "Late"}).status_code == 403, url.name
    assert client.post(reverse("assessments:section", args=[assessment.pk, "organization_reports"])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, urls: list[Url]) -> None:
    for url in urls:
        response = client.post(url.path) if url.allows("post") else client.get(url.path)
        assert response.status_code == 302, url.name
        assert "/accounts/login/" in response["Location"]


def test_a_service_of_another_assessment_is_not_found(
    client: Client, manager: User, assessment: Assessment, other_org: object
) -> None:
    foreign = ServiceFactory()
    signed_in(client, manager)

    paths = [
        reverse("assessments:service_edit", args=[assessment.pk, foreign.pk]),
        reverse("assessments:service_section", args=[assessment.pk, foreign.pk, "data_and_commitments"]),
    ]

    assert [client.get(path).status_code for path in paths] == [404, 404]


def test_an_unknown_or_wrong_level_section_is_not_found(
    client: Client, manager: User, assessment: Assessment, service: Service
) -> None:
    signed_in(client, manager)

    assert client.get(reverse("assessments:section", args=[assessment.pk, "no_such_section"])).status_code == 404
    assert client.get(reverse("assessments:section", args=[assessment.pk, "data_and_commitments"])).status_code == 404
    wrong = reverse("assessments:service_section", args=[assessment.pk, service.pk, "organization_reports"])
    assert client.get(wrong).status_code == 404
