"""Review pages over HTTP: who gets 404, who gets 403, what each page shows, the audit log and its CSV."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from assessments.models import Answer, Assessment, AuditEvent, Comment, Override, Service, User
from assessments.services.review import (
    assessment_transition,
    comment_create,
    override_save,
)
from tests.factories import PASSWORD

SOC2_STRENGTH = "services.payroll.soc2.strength"


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def approved(in_review: Assessment, auditor: User) -> Assessment:
    comment_create(assessment=in_review, actor=auditor, body="Checked.", question_key="client_fye_month")
    override_save(assessment=in_review, actor=auditor, target=SOC2_STRENGTH, value="required", reason="SLA terms")
    assessment_transition(assessment=in_review, actor=auditor, action="approve", comment="Agreed.")
    in_review.refresh_from_db()
    return in_review


def assessment_urls(assessment: Assessment) -> list[tuple[str, str]]:
    """Every `assessments:` route about one assessment, with its other ids filled from that assessment."""
    service = assessment.services.first()
    ids = {
        "pk": assessment.pk,
        "service_pk": service.pk,
        "subservice_pk": assessment.subservice_organizations.first().pk,
        "comment_pk": assessment.comments.first().pk,
        "override_pk": assessment.overrides.first().pk,
        "assignment_pk": assessment.assignments.first().pk,
        "number": assessment.memos.first().number,
    }
    urls = []
    for pattern in get_resolver().url_patterns:
        for inner in getattr(pattern, "url_patterns", []):
            if getattr(pattern, "namespace", None) != "assessments" or not isinstance(inner, URLPattern):
                continue
            names = set(inner.pattern.regex.groupindex)
            if "pk" not in names:
                continue
            kwargs = {name: ids[name] for name in names if name in ids}
            if "section_key" in names:
                kwargs["section_key"] = "data_and_commitments" if "service_pk" in names else "organization_reports"
            urls.append((inner.name, reverse(f"assessments:{inner.name}", kwargs=kwargs)))
    return urls


@pytest.fixture
def everything(in_review: Assessment, auditor: User, manager: User) -> Assessment:
    """An assessment with one of every object a route can name: comment, override, assignment, memo."""
    comment_create(assessment=in_review, actor=auditor, body="Why?", question_key="client_fye_month")
    override_save(assessment=in_review, actor=auditor, target=SOC2_STRENGTH, value="required", reason="SLA terms")
    return in_review


# --------------------------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("who", ["unassigned_auditor", "outsider"])
def test_people_without_access_get_404_on_every_route_of_the_assessment(
    request: pytest.FixtureRequest, everything: Assessment, who: str
) -> None:
    client = client_for(request.getfixturevalue(who))
    urls = assessment_urls(everything)
    assert {"review", "audit_log_csv", "memo_download", "section", "override_save"} <= {name for name, _ in urls}

    answers = {(a.service_id, a.question_key): a.value for a in everything.answers.all()}
    for name, url in urls:
        # A route that does not take the method answers 405 before it looks anything up, which reveals nothing.
        got = client.get(url).status_code
        posted = client.post(url, {"body": "x", "action": "approve", "who": "uma", "reason": "x"}).status_code
        assert {got, posted} <= {404, 405}, name
        assert 404 in (got, posted), name

    everything.refresh_from_db()
    assert everything.status == Assessment.Status.IN_REVIEW
    assert {(a.service_id, a.question_key): a.value for a in everything.answers.all()} == answers
    assert Comment.objects.filter(assessment=everything).count() == 1


def test_an_auditor_reads_the_answers_but_cannot_change_them(
    in_review: Assessment, service: Service, auditor: User
) -> None:
    client = client_for(auditor)
    Assessment.objects.filter(pk=in_review.pk).update(status=Assessment.Status.CHANGES_REQUESTED)
    section = reverse("assessments:service_section", args=[in_review.pk, service.pk, "data_and_commitments"])

    assert client.get(section).status_code == 200
    response = client.post(section, {"_version": "0", "_shown": "stores_customer_data", "stores_customer_data": "no"})

    assert response.status_code == 403
    assert Answer.objects.get(service=service, question_key="stores_customer_data").value is True
    assert client.post(reverse("assessments:assessment_submit", args=[in_review.pk])).status_code == 403


def test_the_review_page_shows_an_auditor_the_answers(in_review: Assessment, auditor: User) -> None:
    response = client_for(auditor).get(reverse("assessments:review", args=[in_review.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "PayCore" in page
    assert "Cloud IaaS Co. virtual machines and managed database." in page
    assert 'data-testid="step-request_changes"' in page


def test_a_manager_cannot_approve_or_override(in_review: Assessment, manager: User) -> None:
    client = client_for(manager)

    approve = client.post(reverse("assessments:review_transition", args=[in_review.pk]), {"action": "approve"})
    override = client.post(
        reverse("assessments:override_save", args=[in_review.pk]),
        {"target": SOC2_STRENGTH, "value": "required", "reason": "I want it"},
    )

    assert (approve.status_code, override.status_code) == (403, 403)
    in_review.refresh_from_db()
    assert in_review.status == Assessment.Status.IN_REVIEW
    assert not Override.objects.exists()


@pytest.mark.parametrize("who", ["manager", "colleague", "auditor"])
def test_nobody_can_change_an_approved_assessment(
    request: pytest.FixtureRequest, approved: Assessment, service: Service, who: str
) -> None:
    client = client_for(request.getfixturevalue(who))
    pk = approved.pk
    thread = approved.comments.get()
    attempts = [
        (reverse("assessments:review_transition", args=[pk]), {"action": "request_changes", "comment": "again"}),
        (reverse("assessments:review_transition", args=[pk]), {"action": "resubmit"}),
        (reverse("assessments:review_transition", args=[pk]), {"action": "start_review"}),
        (reverse("assessments:assessment_submit", args=[pk]), {}),
        (reverse("assessments:comment_create", args=[pk]), {"body": "late"}),
        (reverse("assessments:comment_resolve", args=[pk, thread.pk]), {"resolved": "true"}),
        (reverse("assessments:override_save", args=[pk]), {"target": SOC2_STRENGTH, "value": "recommended"}),
        (reverse("assessments:override_delete", args=[pk, approved.overrides.get().pk]), {}),
        (reverse("assessments:assignments", args=[pk]), {"who": "uma"}),
        (
            reverse("assessments:section", args=[pk, "organization_reports"]),
            {"_version": "0", "_shown": "controls_operating_months", "controls_operating_months": "1"},
        ),
        (reverse("assessments:service_add", args=[pk]), {"service-name": "Another"}),
    ]
    before = AuditEvent.objects.filter(assessment=approved).count()

    for url, data in attempts:
        assert client.post(url, data).status_code in (403, 404), url

    approved.refresh_from_db()
    assert approved.status == Assessment.Status.APPROVED
    assert Answer.objects.get(assessment=approved, question_key="controls_operating_months").value == 30
    assert approved.comments.count() == 1
    assert approved.overrides.get().value == "required"
    assert approved.services.count() == 1
    assert AuditEvent.objects.filter(assessment=approved).count() == before


# ------------------------------------------------------------------------------------------ the review page


def test_the_auditor_walks_the_review_through_the_pages(submitted: Assessment, auditor: User, service: Service) -> None:
    client = client_for(auditor)
    pk = submitted.pk

    assert (
        client.post(reverse("assessments:review_transition", args=[pk]), {"action": "start_review"}).status_code == 302
    )
    response = client.post(
        reverse("assessments:comment_create", args=[pk]),
        {"body": "Which tax filings?", "service": service.pk, "question_key": "transaction_classes"},
    )
    thread = Comment.objects.get(assessment=submitted)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/review/#comment-{thread.pk}")
    response = client.post(
        reverse("assessments:override_save", args=[pk]),
        {"target": "reports.soc1.period", "start": "2026-01-01", "end": "2026-12-31", "reason": "Calendar year"},
    )
    assert response.status_code == 302

    page = client.get(reverse("assessments:review", args=[pk])).content.decode()
    assert "Which tax filings?" in page
    assert "the engine recommended 2025-11-01 to 2026-10-31; the auditor decided 2026-01-01 to 2026-12-31" in page
    assert 'data-testid="step-approve"' in page


def test_an_override_without_a_reason_is_refused_beside_the_field(in_review: Assessment, auditor: User) -> None:
    response = client_for(auditor).post(
        reverse("assessments:override_save", args=[in_review.pk]),
        {"target": SOC2_STRENGTH, "value": "required", "reason": ""},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the reason for the override." in page
    assert 'role="alert"' in page
    assert not Override.objects.exists()


def test_requesting_changes_without_a_comment_keeps_the_status(in_review: Assessment, auditor: User) -> None:
    response = client_for(auditor).post(
        reverse("assessments:review_transition", args=[in_review.pk]), {"action": "request_changes", "comment": ""}
    )

    assert response.status_code == 400
    assert "Enter a comment." in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Assessment.Status.IN_REVIEW


def test_a_manager_resubmits_with_a_comment_from_the_review_page(
    in_review: Assessment, auditor: User, manager: User
) -> None:
    assessment_transition(assessment=in_review, actor=auditor, action="request_changes", comment="Explain.")

    response = client_for(manager).post(
        reverse("assessments:review_transition", args=[in_review.pk]), {"action": "resubmit", "comment": "Done."}
    )

    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == Assessment.Status.RESUBMITTED
    assert in_review.transitions.last().comment == "Done."


def test_the_review_page_reads_in_a_bounded_number_of_queries(
    everything: Assessment, auditor: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(auditor)
    url = reverse("assessments:review", args=[everything.pk])

    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


# ---------------------------------------------------------------------------------------------- assignments


def test_a_manager_assigns_a_firm_on_the_auditors_page(assessment: Assessment, manager: User, firm: Any) -> None:
    client = client_for(manager)
    url = reverse("assessments:assignments", args=[assessment.pk])

    assert client.post(url, {"who": firm.slug}).status_code == 302
    assert html.escape(firm.name) in client.get(url).content.decode()


def test_an_unknown_auditor_is_reported_beside_the_field(assessment: Assessment, manager: User) -> None:
    response = client_for(manager).post(reverse("assessments:assignments", args=[assessment.pk]), {"who": "ghost"})

    assert response.status_code == 400
    assert "No auditor or audit firm is called “ghost”." in response.content.decode()


@pytest.mark.parametrize("who", ["viewer", "auditor"])
def test_only_managers_open_the_auditors_page(request: pytest.FixtureRequest, assessment: Assessment, who: str) -> None:
    response = client_for(request.getfixturevalue(who)).get(reverse("assessments:assignments", args=[assessment.pk]))

    assert response.status_code == 403


def test_the_reviews_list_shows_an_auditor_only_their_assignments(
    assessment: Assessment, auditor: User, unassigned_auditor: User
) -> None:
    assert assessment.name in client_for(auditor).get(reverse("assessments:review_list")).content.decode()
    assert (
        assessment.name not in client_for(unassigned_auditor).get(reverse("assessments:review_list")).content.decode()
    )


# ------------------------------------------------------------------------------------------------ audit log


@pytest.mark.parametrize(("who", "status"), [("manager", 200), ("auditor", 200), ("viewer", 403)])
def test_managers_and_assigned_auditors_read_the_audit_log(
    request: pytest.FixtureRequest, everything: Assessment, who: str, status: int
) -> None:
    client = client_for(request.getfixturevalue(who))

    assert client.get(reverse("assessments:audit_log", args=[everything.pk])).status_code == status
    assert client.get(reverse("assessments:audit_log_csv", args=[everything.pk])).status_code == status


def test_the_audit_log_holds_every_domain_event_and_filters_by_type(everything: Assessment, manager: User) -> None:
    client = client_for(manager)
    url = reverse("assessments:audit_log", args=[everything.pk])

    page = client.get(url).content.decode()
    for action in (
        "assessment.submitted",
        "assessment.review_started",
        "comment.created",
        "override.saved",
        "memo.rendered",
    ):
        assert f'data-action="{action}"' in page

    filtered = client.get(url, {"action": "override.saved"}).content.decode()
    assert filtered.count('data-testid="audit-row"') == 1
    assert "SLA terms" in filtered


def test_the_audit_log_exports_as_csv(everything: Assessment, auditor: User) -> None:
    Comment.objects.all().delete()
    comment_create(assessment=everything, actor=auditor, body="=HYPERLINK(1)")

    response = client_for(auditor).get(reverse("assessments:audit_log_csv", args=[everything.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="assessment-{everything.pk}-audit.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["time", "action", "actor", "object_type", "object_id", "details"]
    actions = [row[1] for row in rows[1:]]
    assert actions[0] == "comment.created"
    assert "assessment.submitted" in actions
    assert len(rows) - 1 == AuditEvent.objects.filter(assessment=everything).count()


def test_the_csv_export_follows_the_filter(everything: Assessment, auditor: User) -> None:
    response = client_for(auditor).get(
        reverse("assessments:audit_log_csv", args=[everything.pk]), {"action": "override.saved"}
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[1] for row in rows[1:]] == ["override.saved"]


def test_the_audit_log_is_append_only(everything: Assessment) -> None:
    event = AuditEvent.objects.filter(assessment=everything).first()

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(assessment=everything).delete()


# -------------------------------------------------------------------------------------------- memo versions


def test_memo_versions_are_listed_and_compared(approved: Assessment, manager: User) -> None:
    client = client_for(manager)
    url = reverse("assessments:memo_versions", args=[approved.pk])

    listing = client.get(url).content.decode()
    assert listing.count('data-testid="memo-version"') == 2
    assert reverse("assessments:memo_download", args=[approved.pk, 2]) in listing

    diff = client.get(url, {"a": "1", "b": "2"}).content.decode()
    assert 'data-testid="diff-overrides"' in diff
    assert "Payroll processing · SOC 2 strength" in diff
    assert "Required (because SLA terms)" in diff
    assert 'data-testid="diff-comments"' in diff
    assert "Checked." in diff


def test_comparing_a_version_that_does_not_exist_is_refused(approved: Assessment, manager: User) -> None:
    response = client_for(manager).get(reverse("assessments:memo_versions", args=[approved.pk]), {"a": "1", "b": "9"})

    assert response.status_code == 400
    assert "Choose two memo versions of this assessment." in response.content.decode()


# ---------------------------------------------------------------------------------------------------- copy


def test_a_manager_starts_a_new_scoping_from_an_approved_one(approved: Assessment, manager: User) -> None:
    response = client_for(manager).post(reverse("assessments:assessment_copy", args=[approved.pk]), {"name": "FY2028"})

    copy = Assessment.objects.get(name="FY2028")
    assert response.status_code == 302
    assert (copy.copied_from, copy.status) == (approved, Assessment.Status.DRAFT)
    assert copy.answers.count() == approved.answers.count()


# ------------------------------------------------------------------------------ comments in the questionnaire


def test_the_manager_sees_the_comment_beside_its_question_and_in_the_section_list(
    in_review: Assessment, service: Service, auditor: User, manager: User
) -> None:
    thread = comment_create(
        assessment=in_review,
        actor=auditor,
        body="Is tax really in scope?",
        service=service,
        question_key="transaction_classes",
    )
    assessment_transition(assessment=in_review, actor=auditor, action="request_changes", comment="See comments.")
    client = client_for(manager)

    section = client.get(
        reverse("assessments:service_section", args=[in_review.pk, service.pk, "financial_reporting_impact"])
    ).content.decode()
    slot = section[section.index('id="q-transaction_classes"') : section.index('id="q-outputs_used_in_financials"')]
    assert "Is tax really in scope?" in slot
    assert f"/review/#comment-{thread.pk}" in slot
    assert "Is tax really in scope?" not in section[section.index('id="q-outputs_used_in_financials"') :]

    detail = client.get(reverse("assessments:assessment_detail", args=[in_review.pk])).content.decode()
    assert detail.count('data-testid="section-open-comments"') == 1
    assert "1 open comment<" in detail


# ------------------------------------------------------------------------------------ commenting on an answer


def answer_target(service: Service, question_key: str = "transaction_classes") -> str:
    return f"{service.pk}-{question_key}"


@pytest.mark.parametrize(
    ("place", "link", "form", "least"),
    [
        ('data-testid="answer-row"', "data-comment-link", 'name="form_id" value="comment-q-', 10),
        ('data-testid="override-target"', "data-override-link", 'name="target"', 5),
    ],
)
def test_each_answer_and_conclusion_offers_a_link_not_a_form_of_its_own(
    in_review: Assessment, auditor: User, place: str, link: str, form: str, least: int
) -> None:
    page = client_for(auditor).get(reverse("assessments:review", args=[in_review.pk])).content.decode()

    places = page.count(place)
    assert places > least
    assert page.count(link) == places
    assert form not in page


def test_a_viewer_sees_the_answers_without_comment_links(in_review: Assessment, viewer: User) -> None:
    page = client_for(viewer).get(reverse("assessments:review", args=[in_review.pk])).content.decode()

    assert 'data-testid="answer-row"' in page
    assert "data-comment-link" not in page


def test_without_javascript_the_comment_link_opens_that_answers_form(
    in_review: Assessment, auditor: User, service: Service
) -> None:
    client = client_for(auditor)
    url = reverse("assessments:review", args=[in_review.pk])
    target = answer_target(service)
    page = client.get(url).content.decode()
    assert f'href="{url}?comment={target}#answer-{target}"' in page

    opened = client.get(url, {"comment": target}).content.decode()
    row = opened[opened.index(f'id="answer-{target}"') :]
    row = row[: row.index("</li>")]
    assert f'id="comment-q-{target}-body"' in row
    assert "autofocus" in row
    assert opened.count('name="form_id" value="comment-q-') == 1
    response = client.post(
        reverse("assessments:comment_create", args=[in_review.pk]),
        {
            "form_id": f"comment-q-{target}",
            "service": service.pk,
            "question_key": "transaction_classes",
            "body": "Why?",
        },
    )
    assert response.status_code == 302
    comment = in_review.comments.get()
    assert (comment.service_id, comment.question_key) == (service.pk, "transaction_classes")


def test_htmx_fetches_only_the_form_of_one_answer(in_review: Assessment, auditor: User, service: Service) -> None:
    response = client_for(auditor).get(
        reverse("assessments:review", args=[in_review.pk]),
        {"comment": answer_target(service)},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith("<form")
    assert f'name="service" value="{service.pk}"' in fragment
    assert 'name="question_key" value="transaction_classes"' in fragment
    assert 'name="csrfmiddlewaretoken"' in fragment
    assert "<html" not in fragment
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "target",
    [
        "org-no_such_question",
        "org-transaction_classes",
        "999999-transaction_classes",
        "²-transaction_classes",
        "nowhere",
        "",
    ],
)
def test_htmx_gets_404_for_an_answer_the_assessment_does_not_have(
    in_review: Assessment, auditor: User, target: str
) -> None:
    response = client_for(auditor).get(
        reverse("assessments:review", args=[in_review.pk]), {"comment": target or "-"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 404


def test_the_answer_form_is_403_for_a_viewer_and_404_for_an_outsider(
    in_review: Assessment, viewer: User, outsider: User, service: Service
) -> None:
    url = reverse("assessments:review", args=[in_review.pk])
    query = {"comment": answer_target(service)}

    assert client_for(viewer).get(url, query, HTTP_HX_REQUEST="true").status_code == 403
    assert client_for(outsider).get(url, query, HTTP_HX_REQUEST="true").status_code == 404


def test_a_refused_answer_comment_reopens_that_form_with_its_message(
    in_review: Assessment, auditor: User, service: Service
) -> None:
    target = answer_target(service)
    response = client_for(auditor).post(
        reverse("assessments:comment_create", args=[in_review.pk]),
        {"form_id": f"comment-q-{target}", "service": service.pk, "question_key": "transaction_classes", "body": " "},
    )

    assert response.status_code == 400
    page = response.content.decode()
    row = page[page.index(f'id="answer-{target}"') :]
    row = row[: row.index("</li>")]
    assert f'aria-describedby="comment-q-{target}-error"' in row
    assert 'role="alert"' in row
    assert "data-comment-link" not in row


def test_answer_rows_escape_the_question_label_and_the_answer() -> None:
    from django.template import Context, Template

    from assessments.models import Question
    from assessments.selectors.review import AnswerRow, SectionAnswers

    question = Question(key="fye", label='Fiscal <b>year</b> "end"')
    row = AnswerRow(question, "<i>x</i>", "<i>x</i>", [], "org-fye")
    block = SectionAnswers(section=None, service=None, rows=[row])

    html_out = Template("{% load review_tags %}{% answer_rows block %}").render(
        Context({"block": block, "can_comment": True, "open_answer": "", "review_url": "/r/"})
    )

    assert "Fiscal &lt;b&gt;year&lt;/b&gt; &quot;end&quot;" in html_out
    assert "&lt;i&gt;x&lt;/i&gt;" in html_out
    assert "<b>" not in html_out and "<i>" not in html_out
    assert 'href="/r/?comment=org-fye#answer-org-fye"' in html_out


def test_the_questionnaires_comment_tags_share_one_query_and_load_replies_only_for_a_shown_thread(
    in_review: Assessment, service: Service, auditor: User, django_assert_num_queries: Any
) -> None:
    from django.template import Context, Template

    from assessments.selectors.review import question_sections

    comment_create(
        assessment=in_review, actor=auditor, body="Tax?", service=service, question_key="transaction_classes"
    )
    page = Template(
        "{% load review_tags %}{% open_comment_count a 'financial_reporting_impact' s as n %}{{ n }} open"
        "{% question_comments a key s %}"
    )
    assessment = Assessment.objects.select_related("bank_version").get(pk=in_review.pk)
    question_sections(assessment)  # the parsed bank is cached per process, as in a running server

    with django_assert_num_queries(1):
        quiet = page.render(Context({"a": assessment, "s": service, "key": "data_types"}))
    with django_assert_num_queries(1):  # the threads are loaded already; only their replies are read now
        shown = page.render(Context({"a": assessment, "s": service, "key": "transaction_classes"}))

    assert quiet == "1 open"
    assert shown.startswith("1 open") and "Tax?" in shown


# ------------------------------------------------------------------------------------ overriding a conclusion


def override_number(page: str, path: str = SOC2_STRENGTH) -> str:
    """The number of `path`'s entry in the page's list of conclusions (its ids are `override-<n>`)."""
    before = page[: page.index(f'data-target="{path}"')]
    return before[before.rindex(' id="override-') + len(' id="override-') :].split('"')[0]


def override_entry(page: str, path: str = SOC2_STRENGTH) -> str:
    """The page's entry for `path`: up to the next conclusion's, or to the end of the list."""
    entry = page[page.index(f'data-target="{path}"') :]
    ends = [i for i in (entry.find('data-testid="override-target"'), entry.find("Withdraw an override")) if i > 0]
    return entry[: min(ends)] if ends else entry


@pytest.mark.parametrize("who", ["manager", "viewer"])
def test_only_the_auditor_sees_override_links(in_review: Assessment, who: str, request: pytest.FixtureRequest) -> None:
    page = client_for(request.getfixturevalue(who)).get(reverse("assessments:review", args=[in_review.pk]))

    assert "data-override-link" not in page.content.decode()


def test_without_javascript_the_override_link_opens_that_conclusions_form(in_review: Assessment, auditor: User) -> None:
    client = client_for(auditor)
    url = reverse("assessments:review", args=[in_review.pk])
    page = client.get(url).content.decode()
    n = override_number(page)
    assert f'href="{url}?override={SOC2_STRENGTH}#override-{n}" data-override-link' in page

    opened = client.get(url, {"override": SOC2_STRENGTH}).content.decode()
    entry = override_entry(opened)
    assert f'name="target" value="{SOC2_STRENGTH}"' in entry
    assert f'id="ovr-{n}-value"' in entry and "autofocus" in entry
    assert "data-override-link" not in entry
    assert opened.count('name="target"') == 1
    response = client.post(
        reverse("assessments:override_save", args=[in_review.pk]),
        {"target": SOC2_STRENGTH, "value": "required", "reason": "SLA terms"},
    )
    assert response.status_code == 302
    assert in_review.overrides.get().value == "required"


def test_htmx_fetches_only_the_form_of_one_conclusion(in_review: Assessment, auditor: User) -> None:
    client = client_for(auditor)
    url = reverse("assessments:review", args=[in_review.pk])
    n = override_number(client.get(url).content.decode())

    response = client.get(url, {"override": SOC2_STRENGTH}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith("<form")
    assert f'name="target" value="{SOC2_STRENGTH}"' in fragment
    assert f'aria-labelledby="ovr-{n}-label"' in fragment
    assert 'name="csrfmiddlewaretoken"' in fragment
    assert "autofocus" in fragment
    assert "<html" not in fragment
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("path", ["services.nowhere.soc2.strength", "reports.soc9.type", "nonsense", "-"])
def test_htmx_gets_404_for_a_conclusion_the_result_does_not_have(
    in_review: Assessment, auditor: User, path: str
) -> None:
    response = client_for(auditor).get(
        reverse("assessments:review", args=[in_review.pk]), {"override": path}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 404


def test_the_override_form_is_403_for_managers_and_viewers_and_404_for_others(
    in_review: Assessment, manager: User, viewer: User, outsider: User, unassigned_auditor: User
) -> None:
    url = reverse("assessments:review", args=[in_review.pk])
    query = {"override": SOC2_STRENGTH}

    outcomes = [
        client_for(user).get(url, query, HTTP_HX_REQUEST="true").status_code
        for user in (manager, viewer, outsider, unassigned_auditor)
    ]

    assert outcomes == [403, 403, 404, 404]


def test_the_override_form_is_403_once_the_assessment_is_approved(approved: Assessment, auditor: User) -> None:
    response = client_for(auditor).get(
        reverse("assessments:review", args=[approved.pk]), {"override": SOC2_STRENGTH}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("value", "reason", "expected"),
    [
        (
            "not_applicable",
            "   ",
            [
                'aria-describedby="ovr-{n}-reason-error" autofocus',
                "Enter the reason for the override.",
                '<option value="not_applicable" selected>',
            ],
        ),
        ("mandatory", "SLA terms", ['aria-describedby="ovr-{n}-value-error" autofocus', ">SLA terms</textarea>"]),
    ],
)
def test_a_refused_override_reopens_that_form_with_its_message_and_the_typed_input(
    in_review: Assessment, auditor: User, value: str, reason: str, expected: list[str]
) -> None:
    response = client_for(auditor).post(
        reverse("assessments:override_save", args=[in_review.pk]),
        {"target": SOC2_STRENGTH, "value": value, "reason": reason},
    )

    assert response.status_code == 400
    page = response.content.decode()
    entry = override_entry(page)
    n = override_number(page)
    assert all(text.format(n=n) in entry for text in expected), entry
    assert 'role="alert"' in entry
    assert "data-override-link" not in entry
    assert page.count('name="target"') == 1
    assert not Override.objects.exists()
