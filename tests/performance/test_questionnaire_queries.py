"""The questionnaire's pages run a fixed number of SQL queries, however many services the assessment has."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Organization, User
from bench.bank import MEASURED_SECTION
from bench.measure import preview_data
from tests.performance.conftest import last_service, steady_queries

# A section page reads the organization and its own service, never the other services: a fixed set of queries.
SECTION_PAGE_QUERIES = 11
# The live preview reads the whole assessment once (every service: the result covers them all).
PREVIEW_QUERIES = 10
# Session, user, the page's count and rows, which rows have services, the user's roles, whether they may create
# one, the navigation's roles. Progress is stored on each assessment, so no answer is read.
DASHBOARD_QUERIES = 8


def section_page(assessment: Assessment) -> str:
    return reverse(
        "assessments:service_section",
        kwargs={"pk": assessment.pk, "service_pk": last_service(assessment).pk, "section_key": MEASURED_SECTION},
    )


def test_the_section_page_runs_the_same_queries_for_1_and_20_services(
    client: Client,
    org: Organization,
    manager: User,
    answered: Callable[..., Assessment],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    client.force_login(manager)
    urls = {count: section_page(answered(org, manager, count)) for count in (1, 20)}

    counts = [
        steady_queries(partial(client.get, url), SECTION_PAGE_QUERIES, django_assert_max_num_queries)
        for url in urls.values()
    ]

    assert counts[0] == counts[1]


def test_the_live_preview_runs_the_same_queries_for_1_and_20_services(
    client: Client,
    org: Organization,
    manager: User,
    answered: Callable[..., Assessment],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    client.force_login(manager)
    posts = {}
    for count in (1, 20):
        assessment = answered(org, manager, count)
        service = last_service(assessment)
        url = reverse(
            "assessments:service_section_preview",
            kwargs={"pk": assessment.pk, "service_pk": service.pk, "section_key": MEASURED_SECTION},
        )
        posts[count] = (url, preview_data(assessment, service, MEASURED_SECTION))
    counts = []
    for url, data in posts.values():
        counts.append(
            steady_queries(
                partial(client.post, url, data, HTTP_HX_REQUEST="true"),
                PREVIEW_QUERIES,
                django_assert_max_num_queries,
            )
        )
        assert b'id="result-panel"' in client.post(url, data, HTTP_HX_REQUEST="true").content

    assert counts[0] == counts[1]


def test_the_dashboard_runs_the_same_queries_for_1_and_50_assessments(
    client: Client,
    org: Organization,
    other_org: Organization,
    manager: User,
    outsider: User,
    answered: Callable[..., Assessment],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    answered(org, manager, 3)
    for _ in range(50):
        answered(other_org, outsider, 3)
    url = reverse("assessments:dashboard")
    counts = {}
    for user in (manager, outsider):
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(DASHBOARD_QUERIES) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts[user.username] = len(captured)

    assert counts[manager.username] == counts[outsider.username]


@pytest.mark.parametrize("page", ["1", "2"])
def test_every_dashboard_page_shows_at_most_a_page_of_assessments(
    client: Client,
    other_org: Organization,
    outsider: User,
    answered: Callable[..., Assessment],
    page: str,
) -> None:
    for _ in range(30):
        answered(other_org, outsider, 1)
    client.force_login(outsider)

    response = client.get(reverse("assessments:dashboard"), {"page": page})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == (25 if page == "1" else 5)
