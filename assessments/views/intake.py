"""The compliance manager's pages: create an assessment, set up services and vendors, answer, submit.

Objects come through the access selectors (404 for other tenants); writes need the manager role (403 otherwise)
and go through `assessments.services.intake`, which checks the role and the status again under a row lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.engine.model import Section
from assessments.forms import (
    SHOWN_FIELD,
    VERSION_FIELD,
    AssessmentCreateForm,
    ServiceForm,
    SubserviceOrganizationForm,
    posted_answers,
    section_form,
)
from assessments.models import Assessment, Service, SubserviceOrganization
from assessments.selectors.access import MANAGER, assessment_get, assessment_role, organizations_for_user
from assessments.selectors.intake import (
    ORGANIZATION,
    SERVICE,
    Intake,
    answer_text,
    conclusion_reasons,
    deciding_answers,
    intake_load,
    result_panel,
    resume_entry,
    section_intake_load,
    section_url,
)
from assessments.services import intake as services

# ------------------------------------------------------------------------------------------------ helpers


def _manager_only(request: HttpRequest, assessment: Assessment) -> None:
    if assessment_role(request.user, assessment) != MANAGER:
        raise PermissionDenied("Only the organization's compliance managers can change an assessment.")


def _editing(request: HttpRequest, pk: int) -> Assessment:
    """The assessment for a write: 404 when the user cannot see it, 403 when they may not change it."""
    assessment = assessment_get(request.user, pk)
    _manager_only(request, assessment)
    if not assessment.is_editable:
        raise services.AssessmentLockedError(assessment)
    return assessment


def _detail_url(assessment: Assessment, fragment: str = "") -> str:
    url = reverse("assessments:assessment_detail", args=[assessment.pk])
    return f"{url}#{fragment}" if fragment else url


def _add_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it names (fields the form lacks go on top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# ------------------------------------------------------------------------------------------------ assessment


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest) -> HttpResponse:
    organizations = organizations_for_user(request.user, roles=(MANAGER,))
    if not organizations.exists():
        raise PermissionDenied("Only compliance managers can start an assessment.")
    form = AssessmentCreateForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                organization=form.cleaned_data["organization"],
                name=form.cleaned_data["name"],
                as_of=form.cleaned_data["as_of"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Created “{assessment.name}”. Now add the services you want to scope.")
            return redirect(_detail_url(assessment, "services"))
    return render(request, "assessments/assessment_create.html", {"form": form})


@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    role = assessment_role(request.user, assessment)
    intake = intake_load(assessment)
    can_edit = role == MANAGER and assessment.is_editable
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "assessment": assessment,
            "role": role,
            "can_edit": can_edit,
            "intake": intake,
            "entries": intake.entries(),
            "progress": intake.progress(),
            "panel": result_panel(intake),
            "service_form": ServiceForm(prefix="service") if can_edit else None,
            "resume": resume_entry(intake, request.user) if can_edit else None,
            "can_submit": can_edit and intake.is_complete(),
        },
    )


@login_required
@require_POST
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    _manager_only(request, assessment)
    try:
        memo = services.assessment_submit(assessment=assessment, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_detail_url(assessment, "submit"))
    messages.success(
        request, f"Submitted for review. The answers are frozen and memo version {memo.number} records the scoping."
    )
    return redirect(_detail_url(assessment))


# ------------------------------------------------------------------------------------------------ services


def _setup_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"assessments/{template}", context)


def _setup_form(
    request: HttpRequest,
    assessment: Assessment,
    form: Any,
    save: Callable[[], str],
    *,
    template: str,
    context: dict[str, Any],
    fragment: str,
) -> HttpResponse:
    """An add or edit page: a valid POST calls `save`, which returns the message to confirm it with."""
    if request.method == "POST" and form.is_valid():
        try:
            message = save()
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(_detail_url(assessment, fragment))
    return _setup_page(request, template, {"assessment": assessment, "form": form, **context})


def _setup_remove(
    request: HttpRequest,
    assessment: Assessment,
    remove: Callable[[], None],
    *,
    what: str,
    done: str,
    consequence: Callable[[], str],
    fragment: str,
) -> HttpResponse:
    """A confirmation page; its POST calls `remove`. `consequence` is only worked out for the page."""
    if request.method == "POST":
        remove()
        messages.success(request, done)
        return redirect(_detail_url(assessment, fragment))
    return _setup_page(
        request, "confirm_remove.html", {"assessment": assessment, "what": what, "consequence": consequence()}
    )


def _service_form(request: HttpRequest, assessment: Assessment, service: Service | None) -> HttpResponse:
    form = ServiceForm(request.POST or None, instance=service, prefix="service")

    def save() -> str:
        values = {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"]}
        if service is None:
            added = services.service_add(assessment=assessment, actor=request.user, **values)
            return f"Added the service “{added.name}”."
        # A fresh row: validating the form already wrote the new values into `service`, and the audit event
        # records the values from before the change.
        services.service_rename(service=Service.objects.get(pk=service.pk), actor=request.user, **values)
        return f"Saved the service “{values['name']}”."

    return _setup_form(
        request, assessment, form, save, template="service_form.html", context={"service": service}, fragment="services"
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _service_form(request, _editing(request, pk), None)


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int, service_pk: int) -> HttpResponse:
    assessment = _editing(request, pk)
    return _service_form(request, assessment, get_object_or_404(assessment.services, pk=service_pk))


@login_required
@require_http_methods(["GET", "POST"])
def service_remove(request: HttpRequest, pk: int, service_pk: int) -> HttpResponse:
    assessment = _editing(request, pk)
    service = get_object_or_404(assessment.services, pk=service_pk)
    return _setup_remove(
        request,
        assessment,
        lambda: services.service_remove(service=service, actor=request.user),
        what=f"the service “{service.name}”",
        done=f"Removed the service “{service.name}” and its answers.",
        consequence=lambda: f"Its {service.answers.count()} saved answers will be deleted with it.",
        fragment="services",
    )


# ------------------------------------------------------------------------------------- subservice organizations


def _subservice_values(form: SubserviceOrganizationForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "provides": data["provides"],
        "services": list(data["services"]),
        "has_soc_report": data["has_soc_report"],
        "controls_required": data["controls_required"],
        "will_participate": data["will_participate"],
    }


def _subservice_form(request: HttpRequest, assessment: Assessment, sub: SubserviceOrganization | None) -> HttpResponse:
    form = SubserviceOrganizationForm(request.POST or None, instance=sub, services=assessment.services.all())

    def save() -> str:
        values = _subservice_values(form)
        if sub is None:
            added = services.subservice_organization_add(assessment=assessment, actor=request.user, **values)
            return f"Added the subservice organization “{added.name}”."
        # A fresh row, as for a service.
        services.subservice_organization_update(
            subservice_organization=SubserviceOrganization.objects.get(pk=sub.pk), actor=request.user, **values
        )
        return f"Saved the subservice organization “{values['name']}”."

    return _setup_form(
        request,
        assessment,
        form,
        save,
        template="subservice_form.html",
        context={"subservice": sub},
        fragment="subservice-organizations",
    )


@login_required
@require_http_methods(["GET", "POST"])
def subservice_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _subservice_form(request, _editing(request, pk), None)


@login_required
@require_http_methods(["GET", "POST"])
def subservice_edit(request: HttpRequest, pk: int, subservice_pk: int) -> HttpResponse:
    assessment = _editing(request, pk)
    sub = get_object_or_404(assessment.subservice_organizations, pk=subservice_pk)
    return _subservice_form(request, assessment, sub)


@login_required
@require_http_methods(["GET", "POST"])
def subservice_remove(request: HttpRequest, pk: int, subservice_pk: int) -> HttpResponse:
    assessment = _editing(request, pk)
    sub = get_object_or_404(assessment.subservice_organizations, pk=subservice_pk)
    return _setup_remove(
        request,
        assessment,
        lambda: services.subservice_organization_remove(subservice_organization=sub, actor=request.user),
        what=f"the subservice organization “{sub.name}”",
        done=f"Removed the subservice organization “{sub.name}”.",
        consequence=lambda: "",
        fragment="subservice-organizations",
    )


# ------------------------------------------------------------------------------------------------ questionnaire


@login_required
@require_GET
def questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume where the user left off (or the first section that is not complete)."""
    assessment = assessment_get(request.user, pk)
    intake = intake_load(assessment)
    entry = resume_entry(intake, request.user)
    if entry is None:
        entries = intake.entries()
        if not entries or intake.is_complete():
            return redirect(_detail_url(assessment))
        entry = entries[0]
    return redirect(entry.url)


def _section_context(
    request: HttpRequest, pk: int, section_key: str, service_pk: int | None
) -> tuple[Assessment, Intake, Service | None, Section, str | None]:
    assessment = assessment_get(request.user, pk)
    role = assessment_role(request.user, assessment)
    service = _page_service(assessment, service_pk)
    intake = section_intake_load(assessment, service)
    return assessment, intake, service, _page_section(intake, section_key, service), role


def _page_service(assessment: Assessment, service_pk: int | None) -> Service | None:
    return get_object_or_404(assessment.services, pk=service_pk) if service_pk is not None else None


def _page_section(intake: Intake, section_key: str, service: Service | None) -> Section:
    section = intake.section(section_key, ORGANIZATION if service is None else SERVICE)
    if section is None:
        raise Http404("No such section.")
    return section


def _posted_version(data: Any) -> int:
    try:
        return max(int(data.get(VERSION_FIELD, "")), 0)
    except (TypeError, ValueError):
        return -1


@login_required
@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, pk: int, section_key: str, service_pk: int | None = None) -> HttpResponse:
    assessment, intake, service, bank_section, role = _section_context(request, pk, section_key, service_pk)
    can_edit = role == MANAGER and assessment.is_editable
    version = intake.version(service, section_key)
    conflict = None
    status = 200
    if request.method == "POST":
        assessment = _editing(request, pk)
        expected = _posted_version(request.POST)
        try:
            services.section_answers_save(
                assessment=assessment,
                service=service,
                section_key=section_key,
                data=request.POST,
                expected_version=expected,
                actor=request.user,
            )
        except services.SectionValidationError as exc:
            form = exc.form
            version = expected
            status = 422
        except services.StaleSectionError as exc:
            intake = section_intake_load(assessment, service)
            version = exc.state.version
            form = _form(intake, bank_section, service, data=request.POST)
            conflict = {"message": str(exc), "differences": _differences(intake, service, form)}
            status = 409
        else:
            return _after_save(request, section_intake_load(assessment, service), service, bank_section)
    else:
        form = _form(intake, bank_section, service, disabled=not can_edit)
    return render(
        request,
        "assessments/questionnaire/section.html",
        _section_page(request, assessment, intake, service, bank_section, form, version, can_edit, conflict),
        status=status,
    )


def _form(
    intake: Intake,
    bank_section: Section,
    service: Service | None,
    *,
    data: Any = None,
    disabled: bool = False,
) -> Any:
    return section_form(
        bank=intake.bank,
        section=bank_section,
        org_answers=intake.org_answers,
        service_answers=None if service is None else intake.answers_for(service),
        data=data,
        disabled=disabled,
    )


def _differences(intake: Intake, service: Service | None, form: Any) -> list[dict[str, str]]:
    """Where the posted answers differ from what the other person saved, so the user can compare."""
    saved = intake.answers_for(service)
    posted = posted_answers(form.questions.values(), form.data)
    return [
        {"key": key, "label": question.label, "saved": answer_text(question, saved.get(key))}
        for key, question in form.questions.items()
        if posted.get(key) != saved.get(key)
    ]


def _after_save(request: HttpRequest, intake: Intake, service: Service | None, bank_section: Section) -> HttpResponse:
    current = intake.entry(bank_section, service)
    if request.POST.get("action") == "continue":
        messages.success(request, f"Saved “{current.title}”.")
        following = intake.position(bank_section, service).following
        if following is not None:
            return redirect(following.url)
        return redirect(_detail_url(intake.assessment, "submit"))
    messages.success(request, f"Draft saved. {current.answered} of {current.required} required questions answered.")
    return redirect(current.url)


def _overlay_query(bank_section: Section, service: Service | None) -> str:
    """Query parameters that tell the result views which section the posted (unsaved) answers belong to."""
    params: dict[str, Any] = {"section": bank_section.key}
    if service is not None:
        params["service"] = service.pk
    return urlencode(params)


def _section_page(
    request: HttpRequest,
    assessment: Assessment,
    intake: Intake,
    service: Service | None,
    bank_section: Section,
    form: Any,
    version: int,
    can_edit: bool,
    conflict: dict[str, Any] | None,
) -> dict[str, Any]:
    shown_intake = intake
    if form.is_bound:
        shown_intake = intake.with_changes(service, posted_answers(form.questions.values(), form.data))
    current = shown_intake.entry(bank_section, service)
    position = intake.position(bank_section, service)
    preview_url = (
        reverse("assessments:section_preview", args=[assessment.pk, bank_section.key])
        if service is None
        else reverse("assessments:service_section_preview", args=[assessment.pk, service.pk, bank_section.key])
    )
    # The result panel is not computed here: the page's first live update (or, for readers, its own request)
    # fills it in, so the questions are on screen before the engine has run.
    return {
        "assessment": assessment,
        "service": service,
        "section": bank_section,
        "entry": current,
        "entries": shown_intake.entries(),
        "other_services": _service_links(intake, service),
        "position": position,
        "form": form,
        "slots": form.slots(),
        "version": version,
        "can_edit": can_edit,
        "conflict": conflict,
        "preview_url": preview_url,
        "overlay_query": _overlay_query(bank_section, service),
        "shown_field": SHOWN_FIELD,
        "version_field": VERSION_FIELD,
    }


def _service_links(intake: Intake, current: Service | None) -> list[tuple[Service, str]]:
    """Each other service with the address of its first section, for the page's section list."""
    first = next((s for s in intake.bank.sections if s.level == SERVICE), None)
    if first is None:
        return []
    return [
        (service, section_url(intake.assessment.pk, first.key, service))
        for service in intake.services
        if current is None or service.pk != current.pk
    ]


def _typed(intake: Intake, bank_section: Section, service: Service | None, data: Any) -> Intake:
    """`intake` with the answers the page posted for the questions it showed (values that do not parse are
    left as saved). Questions the page did not show were not posted, so their saved answers stay."""
    on_page = set(data.getlist(SHOWN_FIELD))
    return intake.with_changes(service, posted_answers([q for q in bank_section.questions if q.key in on_page], data))


@login_required
@require_POST
def section_preview(request: HttpRequest, pk: int, section_key: str, service_pk: int | None = None) -> HttpResponse:
    """The live update while answering: shows and hides follow-up questions and refreshes the result panel.

    Nothing is saved. Only questions whose visibility changed are sent back (htmx out-of-band swaps), so what
    the user is typing elsewhere on the page is never replaced.
    """
    assessment = _editing(request, pk)
    service = _page_service(assessment, service_pk)
    # The result covers every service, so this reads them all (and only this: no second, per-page load).
    intake = intake_load(assessment)
    bank_section = _page_section(intake, section_key, service)
    on_page = set(request.POST.getlist(SHOWN_FIELD))
    preview = _typed(intake, bank_section, service, request.POST)
    form = _form(preview, bank_section, service)
    changed = [slot for slot in form.slots() if (slot.field is not None) != (slot.key in on_page)]
    return render(
        request,
        "assessments/questionnaire/_preview.html",
        {
            "assessment": assessment,
            "changed": changed,
            "entry": preview.entry(bank_section, service),
            "panel": result_panel(preview),
            "overlay_query": _overlay_query(bank_section, service),
            "live": True,
            "shown_field": SHOWN_FIELD,
        },
    )


# ------------------------------------------------------------------------------------------------ result


@login_required
@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    """The result panel for the saved answers, as the questionnaire page loads it for readers."""
    assessment = assessment_get(request.user, pk)
    if not request.htmx:
        return redirect(_detail_url(assessment, "result-panel"))
    return render(
        request,
        "assessments/questionnaire/_result_panel.html",
        {"assessment": assessment, "panel": result_panel(intake_load(assessment))},
    )


def _explanation(
    request: HttpRequest, pk: int, template: str, explain: Callable[[Intake, str], dict[str, Any]]
) -> HttpResponse:
    """One conclusion of the result panel explained by `explain(intake, target)`: the fragment htmx fetches
    (`_<template>`), or without JavaScript a page of its own (`<template>`).

    GET explains the saved answers. The questionnaire page POSTs its unsaved answers (with `section` and
    `service` in the query), so a manager sees the effect of what they are typing; that needs the manager role.
    """
    if request.method == "POST":
        assessment = _editing(request, pk)
        service = _page_service(assessment, _int_or_404(request.GET["service"]) if request.GET.get("service") else None)
        intake = intake_load(assessment)
        bank_section = _page_section(intake, request.GET.get("section", ""), service)
        intake = _typed(intake, bank_section, service, request.POST)
        live = {"live": True, "overlay_query": _overlay_query(bank_section, service)}
    else:
        intake = intake_load(assessment_get(request.user, pk))
        assessment, live = intake.assessment, {}
    target = request.GET.get("target", "")
    context = {"assessment": assessment, "target": target, **live, **explain(intake, target)}
    name = f"_{template}" if request.htmx else template
    return render(request, f"assessments/questionnaire/{name}", context)


@login_required
@require_http_methods(["GET", "POST"])
def result_why(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers one conclusion of the result panel rests on, fetched when the reader unfolds its "Why"."""
    return _explanation(
        request, pk, "reasons.html", lambda intake, target: {"because": conclusion_reasons(intake, target)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def result_deciding(request: HttpRequest, pk: int) -> HttpResponse:
    """Which single answers would change a service's or a report's conclusions (the engine's sensitivity)."""
    return _explanation(
        request, pk, "deciding.html", lambda intake, target: {"items": deciding_answers(intake, target)}
    )


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise Http404("No such service.") from exc
