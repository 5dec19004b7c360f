"""The production URLs plus `/bench/trivial`, the ceiling the questionnaire's throughput is compared with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from socscope import urls as production

TRIVIAL_PATH = "/bench/trivial"


def trivial(request: HttpRequest) -> HttpResponse:
    """A constant response that still passes through every middleware, so only the page's own work differs."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path(TRIVIAL_PATH.lstrip("/"), trivial), *production.urlpatterns]

handler403 = production.handler403
handler404 = production.handler404
handler500 = production.handler500
