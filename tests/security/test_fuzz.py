"""Malformed input to every form, every page's query string and the bank upload: never a 500, always a clear
refusal, nothing saved by a refused request.

Targets come from the permission matrix: every URL some role may POST to is fuzzed as that role, starting from
the valid payload the matrix posts; every page someone may GET is fuzzed through its query string. Hypothesis
replaces, drops and adds fields (wrong types, very long strings, control characters, unknown choice keys,
tampered hidden fields, ids of the other organization) and changes the encoding (multipart, urlencoded, JSON,
garbage bytes). Every POST example is also sent as a plain form, and once more either without a CSRF token or
aimed at the other organization's objects; every GET example also goes to the other organization's objects.
Derandomized, so CI runs the same requests every time.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as settings_
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.forms import SHOWN_FIELD, VERSION_FIELD
from assessments.selectors.banks import engine_bank
from assessments.services.review import STEPS
from tests.security.report import report
from tests.security.routes import Route, all_routes
from tests.security.snapshot import db_changes, db_snapshot
from tests.security.test_permission_matrix import MATRIX, Row, row_path
from tests.security.world import ROLES, Tenant, World, quick_memos

# CI runs at least this many requests; FUZZ_REQUESTS raises it for a longer hunt (or lowers it while debugging).
REQUESTS_IN_CI = int(os.environ.get("FUZZ_REQUESTS", "10000"))
SHARDS = 2
# Who acts on a URL: the first role (in this order) the matrix lets through; visitors use the public pages.
ACTORS = ("manager", "auditor", "staff", "outsider", "viewer", "anonymous")
PUBLIC = {"login", "healthz"}
ERROR_MARKERS = ("alert-danger", "invalid-feedback", "errorlist", "is-invalid", 'role="alert"')
# Pages that answer a POST with 200 without saving and without an error: the live preview, a conclusion's reasons
# and its deciding answers only show what typed answers would do, the dashboard ignores a POST, a failed sign-in
# says so itself.
SHOW_ONLY = {
    "assessments:section_preview",
    "assessments:service_section_preview",
    "assessments:result_why",
    "assessments:result_deciding",
    "assessments:dashboard",
    "login",
}
QUERIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "assessments:memo_versions": lambda w: {"a": "1", "b": "1"},
    "assessments:audit_log": lambda w: {"action": "memo.rendered", "page": "1"},
    "assessments:audit_log_csv": lambda w: {"action": "memo.rendered"},
    "admin:assessments_bankversion_diff": lambda w: {"before": w.bank_version.pk, "after": w.bank_version.pk},
    "admin:assessments_bankversion_changelist": lambda w: {"q": "default", "o": "1", "p": "0"},
}
ADMIN_FORMS = ("admin:assessments_bankversion_import",)
# Forms that take a file: the field's name. The fuzzed file replaces the valid one of the matrix payload.
FILE_FIELDS = {"admin:assessments_bankversion_import": "file", "assessments:profile_import": "profile"}


@dataclass(frozen=True)
class Target:
    route: Route
    method: str
    role: str
    row: Row | None

    @property
    def name(self) -> str:
        return f"{self.method} {self.route.key} as {self.role}"


def targets() -> list[Target]:
    found = []
    routes = {route.key: route for route in all_routes()}
    for key, row in MATRIX.items():
        for method in ("POST", "GET"):
            roles = ("anonymous",) if key in PUBLIC else ACTORS
            actor = next((role for role in roles if row.expected(role, method) == "ok"), None)
            if actor is not None and key != "logout":
                found.append(Target(routes[key], method, actor, row))
    found += [Target(routes[key], "GET", "staff", None) for key in QUERIES if key.startswith("admin:")]
    found += [Target(routes[key], "POST", "staff", None) for key in ADMIN_FORMS]
    return found


# ---------------------------------------------------------------------------------------------- strategies

NASTY = [
    "",
    " ",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "0x1F",
    "１２",
    "²",
    "٣",
    "true",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%00",
    "\x00",
    "\r\n\t",
    "\u202e\u200b",
    "2027-02-30",
    "9999-12-31",
    "__proto__",
    "javascript:alert(1)",
    "//evil.example/",
    "/\t/evil.example/",
    "https://evil.example/",
]


# Words the forms act on: workflow steps, answer values, the questionnaire's buttons.
DOMAIN_WORDS = [*STEPS, "yes", "no", "unknown", "none", "true", "false", "on", "continue", "save"]


def values(foreign: list[str], known: list[str]) -> st.SearchStrategy[Any]:
    """One field's value: text of every kind, huge strings, numbers, lists, and ids or keys that mean something."""
    text = st.text(max_size=40)
    return st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(DOMAIN_WORDS),
        text,
        st.text(alphabet=st.characters(codec="utf-8", max_codepoint=0x1F), max_size=20),
        st.integers(min_value=1_000, max_value=120_000).map(lambda n: "x" * n),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(foreign),
        st.sampled_from(known),
        st.lists(text, min_size=2, max_size=4),
    )


@st.composite
def payloads(draw: st.DrawFn, base: dict[str, Any], extra_keys: list[str], foreign: list[str]) -> dict[str, Any]:
    known = [str(v) for v in base.values() if isinstance(v, str | int)] or ["1"]
    field_value = values(foreign, known)
    payload: dict[str, Any] = {}
    for key, value in base.items():
        action = draw(st.sampled_from(("keep", "keep", "replace", "drop")))
        if action == "keep":
            payload[key] = value
        elif action == "replace":
            payload[key] = draw(field_value)
    for key in draw(st.lists(st.sampled_from(extra_keys), max_size=4, unique=True)):
        payload[key] = draw(field_value)
    if draw(st.booleans()):
        payload[draw(st.text(min_size=1, max_size=12))] = draw(field_value)
    return payload


ENCODINGS = ("multipart", "multipart", "urlencoded", "json", "garbage")
FILES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"", b"{}", b"[]", b"null", b'{"schema": "socscope.profile/1"}', b"\xef\xbb\xbf{}", b"NaN"]),
    # Nesting deeper than Python's recursion limit, and just under it.
    st.integers(min_value=900, max_value=60_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=900, max_value=60_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.text(max_size=60).map(lambda t: json.dumps({"schema": t, "key": t, "sections": [t]}).encode()),
)


# ---------------------------------------------------------------------------------------------- requests


@dataclass
class Outcome:
    status: int
    changes: list[str]
    body: str
    location: str


def send(
    client: Client, target: Target, path: str, payload: dict[str, Any], encoding: str, garbage: bytes, upload: bytes
) -> HttpResponse:
    if target.method == "GET":
        return client.get(path, payload)
    if target.route.key in FILE_FIELDS and encoding in ("multipart", "urlencoded"):
        return client.post(path, {**payload, FILE_FIELDS[target.route.key]: _upload(upload)})
    if encoding == "urlencoded":
        return client.post(path, urlencode(payload, doseq=True), content_type="application/x-www-form-urlencoded")
    if encoding == "json":
        return client.post(path, json.dumps(payload), content_type="application/json")
    if encoding == "garbage":
        return client.post(path, garbage, content_type="multipart/form-data; boundary=xyz")
    return client.post(path, payload)


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("bank.json", content, content_type="application/json")


def signed_in(world: World, role: str, *, csrf_checks: bool = False) -> Client:
    """A client signed in once, outside the examples' savepoints, so its session outlives every rollback."""
    client = Client(enforce_csrf_checks=csrf_checks)
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def attempt(client: Client, method: str, send_it: Callable[[], HttpResponse]) -> Outcome:
    """One request inside a savepoint that is rolled back, so every example starts from the same world."""
    session = client.cookies.get(settings_.SESSION_COOKIE_NAME)
    with transaction.atomic():
        before = db_snapshot() if method == "POST" else None
        response = send_it()
        body = response.getvalue()  # a streamed body is read here, so an error while streaming counts too
        changes = db_changes(before, db_snapshot()) if before is not None else []
        transaction.set_rollback(True)
    # A request that signed in or out rotated the session inside the rolled-back savepoint: keep the first one.
    if session is not None:
        client.cookies[settings_.SESSION_COOKIE_NAME] = session.value
    return Outcome(response.status_code, changes, body.decode(errors="replace"), response.get("Location", ""))


def carries_nul(value: Any) -> bool:
    if isinstance(value, dict):
        return any(carries_nul(key) or carries_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(carries_nul(item) for item in value)
    return "\x00" in str(value)


def problems_of(target: Target, outcome: Outcome, *, refused: bool, form_data: bool, nul: bool = False) -> list[str]:
    """What is wrong with this answer: a server error, a partial save, an unclear error, an off-site redirect.

    `nul`: the parameters carry a NUL character, which every view refuses with 400 before it looks an object up
    (`NulCharacterMiddleware`), the same for every object, so a 400 is a refusal that tells nothing away."""
    found = []
    if outcome.status >= 500:
        found.append(f"server error {outcome.status}")
    if outcome.location and urlsplit(outcome.location).netloc not in ("", "testserver"):
        found.append(f"redirect off the site: {outcome.location}")
    if target.method == "POST":
        failed = refused or outcome.status >= 400
        if failed and outcome.changes:
            found.append(f"refused with {outcome.status} but changed the database: {outcome.changes}")
        if outcome.status == 200 and target.route.key not in SHOW_ONLY:
            if outcome.changes:
                found.append(f"answered 200 yet saved: {outcome.changes}")
            # Without any form data (a JSON or garbage body, or every field dropped) the page shows the empty
            # form again, as it does for a GET; with form data it must say what is wrong.
            elif form_data and not any(marker in outcome.body for marker in ERROR_MARKERS):
                found.append("answered 200 without saving and without an error message")
    if refused and outcome.status not in (403, 404) and not (nul and outcome.status == 400):
        found.append(f"expected a refusal (403/404), got {outcome.status}")
    return found


# ---------------------------------------------------------------------------------------------- the test


def question_keys(world: World) -> list[str]:
    bank = engine_bank(world.mine.draft.bank_version)
    return [question.key for section in bank.sections for question in section.questions]


def their_values(world: World) -> list[str]:
    theirs = world.theirs
    return [
        str(pk)
        for pk in (
            theirs.org.pk,
            theirs.draft.pk,
            theirs.review.pk,
            theirs.service.pk,
            theirs.review_service.pk,
            theirs.subservice.pk,
            theirs.comment.pk,
            theirs.override.pk,
            theirs.assignment.pk,
        )
    ] + [theirs.org.slug, theirs.override.target]


def target_path(world: World, target: Target, tenant: Tenant) -> str:
    return row_path(target.route, target.row, tenant) if target.row is not None else target.route.path({})


def requests_per_example(world: World, target: Target) -> int:
    """POST: the drawn encoding, plain multipart (or urlencoded), then no CSRF token or the other tenant's URL.
    GET: the drawn query, and the same on the other tenant's objects where the URL names any."""
    if target.method == "POST":
        return 3
    return 2 if target_path(world, target, world.theirs) != target_path(world, target, world.mine) else 1


def fuzz(world: World, target: Target, examples: int) -> tuple[int, list[str]]:
    sent = 0
    failures: list[str] = []
    path = target_path(world, target, world.mine)
    their_path = target_path(world, target, world.theirs)
    cross_tenant = their_path != path
    if target.method == "GET":
        base = QUERIES.get(target.route.key, lambda w: {"page": "2"})(world)
    else:
        base = target.row.data(world) if target.row and target.row.data else {}
        base = {key: value for key, value in base.items() if not isinstance(value, SimpleUploadedFile)}
    extra_keys = [SHOWN_FIELD, VERSION_FIELD, "action", "next", "parent", "service", "who", "target", "value"]
    extra_keys += question_keys(world)
    client = signed_in(world, target.role)
    without_csrf = signed_in(world, target.role, csrf_checks=True)
    counter = iter(range(10**9))

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        payload=payloads(base, extra_keys, their_values(world)),
        encoding=st.sampled_from(ENCODINGS),
        garbage=st.binary(max_size=300),
        upload=FILES,
    )
    def run(payload: dict[str, Any], encoding: str, garbage: bytes, upload: bytes) -> None:
        nonlocal sent
        n = next(counter)
        plain = "urlencoded" if encoding == "multipart" else "multipart"
        variants = [("", client, path, encoding, False)]
        if target.method == "POST":
            variants.append(("", client, path, plain, False))
            if cross_tenant and n % 2:
                variants.append(("on the other organization's objects", client, their_path, plain, True))
            else:
                variants.append(("without a CSRF token", without_csrf, path, plain, True))
        elif cross_tenant:
            variants.append(("on the other organization's objects", client, their_path, encoding, True))
        for label, who, where, how, refused in variants:
            try:
                outcome = attempt(
                    who, target.method, lambda c=who, w=where, e=how: send(c, target, w, payload, e, garbage, upload)
                )
            except Exception as exc:  # the test client re-raises what would have been a 500
                outcome = Outcome(500, [], f"{type(exc).__name__}: {exc}", "")
            sent += 1
            form_data = bool(payload) and how in ("multipart", "urlencoded")
            nul = (target.method == "GET" or form_data) and carries_nul(payload)
            for problem in problems_of(target, outcome, refused=refused, form_data=form_data, nul=nul):
                detail = outcome.body[:200] if outcome.status >= 500 else ""
                failures.append(f"{target.name} {label}: {problem} {detail} (payload {str(payload)[:200]})")

    with quick_memos():
        run()
    return sent, failures


def distinct(failures: list[str]) -> list[str]:
    """The first failure of each kind (same endpoint, same problem), so one bug does not hide the others."""
    seen: dict[str, str] = {}
    for failure in failures:
        seen.setdefault(failure.split(" (payload")[0][:160], failure)
    return list(seen.values())


def shard_targets(shard: int) -> list[Target]:
    return targets()[shard::SHARDS]


def test_every_form_and_page_with_input_is_a_fuzz_target() -> None:
    fuzzed = {(t.route.key, t.method) for t in targets()}

    assert ("assessments:section", "POST") in fuzzed
    assert ("assessments:comment_create", "POST") in fuzzed
    assert ("assessments:memo_versions", "GET") in fuzzed
    assert ("admin:assessments_bankversion_import", "POST") in fuzzed
    assert all((key, "POST") in fuzzed for key, row in MATRIX.items() if key != "logout" and "ok" in row.post.split())


@pytest.mark.django_db
@pytest.mark.parametrize("shard", range(SHARDS))
def test_malformed_input_never_gets_a_server_error_or_saves_half(world: World, shard: int) -> None:
    chosen = shard_targets(shard)
    examples = math.ceil(REQUESTS_IN_CI / SHARDS / sum(requests_per_example(world, t) for t in chosen))
    sent = 0
    failures: list[str] = []
    import time

    for target in chosen:
        t0 = time.perf_counter()
        count, found = fuzz(world, target, examples)
        print(f"TIME {target.name}: {count} in {time.perf_counter() - t0:.2f}s")
        sent += count
        failures += found

    report(f"fuzz (part {shard + 1} of {SHARDS}): {sent} requests to {len(chosen)} endpoints, {len(failures)} problems")
    assert sent >= REQUESTS_IN_CI / SHARDS
    assert not failures, f"{len(failures)} problems, one example of each kind:\n" + "\n".join(distinct(failures))


def test_the_roles_are_the_matrix_roles() -> None:
    assert set(ACTORS) <= set(ROLES)
