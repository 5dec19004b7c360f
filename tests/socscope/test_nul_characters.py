"""A NUL character in any request parameter is refused with a 400 page before a view reads it: PostgreSQL cannot
take one, so otherwise any parameter that reached a query would answer 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Assignment, User

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_query_string_gets_the_friendly_400(client: Client, manager: User, assessment: Assessment) -> None:
    client.force_login(manager)

    response = client.get(reverse("assessments:audit_log", args=[assessment.pk]), {"action": "memo.\x00rendered"})

    assert response.status_code == 400
    assert "The request could not be read" in response.content.decode()


def test_a_nul_in_a_parameter_name_is_refused_too(client: Client, manager: User, assessment: Assessment) -> None:
    client.force_login(manager)

    response = client.get(reverse("assessments:audit_log", args=[assessment.pk]) + "?act%00ion=x")

    assert response.status_code == 400


def test_a_nul_in_a_form_field_is_refused_and_saves_nothing(
    client: Client, manager: User, assessment: Assessment
) -> None:
    client.force_login(manager)

    response = client.post(reverse("assessments:assignments", args=[assessment.pk]), {"who": "ada\x00"})

    assert response.status_code == 400
    assert not Assignment.objects.filter(assessment=assessment).exists()


def test_a_forged_request_with_a_nul_is_still_refused_as_forged(manager: User, assessment: Assessment) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("assessments:assignments", args=[assessment.pk]), {"who": "ada\x00"})

    assert response.status_code == 403


def test_ordinary_parameters_pass(client: Client, manager: User, assessment: Assessment) -> None:
    client.force_login(manager)

    response = client.get(reverse("assessments:audit_log", args=[assessment.pk]), {"action": "memo.rendered"})

    assert response.status_code == 200
