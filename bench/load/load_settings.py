"""Production settings for the loopback load test: plain HTTP on 127.0.0.1, so cookies may not demand TLS.

Everything else stays as deployed (DEBUG off, password hashing, CSRF, connection reuse, WhiteNoise).
"""

from __future__ import annotations

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "socscope.urls"
# The load generator speaks plain HTTP on loopback and would never send Secure cookies back.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
