"""The dashboard is a read-only page: it answers GET and refuses every other method before doing any work."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AuditEvent, User

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_the_managers_assessments(client: Client, manager: User, assessment: Assessment) -> None:
    client.force_login(manager)

    response = client.get(reverse("assessments:dashboard"))

    assert response.status_code == 200
    assert assessment.name in response.content.decode()


def test_the_dashboard_shows_the_progress_stored_on_each_assessment(
    client: Client, manager: User, assessment: Assessment
) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(answered_count=7, required_count=9)
    client.force_login(manager)

    response = client.get(reverse("assessments:dashboard"))

    assert "7 / 9 answered" in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_dashboard_refuses_methods_that_could_change_something(
    client: Client, manager: User, assessment: Assessment, method: str
) -> None:
    client.force_login(manager)
    events = AuditEvent.objects.count()

    response = getattr(client, method)(reverse("assessments:dashboard"))

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert AuditEvent.objects.count() == events


def test_an_anonymous_post_to_the_dashboard_is_sent_to_sign_in(client: Client) -> None:
    response = client.post(reverse("assessments:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
