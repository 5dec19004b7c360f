from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.selectors.access import MANAGER, organizations_for_user
from assessments.selectors.intake import dashboard_page


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/dashboard.html",
        {
            "page": dashboard_page(request.user, request.GET.get("page")),
            "can_create": organizations_for_user(request.user, roles=(MANAGER,)).exists(),
        },
    )
