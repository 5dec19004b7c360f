from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from assessments.models import Assessment, Organization, User
from assessments.selectors.banks import newest_published_version
from assessments.selectors.replay import replay_submitted
from assessments.services.banks import bank_version_clone
from assessments.services.memos import memo_create
from assessments.services.profiles import assessment_import_profile
from tests.engine.support import EXAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(org: Organization, manager: User) -> Assessment:
    profile = json.loads((EXAMPLES / "payroll-processor.json").read_text())["profile"]
    assessment = assessment_import_profile(organization=org, document=profile, actor=manager)
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    memo_create(assessment=assessment, actor=manager)
    return assessment


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create(username="root", is_staff=True, is_superuser=True)


def test_shorter_renewal_periods_change_the_payroll_period(submitted: Assessment, admin_user: User) -> None:
    draft = bank_version_clone(version=newest_published_version(), actor=admin_user)
    draft.parameters = {**draft.parameters, "period_months_renewal": 6}
    draft.save()

    rows = replay_submitted(admin_user, draft)

    assert [row.assessment for row in rows] == [submitted]
    assert any(change.where == "SOC 1 report · period" for change in rows[0].changes), rows[0].changes


def test_the_same_bank_changes_nothing(submitted: Assessment, admin_user: User) -> None:
    assert replay_submitted(admin_user, newest_published_version()) == []


def test_drafts_are_not_replayed(submitted: Assessment, admin_user: User) -> None:
    Assessment.objects.filter(pk=submitted.pk).update(status=Assessment.Status.DRAFT)
    draft = bank_version_clone(version=newest_published_version(), actor=admin_user)
    draft.parameters = {**draft.parameters, "period_months_renewal": 6}
    draft.save()

    assert replay_submitted(admin_user, draft) == []


def test_only_administrators_may_replay(submitted: Assessment, manager: User) -> None:
    with pytest.raises(PermissionDenied):
        replay_submitted(manager, newest_published_version())


def test_the_command_lists_the_changes_and_exits_1(submitted: Assessment, admin_user: User) -> None:
    draft = bank_version_clone(version=newest_published_version(), actor=admin_user)
    draft.parameters = {**draft.parameters, "period_months_renewal": 6}
    draft.save()
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("replay_bank", draft.label, "--json", stdout=out)

    assert exit_info.value.code == 1
    [row] = json.loads(out.getvalue())
    assert row["assessment"] == submitted.pk
    assert any(change["where"] == "SOC 1 report · period" for change in row["changes"])


def test_the_admin_page_lists_what_a_draft_would_change(
    client: object, submitted: Assessment, admin_user: User
) -> None:
    draft = bank_version_clone(version=newest_published_version(), actor=admin_user)
    draft.parameters = {**draft.parameters, "period_months_renewal": 6}
    draft.save()
    client.force_login(admin_user)

    response = client.get(reverse("admin:assessments_bankversion_replay", args=[draft.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "1 submitted assessment would change" in body
    assert "SOC 1 report · period" in body
