"""Every admin change list runs a fixed number of SQL queries, however many rows its page shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from assessments.models import AuditEvent, BankVersion, User
from assessments.services.banks import bank_version_import
from bench.bank import bench_bank_document
from tests.conftest import Cast
from tests.factories import UserFactory

# Session, user, the page's rows, two counts and the filters' choices; never one per row.
ADMIN_LIST_QUERIES = 10
LISTS = sorted(model._meta.label for model in admin.site._registry if model._meta.app_label == "assessments")


@pytest.fixture
def installation(cast: Cast, bench_version: BankVersion) -> User:
    """Two banks, the usual cast, audit events: every change list has more than one row. Returns a superuser."""
    second = bench_bank_document()
    second.update(key="bench_second", name="Second benchmark bank")
    bank_version_import(document=second, actor=None, publish=True)
    AuditEvent.objects.bulk_create(
        AuditEvent(action="assessment.updated", actor=cast.manager, organization=cast.org, assessment=cast.assessment)
        for _ in range(30)
    )
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("label", LISTS)
def test_the_change_list_runs_the_same_queries_for_1_and_100_rows_a_page(
    client: Client,
    installation: User,
    label: str,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    model = next(m for m in admin.site._registry if m._meta.label == label)
    assert model._default_manager.count() > 1, "the list needs rows to show whether rows cost queries"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.force_login(installation)
    counts = []
    for rows in (1, 100):
        monkeypatch.setattr(admin.site._registry[model], "list_per_page", rows)
        client.get(url)
        with django_assert_max_num_queries(ADMIN_LIST_QUERIES) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]
