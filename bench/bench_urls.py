"""The production URLs plus the ceilings the questionnaire's throughput is compared with.

`/bench/trivial` is the target's denominator. The two floors below it show what any page of the app must pay
before it does its own work, so a missed ratio can be read as "the page's work" against "the stack's floor".
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from socscope import urls as production

TRIVIAL_PATH = "/bench/trivial"
SIGNED_IN_PATH = "/bench/signed-in"
EMPTY_PAGE_PATH = "/bench/empty-page"


def trivial(request: HttpRequest) -> HttpResponse:
    """A constant response that still passes through every middleware, so only the page's own work differs."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    """The floor of a signed-in page: the session and the user are read, nothing else."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def empty_page(request: HttpRequest) -> HttpResponse:
    """The floor of a page of the app: signed in, the navigation's roles, the base template with no content."""
    return render(request, "base.html")


urlpatterns = [
    path(TRIVIAL_PATH.lstrip("/"), trivial),
    path(SIGNED_IN_PATH.lstrip("/"), signed_in),
    path(EMPTY_PAGE_PATH.lstrip("/"), empty_page),
    *production.urlpatterns,
]

handler403 = production.handler403
handler404 = production.handler404
handler500 = production.handler500
