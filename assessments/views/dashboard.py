from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.selectors.access import assessments_visible_to, organizations_for_user


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    assessments = assessments_visible_to(request.user).select_related(
        "organization", "bank_version__bank", "updated_by"
    )
    page = Paginator(assessments, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/dashboard.html",
        {"page": page, "organizations": organizations_for_user(request.user)},
    )
