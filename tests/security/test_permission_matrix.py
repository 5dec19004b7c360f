"""Every URL of the project × every role × GET and POST, against a table of expected outcomes.

The URL list comes from the resolver, so a new view without a row here fails the test. Outcomes:
`ok` (2xx, or a redirect that is not to a sign-in page), `login` (redirect to sign-in), `admin-login`
(redirect to the admin's sign-in), or an exact status code. A POST whose expected outcome is not `ok`
must leave every table exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client

from assessments.forms import SHOWN_FIELD, VERSION_FIELD
from assessments.models import Assessment
from assessments.selectors.intake import assessment_profile
from tests.security.report import report
from tests.security.routes import Route, all_routes
from tests.security.snapshot import db_changes, db_snapshot
from tests.security.world import ORG_QUESTION, ORG_SECTION, ROLES, SERVICE_QUESTION, SERVICE_SECTION, Tenant, World

METHODS = ("GET", "POST")
Values = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    """Expected outcomes, one word per role in ROLES order, for GET and for POST."""

    get: str
    post: str
    kwargs: Callable[[Tenant], dict[str, Any]] | None = None
    data: Values | None = None
    query: Callable[[Tenant], dict[str, Any]] | None = None

    def expected(self, role: str, method: str) -> str:
        words = (self.get if method == "GET" else self.post).split()
        assert len(words) == len(ROLES), f"a row needs {len(ROLES)} outcomes, got {words}"
        return words[ROLES.index(role)]


# URL kwargs by name: a tenant's draft and its objects. Rows about the review name REVIEW instead.
KWARGS: dict[str, Callable[[Tenant], Any]] = {
    "pk": lambda t: t.draft.pk,
    "service_pk": lambda t: t.service.pk,
    "subservice_pk": lambda t: t.subservice.pk,
    "section_key": lambda t: ORG_SECTION,
    "comment_pk": lambda t: t.comment.pk,
    "override_pk": lambda t: t.override.pk,
    "assignment_pk": lambda t: t.assignment.pk,
    "number": lambda t: t.memo.number,
}


def REVIEW(t: Tenant) -> dict[str, Any]:
    """The tenant's assessment under review, with its service, comment, override, assignment and memo."""
    return {"pk": t.review.pk, "service_pk": t.review_service.pk}


def row_path(route: Route, row: Row | None, tenant: Tenant) -> str:
    """The URL for this tenant's objects: the row's own arguments, else the defaults by name; then its query."""
    given = row.kwargs(tenant) if row is not None and row.kwargs else {}
    path = route.path({name: given[name] if name in given else KWARGS[name](tenant) for name in route.kwargs})
    return f"{path}?{urlencode(row.query(tenant))}" if row is not None and row.query else path


# ---------------------------------------------------------------------------------------------------
# The table for the project's own URLs.
#                                      anonymous manager viewer outsider auditor unassigned staff
# ---------------------------------------------------------------------------------------------------
MATRIX: dict[str, Row] = {
    "healthz": Row(
        get="ok ok ok ok ok ok ok",
        post="405 405 405 405 405 405 405",
    ),
    "login": Row(
        get="ok ok ok ok ok ok ok",
        post="ok ok ok ok ok ok ok",
        data=lambda w: {"username": w.cast.manager.username, "password": "wrong-password"},
    ),
    "logout": Row(
        get="405 405 405 405 405 405 405",
        post="login login login login login login login",
    ),
    "assessments:dashboard": Row(
        get="login ok ok ok ok ok ok",
        post="login 405 405 405 405 405 405",
    ),
    # --- questionnaire: managers of the organization edit; viewers and assigned auditors read; others get 404.
    # The outsider manages another organization, so they may start assessments there.
    "assessments:assessment_create": Row(
        get="login ok 403 ok 403 403 403",
        post="login ok 403 ok 403 403 403",
        data=lambda w: {"organization": w.mine.org.pk, "name": "FY2028 SOC scoping", "as_of": "2027-01-31"},
    ),
    "assessments:assessment_detail": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
    ),
    "assessments:assessment_submit": Row(
        get="login 405 405 405 405 405 405",
        post="login ok 403 404 403 404 404",
    ),
    "assessments:service_add": Row(
        get="login ok 403 404 403 404 404",
        post="login ok 403 404 403 404 404",
        data=lambda w: {"service-name": "Claims processing", "service-description": "Adjudicates claims."},
    ),
    "assessments:service_edit": Row(
        get="login ok 403 404 403 404 404",
        post="login ok 403 404 403 404 404",
        data=lambda w: {"service-name": "Payroll and tax", "service-description": "Renamed."},
    ),
    "assessments:service_remove": Row(
        get="login ok 403 404 403 404 404",
        post="login ok 403 404 403 404 404",
    ),
    "assessments:subservice_add": Row(
        get="login ok 403 404 403 404 404",
        post="login ok 403 404 403 404 404",
        data=lambda w: subservice_data(w, "Backup Vault Inc"),
    ),
    "assessments:subservice_edit": Row(
        get="login ok 403 404 403 404 404",
        post="login ok 403 404 403 404 404",
        data=lambda w: subservice_data(w, "Cloud IaaS Co (renamed)"),
    ),
    "assessments:subservice_remove": Row(
        get="login ok 403 404 403 404 404",
        post="login ok 403 404 403 404 404",
    ),
    "assessments:questionnaire": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
    ),
    "assessments:section": Row(
        get="login ok ok 404 ok 404 404",
        post="login ok 403 404 403 404 404",
        data=lambda w: section_data(w.mine.section_state.version, ORG_QUESTION, "20"),
    ),
    "assessments:section_preview": Row(
        get="login 405 405 405 405 405 405",
        post="login ok 403 404 403 404 404",
        data=lambda w: section_data(None, ORG_QUESTION, "2"),
    ),
    "assessments:service_section": Row(
        get="login ok ok 404 ok 404 404",
        post="login ok 403 404 403 404 404",
        kwargs=lambda t: {"section_key": SERVICE_SECTION},
        data=lambda w: section_data(0, SERVICE_QUESTION, "yes"),
    ),
    "assessments:service_section_preview": Row(
        get="login 405 405 405 405 405 405",
        post="login ok 403 404 403 404 404",
        kwargs=lambda t: {"section_key": SERVICE_SECTION},
        data=lambda w: section_data(None, SERVICE_QUESTION, "no"),
    ),
    "assessments:result": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
    ),
    "assessments:result_why": Row(
        get="login ok ok 404 ok 404 404",
        post="login ok 403 404 403 404 404",
        query=lambda t: {"section": ORG_SECTION},
        data=lambda w: section_data(None, ORG_QUESTION, "2"),
    ),
    "assessments:result_deciding": Row(
        get="login ok ok 404 ok 404 404",
        post="login ok 403 404 403 404 404",
        query=lambda t: {"section": ORG_SECTION},
        data=lambda w: section_data(None, ORG_QUESTION, "2"),
    ),
    # --- profiles: readers download the answers; managers start an assessment from a profile file.
    "assessments:profile_export": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
    ),
    "assessments:profile_import": Row(
        get="login ok 403 ok 403 403 403",
        post="login ok 403 ok 403 403 403",
        data=lambda w: {"organization": w.mine.org.pk, "name": "Imported scoping", "profile": profile_file(w)},
    ),
    # --- review: the assigned auditor reviews; managers answer comments and assign; viewers read.
    "assessments:review_list": Row(
        get="login ok ok ok ok ok ok",
        post="login 405 405 405 405 405 405",
    ),
    "assessments:review": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
        kwargs=REVIEW,
    ),
    "assessments:review_transition": Row(
        get="login 405 405 405 405 405 405",
        post="login 403 403 404 ok 404 404",
        kwargs=REVIEW,
        data=lambda w: {"action": "request_changes", "comment": "Please attach the evidence."},
    ),
    "assessments:comment_create": Row(
        get="login 405 405 405 405 405 405",
        post="login ok 403 404 ok 404 404",
        kwargs=REVIEW,
        data=lambda w: {"body": "Which months are covered?", "question_key": ORG_QUESTION},
    ),
    "assessments:comment_resolve": Row(
        get="login 405 405 405 405 405 405",
        post="login ok 403 404 ok 404 404",
        kwargs=REVIEW,
        data=lambda w: {"resolved": "true"},
    ),
    "assessments:override_save": Row(
        get="login 405 405 405 405 405 405",
        post="login 403 403 404 ok 404 404",
        kwargs=REVIEW,
        data=lambda w: override_data(w),
    ),
    "assessments:override_delete": Row(
        get="login 405 405 405 405 405 405",
        post="login 403 403 404 ok 404 404",
        kwargs=REVIEW,
    ),
    "assessments:assignments": Row(
        get="login ok 403 404 403 404 404",
        post="login ok 403 404 403 404 404",
        kwargs=REVIEW,
        data=lambda w: {"who": w.cast.unassigned_auditor.username},
    ),
    "assessments:assignment_delete": Row(
        get="login 405 405 405 405 405 405",
        post="login ok 403 404 403 404 404",
        kwargs=REVIEW,
    ),
    # The audit log is for the organization's managers and the assigned auditors, not for viewers.
    "assessments:audit_log": Row(
        get="login ok 403 404 ok 404 404",
        post="login 405 405 405 405 405 405",
        kwargs=REVIEW,
    ),
    "assessments:audit_log_csv": Row(
        get="login ok 403 404 ok 404 404",
        post="login 405 405 405 405 405 405",
        kwargs=REVIEW,
    ),
    "assessments:assessment_copy": Row(
        get="login 405 405 405 405 405 405",
        post="login ok 403 404 403 404 404",
        kwargs=REVIEW,
        data=lambda w: {"name": "FY2027 from last year's scoping"},
    ),
    # --- memos: everyone who may see the assessment reads and downloads its memos.
    "assessments:memo_versions": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
        kwargs=REVIEW,
    ),
    "assessments:memo_detail": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
        kwargs=REVIEW,
    ),
    "assessments:memo_download": Row(
        get="login ok ok 404 ok 404 404",
        post="login 405 405 405 405 405 405",
        kwargs=REVIEW,
    ),
}


def section_data(version: int | None, question: str, value: str) -> dict[str, Any]:
    """What the questionnaire page posts for one question (the preview posts no version)."""
    data = {SHOWN_FIELD: [question], question: value}
    return data if version is None else {**data, VERSION_FIELD: str(version)}


def profile_file(w: World) -> SimpleUploadedFile:
    """The draft's answers as a profile file, as a manager would download and upload it."""
    content = json.dumps(assessment_profile(w.mine.draft)).encode()
    return SimpleUploadedFile("profile.json", content, content_type="application/json")


def subservice_data(w: World, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "provides": "Offsite backups",
        "services": [w.mine.service.pk],
        "has_soc_report": "yes",
        "controls_required": "yes",
        "will_participate": "no",
    }


def override_data(w: World) -> dict[str, Any]:
    """A new value for the existing override: neither the engine's nor the one recorded."""
    taken = {w.mine.override.engine_value, w.mine.override.value}
    value = next(v for v in ("required", "recommended", "not_applicable") if v not in taken)
    return {"target": w.mine.override.target, "value": value, "reason": "Revisited after the walkthrough."}


# ---------------------------------------------------------------------------------------------------
# The admin: every pattern is enumerated; only staff get past the admin's sign-in.
# ---------------------------------------------------------------------------------------------------
NON_STAFF = ROLES[:-1]
# Full rows for the admin's own sign-in and sign-out, which everyone may reach.
ADMIN_ROWS: dict[str, Row] = {
    "admin:login": Row(get="ok ok ok ok ok ok ok", post="ok ok ok ok ok ok ok"),
    # Non-staff are sent to the admin index (and from there to the admin sign-in); staff are signed out.
    "admin:logout": Row(get="ok ok ok ok ok ok 405", post="ok ok ok ok ok ok login"),
}
# What staff get where it is not `ok`: (GET, POST). Everyone else is sent to the admin sign-in.
ADMIN_STAFF: dict[str, tuple[str, str]] = {
    "admin:password_change_done": ("ok", "405"),
    "admin:autocomplete": ("403", "405"),  # no search parameters: refused, not an error
    "admin:jsi18n": ("ok", "405"),
    "admin:view_on_site": ("404", "404"),  # assessments have no public page
    "admin:axes_accessattempt_add": ("403", "403"),  # axes records are written by axes only
    "admin:axes_accesslog_add": ("403", "403"),
    "admin:axes_accessfailurelog_add": ("403", "403"),
    "admin:assessments_auditevent_add": ("403", "403"),  # the audit log is append-only
    "admin:assessments_auditevent_delete": ("403", "403"),
    "admin:assessments_auditevent_change": ("ok", "403"),
    "admin/(?P<url>.*)$": ("404", "404"),
    # Question banks: the first version is published, so it and its content are frozen (read-only, never
    # deleted); clone, publish and retire are POST-only actions; the TSC catalogue is shipped data.
    "admin:assessments_questionbank_delete": ("403", "403"),
    "admin:assessments_questionbank_simple_history": ("ok", "403"),
    "admin:assessments_bankversion_change": ("ok", "403"),
    "admin:assessments_bankversion_delete": ("403", "403"),
    "admin:assessments_bankversion_simple_history": ("ok", "403"),
    "admin:assessments_bankversion_clone": ("405", "ok"),
    "admin:assessments_bankversion_publish": ("405", "ok"),
    "admin:assessments_bankversion_retire": ("405", "ok"),
    "admin:assessments_section_change": ("ok", "403"),
    "admin:assessments_section_delete": ("403", "403"),
    "admin:assessments_section_simple_history": ("ok", "403"),
    "admin:assessments_question_change": ("ok", "403"),
    "admin:assessments_question_delete": ("403", "403"),
    "admin:assessments_question_simple_history": ("ok", "403"),
    "admin:assessments_choice_add": ("403", "403"),
    "admin:assessments_choice_change": ("ok", "403"),
    "admin:assessments_choice_delete": ("403", "403"),
    "admin:assessments_choice_simple_history": ("ok", "403"),
    "admin:assessments_rule_change": ("ok", "403"),
    "admin:assessments_rule_delete": ("403", "403"),
    "admin:assessments_rule_simple_history": ("ok", "403"),
    "admin:assessments_tsccriterion_add": ("403", "403"),
    "admin:assessments_tsccriterion_change": ("ok", "403"),
    "admin:assessments_tsccriterion_delete": ("403", "403"),
}


def admin_expected(route: Route, role: str, method: str) -> str:
    if route.key in ADMIN_ROWS:
        return ADMIN_ROWS[route.key].expected(role, method)
    if role in NON_STAFF:
        return "admin-login"
    return ADMIN_STAFF.get(route.key, ("ok", "ok"))[METHODS.index(method)]


def admin_kwargs(world: World, route: Route) -> dict[str, Any]:
    """Real objects for the admin's URLs: the first row of the route's model, and one of its history records."""
    values: dict[str, Any] = {}
    parts = route.route.split("/")
    model = None
    if len(parts) > 2 and parts[1] and parts[2]:
        try:
            model = apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            model = None
    instance = model._base_manager.order_by("pk").first() if model is not None else None
    for name in route.kwargs:
        if name in ("object_id", "id", "arg0"):
            values[name] = instance.pk if instance is not None else 999_999
        elif name == "arg1":
            record = instance.history.order_by("history_id").first() if instance is not None else None
            values[name] = record.history_id if record is not None else 999_999
        elif name == "content_type_id":
            values[name] = ContentType.objects.get_for_model(Assessment).pk
        elif name == "app_label":
            values[name] = "assessments"
        elif name == "url":
            values[name] = "no-such-page"
        else:
            values[name] = KWARGS[name](world.mine)
    return values


# ---------------------------------------------------------------------------------------------------


def outcome_of(response: HttpResponse) -> str:
    status = response.status_code
    assert status < 500, f"server error {status}"
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return "admin-login"
        if location.startswith("/accounts/login/"):
            return "login"
        return "ok"
    if 200 <= status < 300:
        return "ok"
    return str(status)


@dataclass
class Attempt:
    outcome: str
    status: int
    changes: list[str]
    leaked: list[str]


def tenant_secrets(world: World) -> list[str]:
    """Text only people who may see the organization's assessments should ever receive."""
    mine = world.mine
    return [mine.draft.name, mine.review.name, mine.service.name, mine.subservice.name, mine.comment.body]


def attempt(world: World, route: Route, role: str, method: str, expected: str) -> Attempt:
    row = MATRIX.get(route.key)
    if route.is_admin:
        path = route.path(admin_kwargs(world, route))
        data: dict[str, Any] = {}
    else:
        path = row_path(route, row, world.mine)
        data = row.data(world) if row and row.data else {}
    client = Client()
    with transaction.atomic():
        user = world.user(role)
        if user is not None:
            client.force_login(user)
        before = db_snapshot() if method == "POST" and expected != "ok" else None
        response = client.get(path) if method == "GET" else client.post(path, data)
        changes = db_changes(before, db_snapshot()) if before is not None else []
        transaction.set_rollback(True)
    outcome = outcome_of(response)
    leaked = []
    if outcome != "ok" and not route.is_admin:
        body = response.getvalue().decode(errors="replace")
        leaked = [secret for secret in tenant_secrets(world) if secret in body]
    return Attempt(outcome=outcome, status=response.status_code, changes=changes, leaked=leaked)


def app_routes() -> list[Route]:
    return [route for route in all_routes() if not route.is_admin]


def admin_routes() -> list[Route]:
    return [route for route in all_routes() if route.is_admin]


def run_matrix(world: World, routes: list[Route], expect: Callable[[Route, str, str], str]) -> list[str]:
    problems = []
    for route in routes:
        for role in ROLES:
            for method in METHODS:
                expected = expect(route, role, method)
                where = f"{route.key} [{role} {method}]"
                try:
                    got = attempt(world, route, role, method, expected)
                except Exception as exc:  # a server error: reported with the rest of the matrix
                    problems.append(f"{where}: expected {expected}, got a server error: {type(exc).__name__}: {exc}")
                    continue
                if got.outcome != expected:
                    problems.append(f"{where}: expected {expected}, got {got.outcome} (HTTP {got.status})")
                if got.changes:
                    problems.append(f"{where}: refused POST changed the database: {'; '.join(got.changes)}")
                if got.leaked:
                    problems.append(f"{where}: refused response shows the organization's data: {got.leaked}")
    return problems


def test_every_project_url_has_a_row_in_the_table() -> None:
    missing = sorted({route.key for route in app_routes()} - MATRIX.keys())
    stale = sorted(MATRIX.keys() - {route.key for route in app_routes()})

    assert not missing, f"URL patterns with no row in MATRIX (add one): {missing}"
    assert not stale, f"rows in MATRIX for URL patterns that no longer exist: {stale}"


def test_other_tenants_and_unassigned_auditors_get_404_for_every_object_url() -> None:
    wrong = [
        f"{route.key} [{role} {method}]"
        for route in app_routes()
        if route.kwargs and route.key in MATRIX
        for role in ("outsider", "unassigned_auditor")
        for method in METHODS
        if MATRIX[route.key].expected(role, method) not in ("404", "405")
    ]

    assert not wrong, f"the table lets outsiders reach the organization's objects: {wrong}"


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_but_public_pages() -> None:
    public = {"healthz", "login", "logout"}
    wrong = [
        f"{key} [{method}]"
        for key, row in MATRIX.items()
        if key not in public
        for method in METHODS
        if row.expected("anonymous", method) != "login"
    ]

    assert not wrong, f"anonymous visitors get past sign-in: {wrong}"


@pytest.mark.django_db
def test_every_role_gets_exactly_the_expected_outcome_on_every_project_url(world: World) -> None:
    routes = [route for route in app_routes() if route.key in MATRIX]
    problems = run_matrix(world, routes, lambda route, role, method: MATRIX[route.key].expected(role, method))

    total = len(all_routes())
    report(
        f"permission matrix (project URLs): {len(routes)} URLs x {len(ROLES)} roles x {len(METHODS)} methods"
        f" = {len(routes) * len(ROLES) * len(METHODS)} requests; with the admin's {len(admin_routes())} URLs,"
        f" {total} x {len(ROLES)} x {len(METHODS)} = {total * len(ROLES) * len(METHODS)} in all"
    )
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_only_staff_get_into_any_admin_url(world: World) -> None:
    routes = admin_routes()
    problems = run_matrix(world, routes, admin_expected)

    report(
        f"permission matrix (admin URLs): {len(routes)} URLs x {len(ROLES)} roles x {len(METHODS)} methods"
        f" = {len(routes) * len(ROLES) * len(METHODS)} requests"
    )
    assert not problems, "\n".join(problems)
