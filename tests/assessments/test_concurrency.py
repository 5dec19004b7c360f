"""Two people at once: optimistic locking on questionnaire sections, and a double-clicked submit.

The thread tests need real row locks and concurrent connections, so they run on PostgreSQL only (CI runs the
suite on PostgreSQL and on SQLite).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from assessments.forms import SHOWN_FIELD, VERSION_FIELD
from assessments.models import Answer, Assessment, AuditEvent, BankVersion, Memo, Transition, User
from tests.assessments.intake.support import scoping_bank_publish
from tests.factories import ServiceFactory
from tests.security.world import ORG_SECTION, answers_complete

QUESTION = "controls_operating_months"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: real row locks and concurrent connections"
)


@pytest.fixture
def scoping_bank(db: None) -> BankVersion:
    return scoping_bank_publish()


@pytest.fixture
def ready(scoping_bank: BankVersion, assessment: Assessment, manager: User) -> Assessment:
    """The usual draft on the published questionnaire, with a service and every question answered."""
    Assessment.objects.filter(pk=assessment.pk).update(bank_version=scoping_bank)
    assessment.refresh_from_db()
    ServiceFactory(assessment=assessment, key="payroll", name="Payroll processing")
    answers_complete(assessment, actor=manager)
    return assessment


def section_url(assessment: Assessment) -> str:
    return reverse("assessments:section", args=[assessment.pk, ORG_SECTION])


def version_on_page(html: str) -> str:
    match = re.search(rf'name="{VERSION_FIELD}" value="(\d+)"', html)
    assert match, "the section page carries the version it was opened at"
    return match.group(1)


def save(client: Client, assessment: Assessment, months: int, version: str) -> Any:
    return client.post(
        section_url(assessment), {SHOWN_FIELD: [QUESTION], QUESTION: str(months), VERSION_FIELD: version}
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def saved_months(assessment: Assessment) -> object:
    return Answer.objects.get(assessment=assessment, service=None, question_key=QUESTION).value


def test_the_second_of_two_managers_editing_the_same_section_gets_a_conflict(
    ready: Assessment, manager: User, colleague: User
) -> None:
    maria, colin = signed_in(manager), signed_in(colleague)
    maria_version = version_on_page(maria.get(section_url(ready)).content.decode())
    colin_version = version_on_page(colin.get(section_url(ready)).content.decode())

    first = save(maria, ready, 20, maria_version)
    second = save(colin, ready, 30, colin_version)

    assert first.status_code == 302
    assert second.status_code == 409
    assert saved_months(ready) == 20
    assert "20" in second.content.decode()


def test_after_a_conflict_the_second_manager_can_save_on_the_new_version(
    ready: Assessment, manager: User, colleague: User
) -> None:
    maria, colin = signed_in(manager), signed_in(colleague)
    stale = version_on_page(colin.get(section_url(ready)).content.decode())
    save(maria, ready, 20, version_on_page(maria.get(section_url(ready)).content.decode()))
    conflict = save(colin, ready, 30, stale)

    retried = save(colin, ready, 30, version_on_page(conflict.content.decode()))

    assert retried.status_code == 302
    assert saved_months(ready) == 30


def test_a_stale_save_changes_nothing(ready: Assessment, manager: User, colleague: User) -> None:
    maria, colin = signed_in(manager), signed_in(colleague)
    stale = version_on_page(colin.get(section_url(ready)).content.decode())
    save(maria, ready, 20, version_on_page(maria.get(section_url(ready)).content.decode()))
    answers = list(Answer.objects.order_by("pk").values_list("pk", "value", "updated_at"))
    events = AuditEvent.objects.count()

    save(colin, ready, 30, stale)

    assert list(Answer.objects.order_by("pk").values_list("pk", "value", "updated_at")) == answers
    assert AuditEvent.objects.count() == events


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # reported to the test below, not lost in the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_of_one_section_version_make_one_win_and_one_conflict(
    ready: Assessment, manager: User, colleague: User
) -> None:
    maria, colin = signed_in(manager), signed_in(colleague)
    version = version_on_page(maria.get(section_url(ready)).content.decode())

    results = race(lambda: save(maria, ready, 20, version), lambda: save(colin, ready, 30, version))

    assert sorted(r.status_code for r in results) == [302, 409], results
    winner = 20 if results[0].status_code == 302 else 30
    assert saved_months(ready) == winner


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_submit_makes_one_memo(ready: Assessment, manager: User) -> None:
    url = reverse("assessments:assessment_submit", args=[ready.pk])
    first, second = signed_in(manager), signed_in(manager)

    results = race(lambda: first.post(url), lambda: second.post(url))

    assert [type(r).__name__ for r in results] == ["HttpResponseRedirect", "HttpResponseRedirect"], results
    assert Memo.objects.filter(assessment=ready).count() == 1
    assert Transition.objects.filter(assessment=ready, to_status=Assessment.Status.SUBMITTED).count() == 1
    assert AuditEvent.objects.filter(assessment=ready, action="assessment.submitted").count() == 1
    ready.refresh_from_db()
    assert ready.status == Assessment.Status.SUBMITTED
