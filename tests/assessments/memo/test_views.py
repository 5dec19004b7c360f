"""The memo reading page and the PDF download: same bytes every time, authorized and logged."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AuditEvent, Memo, User
from assessments.services.memos import memo_create
from tests.conftest import Cast
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def memo(answered: Assessment, manager: User) -> Memo:
    return memo_create(assessment=answered, actor=manager)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def download_url(memo: Memo) -> str:
    return reverse("assessments:memo_download", args=[memo.assessment_id, memo.number])


def detail_url(memo: Memo) -> str:
    return reverse("assessments:memo_detail", args=[memo.assessment_id, memo.number])


def test_a_download_is_the_stored_pdf_as_a_private_attachment(memo: Memo, manager: User) -> None:
    client = client_for(manager)
    first, second = client.get(download_url(memo)), client.get(download_url(memo))
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert hashlib.sha256(first.content).hexdigest() == memo.sha256
    assert first["Content-Type"] == "application/pdf"
    slug = memo.assessment.organization.slug
    assert first["Content-Disposition"] == f'attachment; filename="socscope-memo-{slug}-{memo.assessment_id}-v1.pdf"'
    assert first["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="memo.downloaded", actor=manager).count() == 2


def test_downloads_never_render_again(memo: Memo, manager: User, monkeypatch: pytest.MonkeyPatch) -> None:
    def render(html: str, **kwargs: object) -> object:
        raise AssertionError("a download rendered the memo")

    monkeypatch.setattr("assessments.memo.pdf.pdf_render", render)
    assert client_for(manager).get(download_url(memo)).status_code == 200


def test_the_reading_page_shows_the_memo_and_each_versions_sha256(
    memo: Memo, answered: Assessment, manager: User, viewer: User
) -> None:
    second = memo_create(assessment=answered, actor=manager)
    response = client_for(viewer).get(detail_url(memo))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<code class="text-break" data-testid="memo-sha256">{memo.sha256}</code>' in body
    assert memo.sha256 in body and second.sha256 in body
    assert download_url(memo) in body and download_url(second) in body
    for heading in ("1 Executive summary", "6 SOC 2: Trust Services Categories and criteria", "Appendix A"):
        assert heading in body
    assert "CC6.1" in body and "P1.1" not in body
    assert "<script>" not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_everyone_who_may_see_the_assessment_may_read_and_download(memo: Memo, cast: Cast) -> None:
    for user in (cast.manager, cast.colleague, cast.viewer, cast.auditor):
        client = client_for(user)
        assert client.get(detail_url(memo)).status_code == 200, user
        assert client.get(download_url(memo)).status_code == 200, user


def test_other_tenants_and_unassigned_auditors_get_404(memo: Memo, cast: Cast) -> None:
    for user in (cast.outsider, cast.unassigned_auditor):
        client = client_for(user)
        assert client.get(detail_url(memo)).status_code == 404
        assert client.get(download_url(memo)).status_code == 404
    assert not AuditEvent.objects.filter(action="memo.downloaded").exists()


def test_an_unknown_version_is_404_and_anonymous_visitors_sign_in_first(memo: Memo, manager: User) -> None:
    missing = reverse("assessments:memo_download", args=[memo.assessment_id, 99])
    assert client_for(manager).get(missing).status_code == 404
    response = Client().get(download_url(memo))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_posting_to_a_memo_page_is_refused(memo: Memo, manager: User) -> None:
    assert client_for(manager).post(download_url(memo)).status_code == 405


def test_a_version_without_a_reading_copy_offers_the_download(memo: Memo, manager: User) -> None:
    Memo.objects.filter(pk=memo.pk).update(context={})
    body = client_for(manager).get(detail_url(memo)).content.decode()
    assert "no reading copy" in body and download_url(memo) in body


def test_the_download_costs_a_fixed_number_of_queries(
    memo: Memo, manager: User, django_assert_max_num_queries: object
) -> None:
    client = client_for(manager)
    with django_assert_max_num_queries(8):
        assert client.get(download_url(memo)).status_code == 200
