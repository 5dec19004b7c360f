"""Loaded with `-p` before Django starts: local-development settings for the test process.

Django's test runner forces DEBUG off at run time anyway; the environment only picks the debug-mode defaults
(no HTTPS redirect, no Secure-only cookies, plain static storage) that a plain-HTTP live server needs.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
