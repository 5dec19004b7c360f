"""Production settings plus what a loopback benchmark needs: plain HTTP, the bench URLconf, a scratch media root.

Everything else (middleware, templates, connection reuse, password hashing) stays as deployed, so the numbers
describe the real stack. `bench/run.py` sets DATABASE_URL, DJANGO_SECRET_KEY and MEDIA_ROOT before Django loads.
"""

from __future__ import annotations

from socscope.settings import *  # noqa: F403
from socscope.settings import STORAGES

ROOT_URLCONF = "bench.bench_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The load generator speaks plain HTTP on loopback; a TLS redirect would measure the redirect.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# No collectstatic in the bench: plain static storage resolves {% static %} without a manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Django's request logging would print every 4xx of a misconfigured run; errors still raise in the harness.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
