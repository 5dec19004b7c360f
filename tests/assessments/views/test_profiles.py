from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AuditEvent
from tests.engine.support import EXAMPLES

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("assessments:profile_import")


def example_profile(name: str = "payroll-processor") -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())["profile"]


def upload(document: object, name: str = "profile.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(document).encode(), content_type="application/json")


def test_a_manager_imports_a_profile_and_downloads_it_again(client: Client, org: object, manager: object) -> None:
    client.force_login(manager)

    response = client.post(
        IMPORT_URL, {"organization": org.pk, "name": "Renewal", "profile": upload(example_profile())}
    )
    assessment = Assessment.objects.get(organization=org, name="Renewal")
    exported = client.get(reverse("assessments:profile_export", args=[assessment.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:assessment_detail", args=[assessment.pk])
    assert exported["Content-Disposition"] == f'attachment; filename="socscope-profile-{assessment.pk}.json"'
    document = json.loads(exported.content)
    assert document["services"][0]["answers"]["transaction_classes"] == ["payroll", "tax"]
    assert AuditEvent.objects.filter(action="assessment.imported", assessment=assessment).count() == 1


def test_an_invalid_profile_is_refused_beside_the_field_and_nothing_is_created(
    client: Client, org: object, manager: object
) -> None:
    client.force_login(manager)
    document = example_profile()
    document["organization"]["answers"]["controls_operating_months"] = -4

    response = client.post(IMPORT_URL, {"organization": org.pk, "profile": upload(document)})

    assert response.status_code == 200
    assert "$.organization.answers.controls_operating_months" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_file_that_is_not_json_is_refused(client: Client, org: object, manager: object) -> None:
    client.force_login(manager)
    bad = SimpleUploadedFile("profile.json", b"\xff\xfe not json", content_type="application/json")

    response = client.post(IMPORT_URL, {"organization": org.pk, "profile": bad})

    assert response.status_code == 200
    assert "The file is not valid JSON" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_manager_cannot_import_into_another_organization(
    client: Client, org: object, other_org: object, manager: object
) -> None:
    client.force_login(manager)

    response = client.post(IMPORT_URL, {"organization": other_org.pk, "profile": upload(example_profile())})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_viewer_may_not_import(client: Client, viewer: object) -> None:
    client.force_login(viewer)

    assert client.get(IMPORT_URL).status_code == 403


def test_an_outsider_gets_404_for_the_profile(client: Client, assessment: Assessment, outsider: object) -> None:
    client.force_login(outsider)

    assert client.get(reverse("assessments:profile_export", args=[assessment.pk])).status_code == 404


def test_an_unassigned_auditor_gets_404_for_the_profile(
    client: Client, assessment: Assessment, unassigned_auditor: object
) -> None:
    client.force_login(unassigned_auditor)

    assert client.get(reverse("assessments:profile_export", args=[assessment.pk])).status_code == 404
