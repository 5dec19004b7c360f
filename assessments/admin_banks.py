"""Django admin for question banks: versions, sections, questions with their choices, rules, the TSC catalogue.

Published and retired versions show read-only (the model layer refuses changes as well). Saving a draft's
section, question, choice list, rule or parameters runs the engine's validation on the whole draft and shows
the problems that concern the edited object beside its fields; publishing checks the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from assessments.engine.contract import QUESTION_FIELDS
from assessments.models import BankVersion, Choice, Question, QuestionBank, Rule, Section, TscCriterion
from assessments.models.banks import FrozenVersionError
from assessments.selectors.banks import (
    bank_document,
    bank_json,
    condition_text,
    effect_text,
    rule_text,
)
from assessments.selectors.replay import replay_submitted
from assessments.services.banks import (
    BankValidationError,
    bank_document_parse,
    bank_version_clone,
    bank_version_diff,
    bank_version_import,
    bank_version_problems,
    bank_version_publish,
    bank_version_retire,
    json_depth_problem,
)

WIDE_INPUT = forms.TextInput(attrs={"class": "vLargeTextField"})
JSON_WIDGET = forms.Textarea(attrs={"rows": 4, "cols": 90, "spellcheck": "false", "class": "vLargeTextField"})
CONDITION_HELP = (
    'Empty: always shown. Otherwise JSON, e.g. {"q": "stores_customer_data", "op": "is_true"} or '
    '{"any": [{"q": "transaction_classes", "op": "contains", "value": "payroll"}, '
    '{"q": "controls_operating_months", "op": "gte", "value": 6}]}. Operators: eq, ne, in, contains, '
    "contains_any, contains_other_than, is_true, is_false, is_unknown, answered, gt, gte, lt, lte; "
    "groups: all, any, not (docs/bank-format.md)."
)
EFFECT_HELP = (
    'JSON, one of: {"type": "trigger", "family": "soc1"}, {"type": "strength", "family": "soc2", '
    '"strength": "required"}, {"type": "category", "category": "privacy"}, {"type": "control_objective_area", '
    '"area": "Payroll processing"}, {"type": "cuec", "family": "soc1", "text": "..."}, '
    '{"type": "flag", "code": "consider_privacy", "message": "..."}.'
)
PARAMETER_HELP = {
    "type2_min_months": "Months of controls operating with evidence below which the report is a Type 1.",
    "deadline_horizon_months": "A first report needed sooner than this many months is a Type 1 (unless Type 2 "
    "was requested).",
    "period_months_renewal": "Type 2 period length after a prior Type 2 of the same family.",
    "period_months_established": "Type 2 period length when controls ran at least the established minimum.",
    "established_min_months": "Months of operation from which controls count as established.",
    "period_months_first": "Type 2 period length otherwise (a first, short period).",
    "fye_alignment_months": "Bridge-letter window: a SOC 1 period ends in the clients' fiscal-year-end month "
    "or up to this many months before it.",
    "type1_lead_months": "A Type 1 is dated at the end of the month this many months after the as-of date.",
    "fieldwork_weeks": "Weeks of fieldwork in the timeline.",
    "report_weeks": "Weeks from fieldwork to the issued report in the timeline.",
}
PATH_FIELD = re.compile(r"^\.(?P<field>[a-z_]+)(?P<rest>.*)$")


# ---------------------------------------------------------------------------------------------- draft validation


def engine_problems_under(document: dict[str, Any], prefix: str) -> list[tuple[str, str]]:
    """The engine's problems with `document` whose JSON path lies under `prefix`: (path below prefix, message)."""
    from assessments.engine import validate_bank

    found = []
    for problem in validate_bank(document):
        where, _, message = problem.partition(": ")
        if where == prefix or where.startswith((prefix + ".", prefix + "[")):
            found.append((where[len(prefix) :], message))
    return found


def refuse_deep_json(form: forms.BaseForm, *fields: str) -> None:
    """JSON nested beyond reason is refused before the engine reads it."""
    for name in fields:
        problem = json_depth_problem(form.cleaned_data.get(name))
        if problem:
            form.add_error(name, f"This JSON {problem}.")


def add_path_errors(
    form: forms.BaseForm,
    problems: list[tuple[str, str]],
    fields: dict[str, str] | None = None,
    skip: tuple[str, ...] = (),
) -> None:
    """Show each problem beside the form field its path names (document names mapped through `fields`)."""
    fields = fields or {}
    for where, message in problems:
        match = PATH_FIELD.match(where)
        name = match["field"] if match else ""
        if name in skip:
            continue
        field = fields.get(name, name)
        detail = match["rest"].lstrip(".") if match else ""
        text = f"{detail}: {message}" if detail else message
        form.add_error(field if field in form.fields else None, text)


def _put(items: list[dict[str, Any]], item: dict[str, Any], original_key: str | None, key: str = "key") -> int:
    """Replace the item with `original_key` (or append) in `items`; returns its index."""
    for index, existing in enumerate(items):
        if original_key is not None and existing[key] == original_key:
            items[index] = item
            return index
    items.append(item)
    return len(items) - 1


def question_put(
    document: dict[str, Any], *, original_key: str | None, section_key: str, question: dict[str, Any]
) -> str:
    """Put an edited question into a version's document (moving it between sections if need be); its path."""
    for section in document["sections"]:
        if section["key"] != section_key:
            section["questions"] = [q for q in section["questions"] if q["key"] != original_key]
    s_index = next(i for i, section in enumerate(document["sections"]) if section["key"] == section_key)
    q_index = _put(document["sections"][s_index]["questions"], question, original_key)
    return f"$.sections[{s_index}].questions[{q_index}]"


# A question's document keys are its model's field names; its choices are rows of their own.
QUESTION_VALUE_FIELDS = tuple(key for key in QUESTION_FIELDS if key != "choices")


def question_document(values: dict[str, Any], choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": values.get("key") or "",
        "label": values.get("label") or "",
        "help_text": values.get("help_text") or "",
        "reference": values.get("reference") or "",
        "type": values.get("type") or "",
        "required": bool(values.get("required")),
        "allow_unknown": bool(values.get("allow_unknown")),
        "min_value": values.get("min_value"),
        "max_value": values.get("max_value"),
        "max_length": values.get("max_length"),
        "position": values.get("position") or 0,
        "condition": values.get("condition"),
        "choices": choices,
    }


# ---------------------------------------------------------------------------------------------- shared admin parts


class ReadOnlyHistoryMixin:
    """History pages show who changed what; reverting from them is not offered (it would bypass validation)."""

    def history_form_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, *args, **kwargs)  # type: ignore[misc]

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class FrozenPermissionsMixin:
    """Rows of published and retired versions show read-only and cannot be deleted."""

    def version_of(self, obj: Any) -> BankVersion:
        return obj.version

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.version_of(obj).is_frozen:
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.version_of(obj).is_frozen:
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


class FrozenVersionAdminMixin(ReadOnlyHistoryMixin, FrozenPermissionsMixin):
    """Also: no bulk delete, and a version published meanwhile turns a save into a message instead of a 500."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except FrozenVersionError as error:
            self.message_user(request, str(error), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.path)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)  # type: ignore[misc]
        except FrozenVersionError as error:
            self.message_user(request, str(error), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.path)


def draft_versions() -> QuerySet[BankVersion]:
    return BankVersion.objects.filter(status=BankVersion.Status.DRAFT).select_related("bank")


def _version_link(version: BankVersion) -> str:
    url = reverse("admin:assessments_bankversion_change", args=[version.pk])
    return format_html('<a href="{}">{}</a>', url, version.label)


def summary_table(caption: str, headers: tuple[str, ...], rows: list[tuple[Any, ...]], change_url: str) -> str:
    """A read-only table of a version's rows; the first cell of each row is (pk, text) and links to the row."""
    if not rows:
        return "—"
    head = format_html_join("", '<th scope="col">{}</th>', ((header,) for header in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html(
                    '<th scope="row"><a href="{}">{}</a></th>{}',
                    reverse(change_url, args=[row[0][0]]),
                    row[0][1],
                    format_html_join("", "<td>{}</td>", ((cell,) for cell in row[1:])),
                ),
            )
            for row in rows
        ),
    )
    return format_html(
        "<table><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", caption, head, body
    )


# ---------------------------------------------------------------------------------------------- banks and versions


@admin.register(QuestionBank)
class QuestionBankAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    list_display = ("key", "name", "version_count", "newest_published")
    search_fields = ("key", "name", "description")

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuestionBank]:
        # Counts and newest versions for the whole page in one query each, not two queries per bank (bench/).
        published = BankVersion.objects.filter(status=BankVersion.Status.PUBLISHED).select_related("bank")
        return (
            super()
            .get_queryset(request)
            .annotate(version_total=Count("versions"))
            .prefetch_related(Prefetch("versions", queryset=published.order_by("-number"), to_attr="published"))
        )

    @admin.display(description="versions")
    def version_count(self, obj: QuestionBank) -> int:
        return obj.version_total

    @admin.display(description="newest published")
    def newest_published(self, obj: QuestionBank) -> str:
        return _version_link(obj.published[0]) if obj.published else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: QuestionBank | None = None) -> tuple[str, ...]:
        # The key and name are part of every published document of the bank.
        return ("key", "name") if obj is not None and obj.has_frozen_versions else ()

    def has_delete_permission(self, request: HttpRequest, obj: QuestionBank | None = None) -> bool:
        return False


class BankVersionFormBase(forms.ModelForm):
    """Parameters as one number field each and CSOC templates one per line; the engine checks both on save."""

    csoc_text = forms.CharField(
        label="CSOC templates",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 90}),
        help_text="One sentence per line; {name} is the vendor, {service} what it provides.",
    )

    class Meta:
        model = BankVersion
        fields = ("bank", "release_notes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parameters = self.instance.parameters or {}
        for name in PARAMETER_HELP:
            self.fields[f"param_{name}"].initial = parameters.get(name)
        self.fields["csoc_text"].initial = "\n".join(self.instance.csoc_templates or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        parameters = dict(self.instance.parameters or {})
        for name in PARAMETER_HELP:
            value = cleaned.get(f"param_{name}")
            if value is None:
                parameters.pop(name, None)
            else:
                parameters[name] = value
        templates = [line.strip() for line in (cleaned.get("csoc_text") or "").splitlines() if line.strip()]
        self.instance.parameters = parameters
        self.instance.csoc_templates = templates
        if self.instance.pk is not None and not self.errors:
            document = bank_document(self.instance)
            document.update(parameters=parameters, csoc_templates=templates, release_notes=cleaned["release_notes"])
            for prefix, field in (("$.parameters", "param_"), ("$.csoc_templates", "csoc_text")):
                for where, message in engine_problems_under(document, prefix):
                    match = PATH_FIELD.match(where)
                    target = f"param_{match['field']}" if match and field == "param_" else field
                    self.add_error(target if target in self.fields else None, message)
        return cleaned


# Declared fields (not added in __init__) so the admin's fieldsets may name them.
BankVersionForm = type(
    "BankVersionForm",
    (BankVersionFormBase,),
    {
        f"param_{name}": forms.IntegerField(
            label=name.replace("_", " ").capitalize(), required=False, min_value=0, help_text=help_text
        )
        for name, help_text in PARAMETER_HELP.items()
    },
)


@admin.register(BankVersion)
class BankVersionAdmin(FrozenVersionAdminMixin, SimpleHistoryAdmin):
    form = BankVersionForm
    list_display = ("version_label", "status", "short_checksum", "created_by", "created_at", "published_at")
    list_filter = ("status", "bank")
    list_select_related = ("bank", "created_by")
    search_fields = ("bank__key", "bank__name", "release_notes", "checksum")
    ordering = ("bank__key", "-number")
    actions = ("clone_to_draft", "publish", "retire", "export_json")
    readonly_fields = (
        "sections_table",
        "rules_table",
        "number",
        "status",
        "checksum",
        "parameters_display",
        "csoc_display",
        "created_by",
        "created_at",
        "published_at",
        "published_by",
        "retired_at",
        "retired_by",
        "assessment_count",
    )

    def version_of(self, obj: BankVersion) -> BankVersion:
        return obj

    def get_fieldsets(self, request: HttpRequest, obj: BankVersion | None = None) -> list[tuple[str | None, dict]]:
        if obj is not None and obj.is_frozen:
            return [
                (None, {"fields": ("bank", "number", "status", "checksum", "release_notes", "assessment_count")}),
                ("Parameters and CSOC templates", {"fields": ("parameters_display", "csoc_display")}),
                ("Content", {"fields": ("sections_table", "rules_table")}),
                (
                    "Lifecycle",
                    {
                        "fields": (
                            "created_by",
                            "created_at",
                            "published_by",
                            "published_at",
                            "retired_by",
                            "retired_at",
                        )
                    },
                ),
            ]
        head = ("bank", "release_notes") if obj is None else ("bank", "number", "status", "release_notes")
        return [
            (None, {"fields": head}),
            ("Parameters: report type and period thresholds", {"fields": [f"param_{n}" for n in PARAMETER_HELP]}),
            ("Complementary subservice organization controls", {"fields": ("csoc_text",)}),
            *([("Content", {"fields": ("sections_table", "rules_table")})] if obj is not None else []),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: BankVersion | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "bank") if obj is not None else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[BankVersion]:
        return super().get_queryset(request).select_related("bank")

    def save_model(self, request: HttpRequest, obj: BankVersion, form: forms.ModelForm, change: bool) -> None:
        if not change:
            top = obj.bank.versions.order_by("-number").values_list("number", flat=True).first()
            obj.number = (top or 0) + 1
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="version", ordering="number")
    def version_label(self, obj: BankVersion) -> str:
        return obj.label

    @admin.display(description="checksum")
    def short_checksum(self, obj: BankVersion) -> str:
        return obj.checksum[:19] + "…" if obj.checksum else "—"

    @admin.display(description="parameters")
    def parameters_display(self, obj: BankVersion) -> str:
        return format_html_join("", "<div><code>{}</code>: {}</div>", sorted((obj.parameters or {}).items())) or "—"

    @admin.display(description="CSOC templates")
    def csoc_display(self, obj: BankVersion) -> str:
        return format_html_join("", "<div>{}</div>", ((text,) for text in obj.csoc_templates or [])) or "—"

    @admin.display(description="sections")
    def sections_table(self, obj: BankVersion) -> str:
        sections = obj.sections.annotate(n_questions=Count("questions")).order_by("position", "id")
        rows = [((s.pk, s.title), s.key, s.get_level_display(), s.position, s.n_questions) for s in sections]
        headers = ("Section", "Key", "Level", "Position", "Questions")
        return summary_table("Sections", headers, rows, "admin:assessments_section_change")

    @admin.display(description="rules")
    def rules_table(self, obj: BankVersion) -> str:
        rules = obj.rules.order_by("position", "id")
        rows = [
            ((r.pk, r.key), r.level, r.position, rule_text(when=r.when, requires=r.requires, effect=r.effect))
            for r in rules
        ]
        return summary_table(
            "Rules", ("Rule id", "Level", "Position", "Reads as"), rows, "admin:assessments_rule_change"
        )

    @admin.display(description="assessments using it")
    def assessment_count(self, obj: BankVersion) -> int:
        return obj.assessments.count()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        version = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if version is not None:
            context["bank_version"] = version
            context["may_manage"] = self._may_manage(request)
            if not version.is_frozen:
                context["publish_problems"] = bank_version_problems(version)
        return super().change_view(request, object_id, form_url, context)

    # ------------------------------------------------------------------ actions

    def _may_manage(self, request: HttpRequest) -> bool:
        return request.user.has_perm("assessments.add_bankversion") and request.user.has_perm(
            "assessments.change_bankversion"
        )

    def _clone(self, request: HttpRequest, version: BankVersion) -> BankVersion:
        clone = bank_version_clone(version=version, actor=request.user)
        self.message_user(
            request,
            format_html("Cloned {} to the new draft {}.", version.label, _version_link(clone)),
            messages.SUCCESS,
        )
        return clone

    def _publish(self, request: HttpRequest, version: BankVersion) -> bool:
        try:
            bank_version_publish(version=version, actor=request.user)
        except BankValidationError as error:
            self.message_user(
                request,
                f"{version.label} was not published: {len(error.problems)} problem(s) to fix first.",
                messages.ERROR,
            )
            for problem in error.problems:
                self.message_user(request, f"{version.label} {problem}", messages.ERROR)
            return False
        self.message_user(request, f"Published {version.label}. New assessments now use it.", messages.SUCCESS)
        return True

    def _retire(self, request: HttpRequest, version: BankVersion) -> bool:
        try:
            bank_version_retire(version=version, actor=request.user)
        except BankValidationError as error:
            self.message_user(request, " ".join(error.problems), messages.ERROR)
            return False
        self.message_user(request, f"Retired {version.label}; assessments that use it keep it.", messages.SUCCESS)
        return True

    def _require_manage(self, request: HttpRequest) -> None:
        if not self._may_manage(request):
            raise PermissionDenied

    @admin.action(description="Clone to new draft")
    def clone_to_draft(self, request: HttpRequest, queryset: QuerySet[BankVersion]) -> None:
        self._require_manage(request)
        for version in queryset:
            self._clone(request, version)

    @admin.action(description="Publish (validates first)")
    def publish(self, request: HttpRequest, queryset: QuerySet[BankVersion]) -> None:
        self._require_manage(request)
        for version in queryset:
            self._publish(request, version)

    @admin.action(description="Retire")
    def retire(self, request: HttpRequest, queryset: QuerySet[BankVersion]) -> None:
        self._require_manage(request)
        for version in queryset:
            self._retire(request, version)

    @admin.action(description="Export as JSON")
    def export_json(self, request: HttpRequest, queryset: QuerySet[BankVersion]) -> HttpResponse | None:
        versions = list(queryset[:2])
        if len(versions) != 1:
            self.message_user(request, "Select exactly one version to export.", messages.WARNING)
            return None
        return self._export_response(versions[0])

    def _export_response(self, version: BankVersion) -> HttpResponse:
        response = HttpResponse(bank_json(version), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{version.bank.key}-v{version.number}.json"'
        return response

    # ------------------------------------------------------------------ views

    def get_urls(self) -> list[URLPattern]:
        wrap: Callable[..., Any] = self.admin_site.admin_view
        info = "assessments_bankversion"
        return [
            path("import/", wrap(self.import_view), name=f"{info}_import"),
            path("diff/", wrap(self.diff_view), name=f"{info}_diff"),
            path("<path:object_id>/preview/", wrap(self.preview_view), name=f"{info}_preview"),
            path("<path:object_id>/changes/", wrap(self.changes_view), name=f"{info}_changes"),
            path("<path:object_id>/replay/", wrap(self.replay_view), name=f"{info}_replay"),
            path("<path:object_id>/export/", wrap(self.export_view), name=f"{info}_export"),
            path("<path:object_id>/clone/", wrap(require_POST(self.clone_view)), name=f"{info}_clone"),
            path("<path:object_id>/publish/", wrap(require_POST(self.publish_view)), name=f"{info}_publish"),
            path("<path:object_id>/retire/", wrap(require_POST(self.retire_view)), name=f"{info}_retire"),
            *super().get_urls(),
        ]

    def _version(self, request: HttpRequest, object_id: str) -> BankVersion:
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = self.get_object(request, unquote(object_id))
        if version is None:
            raise Http404("No such bank version.")
        return version

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}

    def _change_url(self, version: BankVersion) -> str:
        return reverse("admin:assessments_bankversion_change", args=[version.pk])

    def clone_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._version(request, object_id)
        self._require_manage(request)
        return redirect(self._change_url(self._clone(request, version)))

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._version(request, object_id)
        self._require_manage(request)
        self._publish(request, version)
        return redirect(self._change_url(version))

    def retire_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._version(request, object_id)
        self._require_manage(request)
        self._retire(request, version)
        return redirect(self._change_url(version))

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._export_response(self._version(request, object_id))

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._version(request, object_id)
        document = bank_document(version)
        levels = [
            (level, label, [_preview_section(s) for s in document["sections"] if s["level"] == level])
            for level, label in (("organization", "Asked once for the organization"), ("service", "Asked per service"))
        ]
        context = self._context(
            request, f"Preview of {version.label}", version=version, document=document, levels=levels
        )
        return TemplateResponse(request, "admin/assessments/bankversion/preview.html", context)

    def diff_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if "before" in request.GET and "after" in request.GET:
            form = VersionDiffForm(request.GET)
        else:
            form = VersionDiffForm(initial=_diff_initial(request.GET.get("after")))
        diff = None
        if form.is_bound and form.is_valid():
            diff = bank_version_diff(form.cleaned_data["before"], form.cleaned_data["after"])
        context = self._context(
            request, "Compare bank versions", form=form, diff=diff, groups=_diff_groups(diff) if diff else []
        )
        return TemplateResponse(request, "admin/assessments/bankversion/diff.html", context)

    def replay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._version(request, object_id)
        rows = replay_submitted(request.user, version)
        context = self._context(
            request, f"Replay of submitted assessments on {version.label}", version=version, rows=rows
        )
        return TemplateResponse(request, "admin/assessments/bankversion/replay.html", context)

    def changes_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = self._version(request, object_id)
        context = self._context(
            request, f"Change log of {version.label}", version=version, entries=version_change_log(version)
        )
        return TemplateResponse(request, "admin/assessments/bankversion/changes.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_manage(request):
            raise PermissionDenied
        form = BankImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                version = bank_version_import(
                    document=bank_document_parse(form.cleaned_data["file"].read()),
                    actor=request.user,
                    publish=form.cleaned_data["publish"],
                )
            except BankValidationError as error:
                problems = error.problems
            else:
                self.message_user(
                    request, f"Imported {version.label} ({version.get_status_display().lower()}).", messages.SUCCESS
                )
                return redirect(self._change_url(version))
        context = self._context(request, "Import a question bank version", form=form, problems=problems)
        return TemplateResponse(request, "admin/assessments/bankversion/import.html", context)


class BankImportForm(forms.Form):
    file = forms.FileField(label="Bank file (socscope.bank/1 JSON)")
    publish = forms.BooleanField(
        label="Publish it right away", required=False, help_text="Validates the bank completely first."
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.BANK_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(f"The file is {upload.size} bytes; bank files may be at most {limit} bytes.")
        return upload


class VersionDiffForm(forms.Form):
    before = forms.ModelChoiceField(
        queryset=BankVersion.objects.select_related("bank").order_by("bank__key", "number"), label="From"
    )
    after = forms.ModelChoiceField(
        queryset=BankVersion.objects.select_related("bank").order_by("bank__key", "number"), label="To"
    )


def _diff_initial(after: str | None) -> dict[str, Any]:
    """Offer to compare a version with the one before it in the same bank."""
    version = BankVersion.objects.filter(pk=after).first() if after and after.isdigit() else None
    if version is None:
        return {}
    before = version.bank.versions.filter(number__lt=version.number).order_by("-number").first()
    return {"after": version.pk, "before": before.pk if before else None}


def _preview_section(section: dict[str, Any]) -> dict[str, Any]:
    return {
        **section,
        "questions": [
            {
                **question,
                "input_id": f"preview-{question['key']}",
                "shown_when": condition_text(question["condition"]) if question["condition"] else "",
                "options": _preview_options(question),
            }
            for question in section["questions"]
        ],
    }


def _preview_options(question: dict[str, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs a respondent picks from; empty for free-entry questions."""
    kind = question["type"]
    if kind in ("single", "multi"):
        return [(choice["key"], choice["label"]) for choice in question["choices"]]
    if kind in ("yes_no", "yes_no_unknown"):
        options = [("true", "Yes"), ("false", "No")]
        return [*options, ("unknown", "Don't know")] if question["allow_unknown"] else options
    return []


def _shown(field: str, value: Any) -> str:
    if field in ("condition", "when"):
        return "always" if value is None else condition_text(value)
    if field == "effect":
        return effect_text(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value == "":
        return "(empty)"
    return "—" if value is None else str(value)


def _diff_groups(diff: Any) -> list[dict[str, Any]]:
    titles = {
        "bank": "Bank",
        "parameter": "Parameters",
        "section": "Sections",
        "question": "Questions",
        "choice": "Choices",
        "rule": "Rules",
        "csoc_template": "CSOC templates",
    }
    groups = []
    for kind, entries in diff.by_kind():
        rows = []
        for entry in entries:
            whole = entry.after if entry.change == "added" else entry.before
            summary = ""
            if entry.change != "changed" and isinstance(whole, dict):
                summary = whole.get("label") or whole.get("title") or whole.get("explanation") or ""
                if "value" in whole and len(whole) == 1:
                    summary = _shown(kind, whole["value"])
            rows.append(
                {
                    "key": entry.key,
                    "change": entry.change,
                    "summary": summary,
                    "fields": [
                        {"field": f.field, "before": _shown(f.field, f.before), "after": _shown(f.field, f.after)}
                        for f in entry.fields
                    ],
                }
            )
        groups.append({"title": titles[kind], "rows": rows})
    return groups


HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def version_change_log(version: BankVersion) -> list[dict[str, Any]]:
    """Every recorded change to the version and its rows, newest first: who, when, what and which fields."""
    question_ids = Question.history.filter(version_id=version.pk).values("id")
    sources: list[tuple[str, QuerySet, Callable[[Any], str]]] = [
        ("version", BankVersion.history.filter(id=version.pk), lambda r: version.label),
        ("section", Section.history.filter(version_id=version.pk), lambda r: r.key),
        ("question", Question.history.filter(version_id=version.pk), lambda r: r.key),
        ("choice", Choice.history.filter(question_id__in=question_ids), lambda r: r.key),
        ("rule", Rule.history.filter(version_id=version.pk), lambda r: r.key),
    ]
    entries = []
    for kind, records, name in sources:
        previous: dict[int, Any] = {}
        for record in records.select_related("history_user").order_by("id", "history_date", "history_id"):
            before = previous.get(record.id)
            previous[record.id] = record
            changes = []
            if record.history_type == "~" and before is not None:
                changes = [
                    {"field": c.field, "before": _shown(c.field, c.old), "after": _shown(c.field, c.new)}
                    for c in record.diff_against(before).changes
                ]
                if not changes:
                    continue
            entries.append(
                {
                    "when": record.history_date,
                    "user": record.history_user,
                    "kind": kind,
                    "object": name(record),
                    "action": HISTORY_ACTIONS.get(record.history_type, record.history_type),
                    "changes": changes,
                }
            )
    entries.sort(key=lambda entry: entry["when"], reverse=True)
    return entries


# ---------------------------------------------------------------------------------------------- sections


class SectionAdminForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ("version", "key", "title", "description", "level", "position")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        version = cleaned.get("version")
        if version is None or self.errors:
            return cleaned
        document = bank_document(version)
        original = self.instance.key if self.instance.pk else None
        kept = next((s["questions"] for s in document["sections"] if s["key"] == original), [])
        item = {name: cleaned.get(name) for name in ("key", "title", "description", "level", "position")}
        index = _put(
            document["sections"], {**item, "description": item["description"] or "", "questions": kept}, original
        )
        add_path_errors(self, engine_problems_under(document, f"$.sections[{index}]"), skip=("questions",))
        return cleaned


@admin.register(Section)
class SectionAdmin(FrozenVersionAdminMixin, SimpleHistoryAdmin):
    form = SectionAdminForm
    list_display = ("title", "key", "level", "position", "version")
    list_filter = ("version", "level")
    list_select_related = ("version__bank",)
    search_fields = ("key", "title", "description")
    ordering = ("version__bank__key", "-version__number", "position", "id")
    readonly_fields = ("questions_table", "add_question")

    @admin.display(description="questions")
    def questions_table(self, obj: Section) -> str:
        if obj.pk is None:
            return "—"
        rows = [
            ((q.pk, q.key), q.label, q.get_type_display(), q.position, condition_text(q.condition))
            for q in obj.questions.order_by("position", "id")
        ]
        headers = ("Key", "Label", "Type", "Position", "Shown when")
        return summary_table("Questions", headers, rows, "admin:assessments_question_change")

    @admin.display(description="add")
    def add_question(self, obj: Section) -> str:
        if obj.pk is None or obj.version.is_frozen:
            return "—"
        url = reverse("admin:assessments_question_add") + f"?section={obj.pk}"
        return format_html('<a class="addlink" href="{}">Add a question to this section</a>', url)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "version":
            kwargs["queryset"] = draft_versions()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---------------------------------------------------------------------------------------------- questions and choices


class ChoiceInlineFormSet(BaseInlineFormSet):
    """Checks the question together with its new list of choices, and puts each problem beside its row."""

    def clean(self) -> None:
        super().clean()
        question = self.instance
        if any(self.errors) or question.section_id is None or question.section.version.is_frozen:
            return
        rows = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("key")
        ]
        choices = [{name: form.cleaned_data.get(name) for name in ("key", "label", "position")} for form in rows]
        values = {name: getattr(question, name) for name in QUESTION_VALUE_FIELDS}
        original = Question.objects.filter(pk=question.pk).values_list("key", flat=True).first()
        document = bank_document(question.section.version)
        prefix = question_put(
            document,
            original_key=original,
            section_key=question.section.key,
            question=question_document(values, choices),
        )
        problems = []
        for where, message in engine_problems_under(document, prefix):
            row = re.match(r"^\.choices\[(?P<index>\d+)\]\.(?P<field>[a-z_]+)", where)
            if row:
                rows[int(row["index"])].add_error(row["field"], message)
            elif where.startswith(".choices"):
                problems.append(f"Choices: {message}")
        if problems:
            raise ValidationError(problems)


class ChoiceInline(FrozenPermissionsMixin, admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ("position", "key", "label")
    extra = 1
    ordering = ("position", "id")

    def version_of(self, obj: Question) -> BankVersion:
        return obj.version

    def has_add_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        if obj is not None and obj.version.is_frozen:
            return False
        return super().has_add_permission(request, obj)


class QuestionAdminForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ("section", *QUESTION_VALUE_FIELDS)
        widgets = {
            "condition": JSON_WIDGET,
            "help_text": forms.Textarea(attrs={"rows": 3, "cols": 90}),
            "label": WIDE_INPUT,
            "reference": WIDE_INPUT,
        }
        help_texts = {"condition": CONDITION_HELP}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        refuse_deep_json(self, "condition")
        section = cleaned.get("section")
        if section is None or self.errors:
            return cleaned
        version = section.version
        # The version is not a form field, so the model's unique (version, key) check needs saying here.
        clash = Question.objects.filter(version=version, key=cleaned.get("key")).exclude(pk=self.instance.pk)
        if clash.exists():
            self.add_error("key", f"{version.label} already has a question with this key.")
            return cleaned
        original = self.instance.key if self.instance.pk else None
        document = bank_document(version)
        existing = next(
            (q["choices"] for s in document["sections"] for q in s["questions"] if q["key"] == original), []
        )
        prefix = question_put(
            document, original_key=original, section_key=section.key, question=question_document(cleaned, existing)
        )
        # Choice rows are checked with the choice list, which this form does not see.
        add_path_errors(self, engine_problems_under(document, prefix), skip=("choices",))
        return cleaned


@admin.register(Question)
class QuestionAdmin(FrozenVersionAdminMixin, SimpleHistoryAdmin):
    form = QuestionAdminForm
    inlines = (ChoiceInline,)
    list_display = ("key", "label", "type", "required", "shown_when", "section", "version")
    list_filter = ("version", "section__level", "type", "required")
    list_select_related = ("section", "version__bank")
    search_fields = ("key", "label", "help_text", "reference")
    ordering = ("version__bank__key", "-version__number", "section__position", "position", "id")
    readonly_fields = ("version", "shown_when")
    fieldsets = (
        (None, {"fields": ("version", "section", "position", "key", "label", "help_text", "reference")}),
        ("Answer", {"fields": ("type", "required", "allow_unknown", "min_value", "max_value", "max_length")}),
        ("When it is asked", {"fields": ("condition", "shown_when")}),
    )

    @admin.display(description="shown when")
    def shown_when(self, obj: Question) -> str:
        return condition_text(obj.condition) if obj.condition else "always"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(version__status=BankVersion.Status.DRAFT).select_related(
                "version__bank"
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "section":
            field.label_from_instance = lambda section: f"{section.version.label} · {section.title}"
        return field


@admin.register(Choice)
class ChoiceAdmin(FrozenVersionAdminMixin, SimpleHistoryAdmin):
    """Choices are edited with their question; this list is for finding them and reading their history."""

    list_display = ("key", "label", "position", "question", "version_label")
    list_filter = ("question__version",)
    list_select_related = ("question__version__bank",)
    search_fields = ("key", "label", "question__key")
    ordering = ("question__version__bank__key", "-question__version__number", "question", "position")

    def version_of(self, obj: Choice) -> BankVersion:
        return obj.question.version

    @admin.display(description="version")
    def version_label(self, obj: Choice) -> str:
        return obj.question.version.label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# ---------------------------------------------------------------------------------------------- rules


class RuleAdminForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ("version", "key", "level", "position", "when", "requires", "effect", "explanation")
        widgets = {"when": JSON_WIDGET, "effect": JSON_WIDGET, "explanation": WIDE_INPUT}
        help_texts = {"when": CONDITION_HELP, "effect": EFFECT_HELP}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        refuse_deep_json(self, "when", "effect")
        version = cleaned.get("version")
        if version is None or self.errors:
            return cleaned
        document = bank_document(version)
        rule = {
            "id": cleaned.get("key"),
            "level": cleaned.get("level"),
            "position": cleaned.get("position"),
            "when": cleaned.get("when"),
            "requires": cleaned.get("requires") or None,
            "effect": cleaned.get("effect"),
            "explanation": cleaned.get("explanation"),
        }
        index = _put(document["rules"], rule, self.instance.key if self.instance.pk else None, key="id")
        add_path_errors(self, engine_problems_under(document, f"$.rules[{index}]"), fields={"id": "key"})
        return cleaned


@admin.register(Rule)
class RuleAdmin(FrozenVersionAdminMixin, SimpleHistoryAdmin):
    form = RuleAdminForm
    list_display = ("key", "level", "sentence", "position", "version")
    list_filter = ("version", "level", "requires")
    list_select_related = ("version__bank",)
    search_fields = ("key", "explanation")
    ordering = ("version__bank__key", "-version__number", "position", "id")
    readonly_fields = ("sentence",)
    fieldsets = (
        (None, {"fields": ("version", "key", "level", "position")}),
        ("Rule", {"fields": ("when", "requires", "effect", "explanation", "sentence")}),
    )

    @admin.display(description="reads as")
    def sentence(self, obj: Rule) -> str:
        if obj.pk is None:
            return "—"
        return rule_text(when=obj.when, requires=obj.requires, effect=obj.effect)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "version":
            kwargs["queryset"] = draft_versions()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---------------------------------------------------------------------------------------------- TSC catalogue


@admin.register(TscCriterion)
class TscCriterionAdmin(admin.ModelAdmin):
    """The shipped Trust Services Criteria catalogue: reference data, read-only."""

    list_display = ("code", "category", "group", "short_title", "coso_principle")
    list_filter = ("category",)
    search_fields = ("code", "short_title", "group")
    ordering = ("position",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
