"""Sessions end after DJANGO_SESSION_IDLE_SECONDS without a request; an active session is kept going cheaply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

AGE = 1000
Travel = Callable[[float], None]


@pytest.fixture
def travel(monkeypatch: pytest.MonkeyPatch, settings: object) -> Travel:
    """Move the clock that sessions, and the middleware that refreshes them, read forward by some seconds."""
    settings.SESSION_COOKIE_AGE = AGE  # type: ignore[attr-defined]
    real_now = timezone.now
    offset = dt.timedelta()

    def moved_now() -> dt.datetime:
        return real_now() + offset

    def forward(seconds: float) -> None:
        nonlocal offset
        offset += dt.timedelta(seconds=seconds)

    monkeypatch.setattr(timezone, "now", moved_now)
    return forward


@pytest.fixture
def signed_in(client: Client, manager: User) -> Client:
    response = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert response.status_code == 302 and client.get(reverse("assessments:dashboard")).status_code == 200
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse("assessments:dashboard"))
    assert response.status_code in (200, 302)
    return response.status_code == 200


def only_session() -> Session:
    [session] = Session.objects.all()
    return session


def test_a_session_idle_past_the_age_is_signed_out(travel: Travel, signed_in: Client) -> None:
    travel(AGE + 1)

    response = signed_in.get(reverse("assessments:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_session_in_use_stays_signed_in_long_past_the_age(travel: Travel, signed_in: Client) -> None:
    for _ in range(4):
        travel(AGE * 0.6)
        assert is_signed_in(signed_in)


def test_a_session_idle_past_the_age_after_some_use_is_signed_out(travel: Travel, signed_in: Client) -> None:
    travel(AGE * 0.6)
    assert is_signed_in(signed_in)

    travel(AGE + 1)

    assert not is_signed_in(signed_in)


def test_requests_within_a_tenth_of_the_age_do_not_write_the_session(travel: Travel, signed_in: Client) -> None:
    expires = only_session().expire_date

    travel(AGE / 20)
    assert is_signed_in(signed_in)
    assert only_session().expire_date == expires

    travel(AGE / 10)
    assert is_signed_in(signed_in)
    assert only_session().expire_date > expires + dt.timedelta(seconds=AGE / 10)


def test_the_first_request_after_signing_in_does_not_write_the_session(
    travel: Travel, client: Client, manager: User
) -> None:
    client.force_login(manager)
    expires = only_session().expire_date

    travel(1)
    assert is_signed_in(client)

    assert only_session().expire_date == expires


def test_a_request_that_does_not_read_the_session_does_not_load_it(signed_in: Client) -> None:
    with CaptureQueriesContext(connection) as captured:
        response = signed_in.get(reverse("healthz"))

    assert response.status_code == 200
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]


def test_signing_out_and_anonymous_visits_leave_no_session(travel: Travel, signed_in: Client) -> None:
    travel(AGE / 2)
    signed_in.post(reverse("logout"))

    assert not Session.objects.exists()
    Client().get(reverse("login"))
    assert not Session.objects.exists()


def test_the_session_cookie_ends_with_the_browser_by_default(signed_in: Client) -> None:
    cookie = signed_in.cookies[django_settings.SESSION_COOKIE_NAME]

    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_the_session_cookie_can_outlive_the_browser(settings: object, client: Client, manager: User) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False  # type: ignore[attr-defined]

    client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})

    assert client.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == django_settings.SESSION_COOKIE_AGE
