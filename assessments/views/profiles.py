"""Profiles travel: download an assessment's answers as a profile, or start an assessment from one."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from assessments.models import Organization
from assessments.selectors.access import MANAGER, assessment_get, organizations_for_user
from assessments.selectors.intake import assessment_profile
from assessments.services.profiles import ProfileImportError, assessment_import_profile


class ProfileImportForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)
    name = forms.CharField(max_length=200, required=False, help_text="Leave empty to name it after the profile.")
    profile = forms.FileField(
        label="Profile file (JSON)",
        help_text="A socscope.profile/1 document, for example one downloaded from another socscope installation.",
    )

    def __init__(self, *args: object, organizations: QuerySet[Organization], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean_profile(self) -> object:
        upload = self.cleaned_data["profile"]
        if upload.size > settings.BANK_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {settings.BANK_UPLOAD_MAX_BYTES // 1024} KB.")
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"The file is not valid JSON: {exc}") from exc
        except RecursionError as exc:
            raise forms.ValidationError("The file is not valid JSON: it is nested too deeply.") from exc


@login_required
@require_GET
def profile_export(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    body = json.dumps(assessment_profile(assessment), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="socscope-profile-{assessment.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile_import(request: HttpRequest) -> HttpResponse:
    organizations = organizations_for_user(request.user, roles=(MANAGER,))
    if not organizations.exists():
        raise PermissionDenied("Only compliance managers can import a profile.")
    form = ProfileImportForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessment_import_profile(
                organization=form.cleaned_data["organization"],
                document=form.cleaned_data["profile"],
                actor=request.user,
                name=form.cleaned_data["name"],
            )
        except ProfileImportError as exc:
            for problem in exc.problems:
                form.add_error("profile", problem)
        else:
            messages.success(request, f"Imported “{assessment.name}” as a new draft.")
            return redirect("assessments:assessment_detail", pk=assessment.pk)
    return render(request, "assessments/profile_import.html", {"form": form})
