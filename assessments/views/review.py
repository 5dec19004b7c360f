"""Review pages: the review itself (workflow, conclusions and overrides, answers and comments), assignments, the
audit log and its CSV export, memo versions and their diff, copying an assessment, and the auditor's list.

Objects are read through the access selectors (404 for other tenants); the services decide what each role may do
(PermissionDenied becomes 403). A rejected form re-renders the review page with the message beside its field.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Assessment
from assessments.selectors.access import AUDITOR, MANAGER, assessment_get, assessment_role
from assessments.selectors.review import (
    answers_by_section,
    assessment_conclusions,
    assessments_for_review,
    audit_actions,
    audit_events,
    comment_target,
    comment_threads,
    conclusion_target,
    memo_diff,
    memos_of,
    threads_by_place,
)
from assessments.services import review as services
from assessments.templatetags.review_tags import ANSWER_FORM_PREFIX, answer_form_values


@dataclass
class Failed:
    """The form that was rejected: its id on the page, the messages per field, and what was typed."""

    form: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)


def _errors(exc: ValidationError, default_field: str) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [m for e in errs for m in e.messages] for name, errs in exc.error_dict.items()}
    return {default_field: exc.messages}


def _review_url(assessment: Assessment, fragment: str = "") -> str:
    url = reverse("assessments:review", args=[assessment.pk])
    return f"{url}#{fragment}" if fragment else url


OVERRIDE_FORM_PREFIX = "override-"


def _can_comment(role: str | None, assessment: Assessment) -> bool:
    return role in (MANAGER, AUDITOR) and assessment.status != Assessment.Status.APPROVED


def _can_override(role: str | None, assessment: Assessment) -> bool:
    return role == AUDITOR and assessment.status == Assessment.Status.IN_REVIEW


@dataclass(frozen=True)
class OnDemandForm:
    """A form the review page shows as a link per place (answer, conclusion) rather than a form each: htmx fetches
    the one asked for, `?<param>=<target>` opens it without JavaScript, and a refused one (form id `prefix` +
    target) comes back open."""

    param: str
    prefix: str
    allowed: Callable[[str | None, Assessment], bool]
    refusal: str
    find: Callable[[Assessment, str], Any]
    missing: str
    template: str
    context: Callable[[str, Any], dict[str, Any]]


def _comment_form_context(target: str, place: tuple[Any, Any]) -> dict[str, Any]:
    service, question = place
    return answer_form_values(target, service, question.key)


ANSWER_COMMENT = OnDemandForm(
    param="comment",
    prefix=ANSWER_FORM_PREFIX,
    allowed=_can_comment,
    refusal="Only the organization's managers and the assigned auditors comment, until approval.",
    find=comment_target,
    missing="No such answer in this assessment.",
    template="assessments/review/_comment_form.html",
    context=_comment_form_context,
)
OVERRIDE = OnDemandForm(
    param="override",
    prefix=OVERRIDE_FORM_PREFIX,
    allowed=_can_override,
    refusal="Only the assigned auditors override conclusions, while the assessment is in review.",
    find=conclusion_target,
    missing="No such conclusion to override in this assessment.",
    template="assessments/review/_override_form.html",
    context=lambda path, found: {"n": found[0], "t": found[1]},
)


def _open_form(request: HttpRequest, failed: Failed | None, form: OnDemandForm) -> str:
    """Which one of a kind of on-demand form the page shows open: the one whose submission was just refused, else
    the one a link asked for (the page without JavaScript); "" for none."""
    if failed is not None:
        return failed.form.removeprefix(form.prefix) if failed.form.startswith(form.prefix) else ""
    return request.GET.get(form.param, "")


def _varies_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same URL answers with the whole page or, to htmx, one form: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _review_page(request: HttpRequest, assessment: Assessment, failed: Failed | None = None) -> HttpResponse:
    role = assessment_role(request.user, assessment)
    threads = comment_threads(assessment)
    by_place = threads_by_place(threads)
    conclusions = assessment_conclusions(assessment)
    can_override = _can_override(role, assessment)
    labels = {entry["target"]: entry["label"] for entry in conclusions.overrides}
    withdrawable = [(pk, labels.get(target, target)) for pk, target in assessment.overrides.values_list("pk", "target")]
    services_list = list(assessment.services.all())
    context = {
        "assessment": assessment,
        "role": role,
        "steps": services.steps_available(role=role, status=assessment.status),
        "transitions": assessment.transitions.select_related("actor"),
        "conclusions": conclusions,
        "can_override": can_override,
        "withdrawable": withdrawable if can_override else [],
        # Answers and conclusions show a link each, not a form each; at most one form of each kind is open.
        "open_override": _open_form(request, failed, OVERRIDE),
        "can_comment": _can_comment(role, assessment),
        "sections": answers_by_section(assessment, threads),
        "open_answer": _open_form(request, failed, ANSWER_COMMENT),
        "review_url": _review_url(assessment),
        "general_threads": by_place.get((None, ""), []),
        "service_threads": [(s, by_place.get((s.pk, ""), [])) for s in services_list],
        "open_threads": sum(1 for t in threads if not t.resolved),
        "latest_memo": memos_of(assessment).defer("profile", "result", "overrides", "context").first(),
        "assignments": assessment.assignments.select_related("auditor", "firm"),
        "can_audit_log": role in (MANAGER, AUDITOR),
        "failed": failed,
    }
    if failed is not None:
        messages.error(request, "That was not saved. The message beside the form says why.")
    response = render(request, "assessments/review/review.html", context, status=400 if failed else 200)
    return _varies_on_htmx(response)


def _form_fragment(request: HttpRequest, assessment: Assessment, form: OnDemandForm, target: str) -> HttpResponse:
    """One on-demand form alone, which htmx puts in place of the link that asked for it."""
    if not form.allowed(assessment_role(request.user, assessment), assessment):
        raise PermissionDenied(form.refusal)
    found = form.find(assessment, target)
    if found is None:
        raise Http404(form.missing)
    context = {"assessment": assessment, "failed": None, **form.context(target, found)}
    return _varies_on_htmx(render(request, form.template, context))


@login_required
@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    if request.htmx:
        for form in (ANSWER_COMMENT, OVERRIDE):
            if target := request.GET.get(form.param, ""):
                return _form_fragment(request, assessment, form, target)
    return _review_page(request, assessment)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    try:
        if action in ("submit", "resubmit"):
            # The questionnaire's own submit: it checks every answer and renders the submission memo.
            from assessments.services.intake import assessment_submit

            assessment_submit(assessment=assessment, actor=request.user, comment=comment)
        else:
            services.assessment_transition(assessment=assessment, actor=request.user, action=action, comment=comment)
    except ValidationError as exc:
        return _review_page(request, assessment, Failed("transition", _errors(exc, "comment"), request.POST.dict()))
    step = services.STEPS[action]
    status = assessment.get_status_display().lower()
    messages.success(request, f"Done: {step.label.lower()}. The assessment is now {status}.")
    return redirect(_review_url(assessment))


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    parent_id = request.POST.get("parent") or ""
    service_id = request.POST.get("service") or ""
    question_key = request.POST.get("question_key", "")
    parent = get_object_or_404(assessment.comments, pk=parent_id) if parent_id.isdecimal() else None
    service = get_object_or_404(assessment.services, pk=service_id) if service_id.isdecimal() else None
    form_id = request.POST.get("form_id", "comment")
    try:
        comment = services.comment_create(
            assessment=assessment,
            actor=request.user,
            body=request.POST.get("body", ""),
            service=service,
            question_key=question_key,
            parent=parent,
        )
    except ValidationError as exc:
        return _review_page(request, assessment, Failed(form_id, _errors(exc, "body"), request.POST.dict()))
    messages.success(request, "Your comment was added." if parent is None else "Your reply was added.")
    return redirect(_next_or_review(request, assessment, f"comment-{(comment.parent or comment).pk}"))


def _next_or_review(request: HttpRequest, assessment: Assessment, fragment: str) -> str:
    """Back to the page the form was on when it is one of ours (the questionnaire shows comments too)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return f"{target.split('#')[0]}#{fragment}"
    return _review_url(assessment, fragment)


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    comment = get_object_or_404(assessment.comments, pk=comment_pk)
    resolved = request.POST.get("resolved", "true") == "true"
    thread = services.comment_resolve(comment=comment, actor=request.user, resolved=resolved)
    messages.success(request, "The thread is resolved." if resolved else "The thread is open again.")
    return redirect(_next_or_review(request, assessment, f"comment-{thread.pk}"))


@login_required
@require_POST
def override_save(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    target = request.POST.get("target", "")
    value: Any = request.POST.get("value", "")
    if request.POST.get("start") or request.POST.get("end"):
        value = {"start": request.POST.get("start", ""), "end": request.POST.get("end", "")}
    try:
        services.override_save(
            assessment=assessment, actor=request.user, target=target, value=value, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        failed = Failed(f"{OVERRIDE_FORM_PREFIX}{target}", _errors(exc, "value"), request.POST.dict())
        return _review_page(request, assessment, failed)
    messages.success(request, "The override is recorded with its reason.")
    return redirect(_review_url(assessment, "conclusions"))


@login_required
@require_POST
def override_delete(request: HttpRequest, pk: int, override_pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    override = get_object_or_404(assessment.overrides, pk=override_pk)
    try:
        services.override_delete(override=override, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in _errors(exc, "target").values() for m in ms))
        return redirect(_review_url(assessment, "conclusions"))
    messages.success(request, "The override is withdrawn; the engine's conclusion stands.")
    return redirect(_review_url(assessment, "conclusions"))


# ------------------------------------------------------------------------------------------- assignments


def _manager_only(request: HttpRequest, assessment: Assessment) -> None:
    if assessment_role(request.user, assessment) != MANAGER:
        raise PermissionDenied("Only the organization's compliance managers assign auditors.")


@login_required
def assignments(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    _manager_only(request, assessment)
    errors: dict[str, list[str]] = {}
    who = ""
    if request.method == "POST":
        who = request.POST.get("who", "")
        try:
            assignment = services.assignment_create(assessment=assessment, actor=request.user, who=who)
        except ValidationError as exc:
            errors = _errors(exc, "who")
        else:
            messages.success(request, f"{assignment.auditor or assignment.firm} is assigned and can now review.")
            return redirect("assessments:assignments", pk=assessment.pk)
    return render(
        request,
        "assessments/review/assignments.html",
        {
            "assessment": assessment,
            "assignments": assessment.assignments.select_related("auditor", "firm", "created_by"),
            "errors": errors,
            "who": who,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def assignment_delete(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    _manager_only(request, assessment)
    assignment = get_object_or_404(assessment.assignments, pk=assignment_pk)
    name = str(assignment.auditor or assignment.firm)
    services.assignment_delete(assignment=assignment, actor=request.user)
    messages.success(request, f"{name} is no longer assigned.")
    return redirect("assessments:assignments", pk=assessment.pk)


# -------------------------------------------------------------------------------------------- audit log


def _audit_page_data(request: HttpRequest, pk: int) -> tuple[Assessment, str, Any]:
    assessment = assessment_get(request.user, pk)
    action = request.GET.get("action", "")
    return assessment, action, audit_events(request.user, assessment, action=action)


@login_required
@require_GET
def audit_log(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, action, events = _audit_page_data(request, pk)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    rows = [(event, json.dumps(event.data, indent=2, sort_keys=True, ensure_ascii=False)) for event in page]
    return render(
        request,
        "assessments/review/audit_log.html",
        {"assessment": assessment, "page": page, "rows": rows, "action": action, "actions": audit_actions(assessment)},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    """Spreadsheet-safe text: a cell that starts like a formula is kept as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def audit_log_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    assessment, action, events = _audit_page_data(request, pk)
    writer = csv.writer(_Echo())
    header = ["time", "action", "actor", "object_type", "object_id", "details"]

    def rows() -> Any:
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    _cell(event.created_at.isoformat(timespec="seconds")),
                    _cell(event.action),
                    _cell(event.actor.get_username() if event.actor else ""),
                    _cell(event.object_type),
                    _cell(event.object_id),
                    _cell(json.dumps(event.data, sort_keys=True, ensure_ascii=False)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    # The query string is the user's to write: only letters, digits, dots and dashes reach the header.
    safe_action = re.sub(r"[^A-Za-z0-9._-]", "", action)
    suffix = f"-{safe_action}" if safe_action else ""
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}-audit{suffix}.csv"'
    return response


# ------------------------------------------------------------------------------------- memos: list, diff


@login_required
@require_GET
def memo_versions(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    memos = list(memos_of(assessment).defer("profile", "result", "context"))
    diff = None
    errors: dict[str, list[str]] = {}
    older, newer = request.GET.get("a", ""), request.GET.get("b", "")
    if older or newer:
        numbers = {str(m.number) for m in memos}
        if older not in numbers or newer not in numbers:
            errors["a"] = ["Choose two memo versions of this assessment."]
        elif older == newer:
            errors["a"] = ["Choose two different versions to compare."]
        else:
            pair = {str(m.number): m for m in assessment.memos.filter(number__in=[int(older), int(newer)])}
            diff = memo_diff(pair[older], pair[newer])
    return render(
        request,
        "assessments/review/memo_versions.html",
        {
            "assessment": assessment,
            "memos": memos,
            "diff": diff,
            "errors": errors,
            "a": older or (str(memos[1].number) if len(memos) > 1 else ""),
            "b": newer or (str(memos[0].number) if memos else ""),
        },
        status=400 if errors else 200,
    )


# ------------------------------------------------------------------------------------------ copy, lists


@login_required
@require_POST
def assessment_copy(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_get(request.user, pk)
    try:
        copy = services.assessment_copy(assessment=assessment, actor=request.user, name=request.POST.get("name", ""))
    except ValidationError as exc:
        return _review_page(request, assessment, Failed("copy", _errors(exc, "name"), request.POST.dict()))
    messages.success(request, f"“{copy.name}” is a new draft copied from “{assessment.name}”.")
    return redirect("assessments:assessment_detail", pk=copy.pk)


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(assessments_for_review(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "assessments/review/review_list.html", {"page": page})
