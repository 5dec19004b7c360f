"""Files in and out: upload size limits, and memo downloads that are authorized, exact and logged."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AuditEvent, BankVersion, User
from tests.security.world import World

pytestmark = pytest.mark.django_db
IMPORT = "/admin/assessments/bankversion/import/"


def upload(client: Client, content: bytes) -> str:
    bank_file = SimpleUploadedFile("bank.json", content, content_type="application/json")
    return client.post(IMPORT, {"file": bank_file, "publish": ""}).content.decode()


def json_of_size(size: int) -> bytes:
    """A JSON document of exactly `size` bytes (padding inside a string, so it stays valid JSON)."""
    skeleton = json.dumps({"schema": "socscope.bank/1", "padding": ""}).encode()
    return json.dumps({"schema": "socscope.bank/1", "padding": "x" * (size - len(skeleton))}).encode()


def staff_client(world: World) -> Client:
    client = Client()
    client.force_login(world.staff)
    return client


def test_a_bank_file_over_the_limit_is_refused_before_it_is_read(settings: object, world: World) -> None:
    settings.BANK_UPLOAD_MAX_BYTES = 2_000
    versions = BankVersion.objects.count()

    page = upload(staff_client(world), json_of_size(2_001))

    assert "The file is 2001 bytes; bank files may be at most 2000 bytes." in page
    assert BankVersion.objects.count() == versions


def test_a_bank_file_at_the_limit_is_read_and_judged_on_its_content(settings: object, world: World) -> None:
    settings.BANK_UPLOAD_MAX_BYTES = 2_000
    versions = BankVersion.objects.count()

    page = upload(staff_client(world), json_of_size(2_000))

    assert "bank files may be at most" not in page
    assert "$." in page  # the document's problems, each with its JSON path
    assert BankVersion.objects.count() == versions


def test_a_profile_file_over_the_limit_is_refused_and_creates_nothing(settings: object, world: World) -> None:
    settings.BANK_UPLOAD_MAX_BYTES = 2_000
    client = Client()
    client.force_login(world.cast.manager)
    assessments = Assessment.objects.count()
    profile = SimpleUploadedFile("profile.json", json_of_size(2_001), content_type="application/json")

    response = client.post(
        reverse("assessments:profile_import"), {"organization": world.mine.org.pk, "name": "Big", "profile": profile}
    )

    assert response.status_code == 200
    assert "The file is larger than 1 KB." in response.content.decode()
    assert Assessment.objects.count() == assessments


def test_the_default_upload_limit_is_one_megabyte_and_below_what_django_buffers(settings: object) -> None:
    assert settings.BANK_UPLOAD_MAX_BYTES == 1024 * 1024
    assert settings.BANK_UPLOAD_MAX_BYTES <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def download(world: World, user: User) -> object:
    client = Client()
    client.force_login(user)
    memo = world.mine.memo
    return client.get(reverse("assessments:memo_download", args=[memo.assessment_id, memo.number]))


@pytest.mark.parametrize("role", ["manager", "viewer", "auditor"])
def test_people_who_may_see_the_assessment_download_the_stored_bytes_and_it_is_logged(world: World, role: str) -> None:
    user = world.user(role)

    response = download(world, user)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(response.content).hexdigest() == world.mine.memo.sha256
    event = AuditEvent.objects.filter(action="memo.downloaded", actor=user).get()
    assert event.assessment_id == world.mine.review.pk
    assert event.data["sha256"] == world.mine.memo.sha256


@pytest.mark.parametrize("role", ["outsider", "unassigned_auditor", "staff"])
def test_everyone_else_gets_404_and_no_bytes(world: World, role: str) -> None:
    response = download(world, world.user(role))

    assert response.status_code == 404
    assert b"%PDF" not in response.content
    assert not AuditEvent.objects.filter(action="memo.downloaded").exists()


def test_the_download_name_is_built_from_ids_not_from_what_people_typed(world: World) -> None:
    response = download(world, world.cast.manager)

    memo = world.mine.memo
    expected = f"socscope-memo-{world.mine.org.slug}-{memo.assessment_id}-v{memo.number}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'


def test_the_audit_log_csv_name_keeps_only_safe_characters_of_the_filter(world: World) -> None:
    client = Client()
    client.force_login(world.cast.manager)
    url = reverse("assessments:audit_log_csv", args=[world.mine.review.pk])

    response = client.get(url, {"action": "memo.rendered\r\nSet-Cookie: a=1"})

    assert response.status_code == 200
    name = f"assessment-{world.mine.review.pk}-audit-memo.renderedSet-Cookiea1.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
