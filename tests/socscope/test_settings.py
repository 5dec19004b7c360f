from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-very-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "socscope.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off() -> None:
    result = manage("check", DJANGO_DEBUG="0", DATABASE_URL="sqlite:///:memory:")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(PRODUCTION["DJANGO_SECRET_KEY"] + "\n")
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": "", "DJANGO_SECRET_KEY_FILE": str(secret_file)}

    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_production_values() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_defaults_to_off() -> None:
    result = manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)", **PRODUCTION
    )

    assert result.stdout.strip() == "False"


def session_settings(**env: str) -> str:
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    result = manage("shell", "--no-imports", "-c", code, **PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sessions_end_after_eight_idle_hours_and_with_the_browser_by_default() -> None:
    assert session_settings() == "28800 True"


def test_the_idle_timeout_and_browser_close_come_from_the_environment() -> None:
    assert (
        session_settings(DJANGO_SESSION_IDLE_SECONDS="900", DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE="0") == "900 False"
    )


def test_it_refuses_an_idle_timeout_that_is_not_positive() -> None:
    result = manage("check", **PRODUCTION, DJANGO_SESSION_IDLE_SECONDS="0")

    assert result.returncode != 0
    assert "DJANGO_SESSION_IDLE_SECONDS must be a positive number of seconds, not 0." in result.stderr
