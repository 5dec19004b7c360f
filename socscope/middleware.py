"""Request guards: no NUL character reaches the database; idle session timeout.

Idle session timeout: a signed-in session ends `SESSION_COOKIE_AGE` seconds after its last request.

Django sets a session's expiry only when the session is saved. `SESSION_SAVE_EVERY_REQUEST` would keep an active
session alive by writing it on every request; this middleware writes it only once a tenth of the age has passed
since the last refresh, so the idle limit holds to within that tenth (a session left alone ends between 90% and
100% of the age after its last request) for one session write in many requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

REFRESHED_AT = "_socscope_refreshed_at"
REFRESH_FRACTION = 10


def _now() -> int:
    return int(timezone.now().timestamp())


def session_stamp_at_sign_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """`user_logged_in` receiver: signing in saves the session anyway, so the clock starts there rather than
    costing the first request after it a session write."""
    if request is not None and hasattr(request, "session"):
        request.session[REFRESHED_AT] = _now()


class SessionIdleTimeoutMiddleware:
    """Put inside `SessionMiddleware`, so the session it marks as changed is saved with a new expiry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # After the view, so a sign-out (an empty session) is left alone; a sign-in has started the clock already.
        session = request.session
        # A request that never read the session (a health check, a static file) is not the user's activity,
        # and reading it here would cost such requests a query.
        if session.accessed and SESSION_KEY in session:
            now = _now()
            if now - session.get(REFRESHED_AT, 0) >= settings.SESSION_COOKIE_AGE / REFRESH_FRACTION:
                session[REFRESHED_AT] = now
        return response


class NulCharacterMiddleware:
    """Refuse (400) a request whose query string or form fields contain a NUL character.

    PostgreSQL cannot store or compare a string with NUL in it: psycopg2 raises, and any parameter that reaches a
    query (a filter, an identifier, a text field) would answer 500. Browsers never send one from our forms or links,
    so refusing the whole request here guards every view at once. It runs just before the view, after the CSRF
    check, so a forged request is still refused as such (403). Uploaded files are not form fields: a bank upload
    is checked by its own parser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        for data in (request.GET, request.POST):
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise BadRequest("A request parameter contains a NUL character.")
