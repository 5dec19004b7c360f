"""Sign-in lockout, CSP, cookies and HTTPS in production, passwords, sessions."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from assessments.models import User
from tests.factories import PASSWORD
from tests.socscope.test_settings import PRODUCTION, manage

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"


def sign_in(client: Client, username: str, password: str) -> int:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7").status_code


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_username_from_that_address(settings: object, manager: User) -> None:
    settings.AXES_ENABLED = True
    client = Client()

    failures = [sign_in(client, manager.username, "wrong-password") for _ in range(settings.AXES_FAILURE_LIMIT)]
    locked = client.post(LOGIN, {"username": manager.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")

    assert failures[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_does_not_lock_other_users_out(settings: object, manager: User, viewer: User) -> None:
    settings.AXES_ENABLED = True
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, manager.username, "wrong-password")

    response = Client().post(LOGIN, {"username": viewer.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_failure_count(settings: object, manager: User) -> None:
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, manager.username, "wrong-password")
    assert sign_in(client, manager.username, PASSWORD) == 302
    client.logout()

    after = [sign_in(Client(), manager.username, "wrong-password") for _ in range(settings.AXES_FAILURE_LIMIT - 1)]

    assert after == [200] * (settings.AXES_FAILURE_LIMIT - 1)


@pytest.mark.django_db
def test_behind_the_proxy_one_clients_lockout_does_not_lock_the_next_client(settings: object, manager: User) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_CLIENT_IP_CALLABLE = "socscope.settings.forwarded_client_ip"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            LOGIN,
            {"username": manager.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR="198.51.100.66",
            **proxy,
        )

    attacker = Client().post(
        LOGIN, {"username": manager.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.66", **proxy
    )
    colleague = Client().post(
        LOGIN, {"username": manager.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="192.0.2.10", **proxy
    )

    assert attacker.status_code == 429
    assert colleague.status_code == 302


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("6.6.6.6, 192.0.2.10", "192.0.2.10"),  # a forged left-hand entry is ignored
        ("", "10.0.0.2"),
    ],
)
def test_the_client_address_is_what_our_proxy_saw(forwarded: str, expected: str) -> None:
    from django.test import RequestFactory

    from socscope.settings import forwarded_client_ip

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")

    assert forwarded_client_ip(request) == expected


# --- Content Security Policy --------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LOGIN, "/", "/no-such-page/"])
def test_pages_carry_a_self_only_content_security_policy(client: Client, manager: User, path: str) -> None:
    client.force_login(manager)
    if path == LOGIN:
        client.logout()

    response = client.get(path)
    policy = csp_directives(response["Content-Security-Policy"])

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def browser_templates() -> list[Path]:
    """Every HTML template a browser may receive (memo templates are rendered to PDF, never served)."""
    roots = [ROOT / "templates", *sorted((ROOT / "assessments").glob("**/templates"))]
    return sorted(
        path
        for root in roots
        for path in root.rglob("*.html")
        if "memo" not in path.relative_to(root).parts[:-1] and not path.name.startswith("memo")
    )


def markup(path: Path) -> str:
    """The template with its tags and variables blanked out (newlines kept), so `%}` never reads as `>`."""
    text = path.read_text(encoding="utf-8")
    return re.sub(r"\{[%{#].*?[%}#]\}", lambda m: "T" + "\n" * m.group(0).count("\n"), text, flags=re.S)


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "inline <script> body"),
    (re.compile(r"<style\b", re.IGNORECASE), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style= attribute"),
    (re.compile(r"\shx-on", re.IGNORECASE), "hx-on attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "on…= event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def inline_problems(text: str) -> list[tuple[int, str]]:
    """(line, what) for everything in this markup that a `'self'`-only CSP would block."""
    found = [(text.count("\n", 0, m.start()) + 1, what) for pattern, what in INLINE for m in pattern.finditer(text)]
    found += [
        (text.count("\n", 0, m.start()) + 1, "<script src> with a body")
        for m in re.finditer(r"<script\b[^>]*\bsrc=[^>]*>(.*?)</script>", text, re.S | re.IGNORECASE)
        if m.group(1).strip()
    ]
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">go()</script>',
        '<script src="/static/js/app.js">alert(1)</script>',
        '<div style="color: red">',
        "<style>p { color: red }</style>",
        '<button hx-on:click="go()">',
        '<a onclick="go()">',
        '<a href="javascript:go()">',
    ],
)
def test_the_inline_check_catches_what_the_policy_blocks(snippet: str) -> None:
    assert inline_problems(snippet)


def test_the_inline_check_accepts_external_scripts_and_htmx_attributes() -> None:
    assert inline_problems('<script src="T"></script>\n<button hx-post="T" hx-target="#x" class="btn">') == []


def test_there_are_templates_to_check() -> None:
    assert any(path.name == "base.html" for path in browser_templates())


def test_no_template_needs_unsafe_inline() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in browser_templates()
        for line, what in inline_problems(markup(path))
    ]

    assert not found, "the CSP blocks these; move them to static/js or static/css:\n" + "\n".join(found)


# --- Cookies and HTTPS with debug off -------------------------------------------------------------------


def production_settings(*names: str) -> dict[str, object]:
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = manage("shell", "--no-imports", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_http_only_and_https_is_enforced() -> None:
    values = production_settings(
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "DEBUG",
    )

    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
    }


@pytest.mark.django_db
def test_plain_http_is_redirected_and_https_responses_carry_hsts(settings: object, client: Client) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    plain = client.get(LOGIN)
    secure = client.get(LOGIN, secure=True)

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


@pytest.mark.django_db
def test_the_session_cookie_is_http_only_and_secure_when_configured(settings: object, manager: User) -> None:
    settings.SESSION_COOKIE_SECURE = True
    client = Client()

    client.post(LOGIN, {"username": manager.username, "password": PASSWORD})
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]

    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


# --- Passwords and sessions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short-pw-1", "password1234", "123456789012345", "maria-manager-2026"],
    ids=["shorter-than-12", "common", "all-digits", "like-the-username"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    user = User(username="maria-manager", full_name="Maria Manager", email="maria-manager-2026@example.com")

    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_passphrase_is_accepted() -> None:
    assert validate_password("plum tractor violin 1987 harbour", User(username="maria")) is None


def test_sessions_expire_within_a_working_day() -> None:
    assert django_settings.SESSION_COOKIE_AGE <= 12 * 60 * 60


@pytest.mark.django_db
def test_an_expired_session_is_sent_back_to_sign_in(client: Client, manager: User) -> None:
    client.post(LOGIN, {"username": manager.username, "password": PASSWORD})
    assert client.get("/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_signing_in_rotates_the_session_key(client: Client, manager: User) -> None:
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key

    client.post(LOGIN, {"username": manager.username, "password": PASSWORD})

    assert client.session.session_key != before
