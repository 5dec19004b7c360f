"""`assessments.services.review`: assignments, the workflow, comments, overrides, approval and copying."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import (
    Answer,
    Assessment,
    AuditEvent,
    Membership,
    Organization,
    Override,
    Service,
    Transition,
    User,
)
from assessments.selectors.access import assessment_get, assessment_role
from assessments.selectors.review import (
    assessment_conclusions,
    comment_threads,
    open_comments_by_section,
    threads_by_place,
)
from assessments.services.review import (
    assessment_copy,
    assessment_transition,
    assignment_create,
    assignment_delete,
    comment_create,
    comment_resolve,
    override_delete,
    override_save,
    steps_available,
)
from tests.assessments.intake.support import scoping_bank_publish
from tests.conftest import member

Status = Assessment.Status
SOC2_STRENGTH = "services.payroll.soc2.strength"


def events(assessment: Assessment, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(assessment=assessment, action=action))


# ---------------------------------------------------------------------------------------------- assignments


class TestAssignments:
    def test_a_manager_assigns_an_auditor_by_username_and_the_auditor_then_sees_the_assessment(
        self, assessment: Assessment, manager: User, unassigned_auditor: User
    ) -> None:
        assignment = assignment_create(assessment=assessment, actor=manager, who="uma")

        assert assignment.auditor == unassigned_auditor
        assert assessment_get(unassigned_auditor, assessment.pk) == assessment
        assert events(assessment, "assignment.created")[0].actor == manager

    def test_a_manager_assigns_an_auditor_by_email(
        self, assessment: Assessment, manager: User, unassigned_auditor: User
    ) -> None:
        assignment = assignment_create(assessment=assessment, actor=manager, who=unassigned_auditor.email.upper())

        assert assignment.auditor == unassigned_auditor

    def test_assigning_a_firm_by_slug_lets_every_auditor_of_the_firm_see_it(
        self, assessment: Assessment, manager: User, firm: Organization, unassigned_auditor: User
    ) -> None:
        assignment = assignment_create(assessment=assessment, actor=manager, who=firm.slug)

        assert assignment.firm == firm
        assert assessment_role(unassigned_auditor, assessment) == "auditor"

    @pytest.mark.parametrize("who", ["nobody", "", "oscar"])
    def test_it_refuses_names_that_are_not_auditors_or_firms(
        self, assessment: Assessment, manager: User, outsider: User, who: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            assignment_create(assessment=assessment, actor=manager, who=who)

        assert "who" in caught.value.message_dict
        assert assessment.assignments.count() == 0

    def test_it_refuses_to_assign_the_same_auditor_twice(
        self, assessment: Assessment, manager: User, auditor: User
    ) -> None:
        with pytest.raises(ValidationError, match="already assigned"):
            assignment_create(assessment=assessment, actor=manager, who=auditor.username)

    @pytest.mark.parametrize("role", ["viewer", "auditor"])
    def test_only_managers_assign(self, request: pytest.FixtureRequest, assessment: Assessment, role: str) -> None:
        actor = request.getfixturevalue(role)

        with pytest.raises(PermissionDenied):
            assignment_create(assessment=assessment, actor=actor, who="uma")

    def test_removing_an_assignment_takes_the_assessment_away_from_the_auditor(
        self, assessment: Assessment, manager: User, auditor: User
    ) -> None:
        assignment_delete(assignment=assessment.assignments.get(), actor=manager)

        assert assessment_role(auditor, assessment) is None
        assert events(assessment, "assignment.deleted")[0].data["auditor"] == str(auditor)


# ------------------------------------------------------------------------------------------------ workflow


class TestWorkflow:
    def test_each_role_is_offered_only_its_own_steps(self) -> None:
        assert [s.action for s in steps_available(role="manager", status=Status.DRAFT)] == ["submit"]
        assert [s.action for s in steps_available(role="manager", status=Status.CHANGES_REQUESTED)] == ["resubmit"]
        assert [s.action for s in steps_available(role="auditor", status=Status.SUBMITTED)] == ["start_review"]
        assert [s.action for s in steps_available(role="auditor", status=Status.IN_REVIEW)] == [
            "request_changes",
            "approve",
        ]
        assert steps_available(role="viewer", status=Status.IN_REVIEW) == []
        assert steps_available(role="manager", status=Status.APPROVED) == []
        assert steps_available(role="auditor", status=Status.APPROVED) == []

    def test_submitting_records_the_transition_and_tells_the_assigned_auditor(
        self,
        assessment: Assessment,
        service: Service,
        manager: User,
        auditor: User,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        from assessments.services.intake import assessment_submit

        with django_capture_on_commit_callbacks(execute=True):
            assessment_submit(assessment=assessment, actor=manager)

        transition = Transition.objects.get(assessment=assessment)
        assert (transition.from_status, transition.to_status, transition.actor) == ("draft", "submitted", manager)
        assert events(assessment, "assessment.submitted")[0].actor == manager
        assert [m.to for m in mail.outbox] == [[auditor.email]]
        assert f"/assessments/{assessment.pk}/review/" in mail.outbox[0].body

    def test_the_full_loop_records_who_moved_it_when_and_why(
        self, submitted: Assessment, manager: User, auditor: User, service: Service
    ) -> None:
        from assessments.services.intake import assessment_submit

        assessment_transition(assessment=submitted, actor=auditor, action="start_review")
        assessment_transition(
            assessment=submitted, actor=auditor, action="request_changes", comment="Explain the tax filings."
        )
        assert Assessment.objects.get(pk=submitted.pk).is_editable
        assessment_submit(assessment=submitted, actor=manager, comment="Explained.")
        assessment_transition(assessment=submitted, actor=auditor, action="start_review")
        assessment_transition(assessment=submitted, actor=auditor, action="approve", comment="Scope agreed.")

        steps = list(
            Transition.objects.filter(assessment=submitted).values_list("to_status", "actor__username", "comment")
        )
        assert steps == [
            ("submitted", "maria", ""),
            ("in_review", "ada", ""),
            ("changes_requested", "ada", "Explain the tax filings."),
            ("resubmitted", "maria", "Explained."),
            ("in_review", "ada", ""),
            ("approved", "ada", "Scope agreed."),
        ]
        assert all(t.created_at <= timezone.now() for t in Transition.objects.filter(assessment=submitted))
        assert Assessment.objects.get(pk=submitted.pk).status == Status.APPROVED

    def test_requesting_changes_needs_a_comment(self, in_review: Assessment, auditor: User) -> None:
        with pytest.raises(ValidationError) as caught:
            assessment_transition(assessment=in_review, actor=auditor, action="request_changes", comment="  ")

        assert "comment" in caught.value.message_dict
        assert Assessment.objects.get(pk=in_review.pk).status == Status.IN_REVIEW

    @pytest.mark.parametrize("action", ["start_review", "request_changes", "approve"])
    def test_a_manager_cannot_take_the_auditors_steps(self, submitted: Assessment, manager: User, action: str) -> None:
        with pytest.raises(PermissionDenied):
            assessment_transition(assessment=submitted, actor=manager, action=action, comment="x")

    def test_an_auditor_cannot_submit(self, assessment: Assessment, service: Service, auditor: User) -> None:
        from assessments.services.intake import assessment_submit

        with pytest.raises(PermissionDenied):
            assessment_submit(assessment=assessment, actor=auditor)

    def test_approving_needs_the_review_to_have_started(self, submitted: Assessment, auditor: User) -> None:
        with pytest.raises(ValidationError, match="cannot approve"):
            assessment_transition(assessment=submitted, actor=auditor, action="approve")

    def test_changes_requested_and_approval_are_mailed_to_the_managers(
        self,
        in_review: Assessment,
        auditor: User,
        manager: User,
        colleague: User,
        viewer: User,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            assessment_transition(assessment=in_review, actor=auditor, action="request_changes", comment="Fix it.")

        assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, colleague.email])
        assert mail.outbox[0].subject == f"Changes requested: {in_review.name}"
        assert "Fix it." in mail.outbox[0].body

    def test_approval_renders_an_approval_memo_and_mails_the_managers(
        self, in_review: Assessment, auditor: User, manager: User, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            assessment_transition(assessment=in_review, actor=auditor, action="approve")

        memo = in_review.memos.order_by("-number").first()
        assert memo.kind == "approval"
        assert any(m.subject == f"Approved: {in_review.name}" and m.to == [manager.email] for m in mail.outbox)

    def test_no_mail_leaves_when_the_transaction_rolls_back(
        self, in_review: Assessment, auditor: User, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assessment_transition(assessment=in_review, actor=auditor, action="request_changes", comment="Fix it.")

        assert mail.outbox == []
        assert len(callbacks) == 1


class TestApprovedIsFinal:
    @pytest.fixture
    def approved(self, in_review: Assessment, auditor: User) -> Assessment:
        assessment_transition(assessment=in_review, actor=auditor, action="approve")
        in_review.refresh_from_db()
        return in_review

    @pytest.mark.parametrize(
        ("role", "action"),
        [
            ("auditor", "start_review"),
            ("auditor", "request_changes"),
            ("auditor", "approve"),
            ("manager", "resubmit"),
        ],
    )
    def test_no_step_leads_out_of_approved(
        self, request: pytest.FixtureRequest, approved: Assessment, role: str, action: str
    ) -> None:
        with pytest.raises(PermissionDenied, match="approved and final"):
            assessment_transition(assessment=approved, actor=request.getfixturevalue(role), action=action, comment="x")

    def test_it_cannot_be_resubmitted(self, approved: Assessment, manager: User) -> None:
        from assessments.services.intake import assessment_submit

        with pytest.raises(PermissionDenied):
            assessment_submit(assessment=approved, actor=manager)

    def test_nobody_comments_overrides_or_assigns(
        self, approved: Assessment, manager: User, auditor: User, service: Service
    ) -> None:
        with pytest.raises(PermissionDenied):
            comment_create(assessment=approved, actor=auditor, body="late")
        with pytest.raises(PermissionDenied):
            override_save(assessment=approved, actor=auditor, target=SOC2_STRENGTH, value="required", reason="x")
        with pytest.raises(PermissionDenied):
            assignment_create(assessment=approved, actor=manager, who="uma")

    def test_its_answers_cannot_change(self, approved: Assessment, manager: User) -> None:
        from assessments.services.intake import section_answers_save

        with pytest.raises(PermissionDenied):
            section_answers_save(
                assessment=approved,
                service=None,
                section_key="organization_reports",
                data={"_shown": "controls_operating_months", "controls_operating_months": "2"},
                expected_version=0,
                actor=manager,
            )
        assert Answer.objects.get(assessment=approved, question_key="controls_operating_months").value == 30


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (Status.DRAFT, True),
        (Status.SUBMITTED, False),
        (Status.IN_REVIEW, False),
        (Status.CHANGES_REQUESTED, True),
        (Status.RESUBMITTED, False),
        (Status.APPROVED, False),
    ],
)
def test_answers_are_editable_only_in_draft_and_changes_requested(
    assessment: Assessment, service: Service, manager: User, status: str, editable: bool
) -> None:
    from assessments.services.intake import section_answers_save

    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment.refresh_from_db()

    def save() -> None:
        section_answers_save(
            assessment=assessment,
            service=None,
            section_key="organization_reports",
            data={"_shown": "controls_operating_months", "controls_operating_months": "31"},
            expected_version=0,
            actor=manager,
        )

    assert assessment.is_editable is editable
    if editable:
        save()
        assert Answer.objects.get(assessment=assessment, question_key="controls_operating_months").value == 31
    else:
        with pytest.raises(PermissionDenied):
            save()
        assert Answer.objects.get(assessment=assessment, question_key="controls_operating_months").value == 30


# ------------------------------------------------------------------------------------------------ comments


class TestComments:
    def test_an_auditor_comments_on_one_answer_and_the_managers_are_told(
        self,
        submitted: Assessment,
        service: Service,
        auditor: User,
        manager: User,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            comment = comment_create(
                assessment=submitted,
                actor=auditor,
                body="Why is tax included?",
                service=service,
                question_key="transaction_classes",
            )

        assert (comment.service, comment.question_key, comment.resolved) == (service, "transaction_classes", False)
        assert events(submitted, "comment.created")[0].data["question"] == "transaction_classes"
        to_manager = next(m for m in mail.outbox if m.to == [manager.email])
        assert f"#comment-{comment.pk}" in to_manager.body
        assert "Why is tax included?" in to_manager.body
        assert all(m.to != [auditor.email] for m in mail.outbox)

    def test_replies_join_the_thread_even_when_they_answer_a_reply(
        self, submitted: Assessment, service: Service, auditor: User, manager: User
    ) -> None:
        thread = comment_create(assessment=submitted, actor=auditor, body="Q", service=service)
        reply = comment_create(assessment=submitted, actor=manager, body="A", parent=thread)
        second = comment_create(assessment=submitted, actor=auditor, body="B", parent=reply)

        assert [c.body for c in thread.replies.order_by("id")] == ["A", "B"]
        assert second.parent == thread
        assert second.service == service

    def test_a_thread_is_resolved_and_reopened(self, submitted: Assessment, auditor: User, manager: User) -> None:
        thread = comment_create(assessment=submitted, actor=auditor, body="Q")

        comment_resolve(comment=thread, actor=manager, resolved=True)
        thread.refresh_from_db()
        assert (thread.resolved, thread.resolved_by) == (True, manager)

        comment_resolve(comment=thread, actor=auditor, resolved=False)
        thread.refresh_from_db()
        assert (thread.resolved, thread.resolved_by, thread.resolved_at) == (False, None, None)
        assert [e.action for e in AuditEvent.objects.filter(assessment=submitted).order_by("id")][-2:] == [
            "comment.resolved",
            "comment.reopened",
        ]

    def test_a_reply_reopens_a_resolved_thread(self, submitted: Assessment, auditor: User, manager: User) -> None:
        thread = comment_create(assessment=submitted, actor=auditor, body="Q")
        comment_resolve(comment=thread, actor=manager)

        comment_create(assessment=submitted, actor=auditor, body="Not quite.", parent=thread)

        thread.refresh_from_db()
        assert thread.resolved is False

    @pytest.mark.parametrize(
        ("question_key", "with_service", "message"),
        [
            ("no_such_question", True, "no such question"),
            ("transaction_classes", False, "Name the service"),
            ("client_fye_month", True, "Name the service"),
        ],
    )
    def test_it_refuses_comments_on_questions_that_do_not_fit(
        self,
        submitted: Assessment,
        service: Service,
        auditor: User,
        question_key: str,
        with_service: bool,
        message: str,
    ) -> None:
        with pytest.raises(ValidationError, match=message):
            comment_create(
                assessment=submitted,
                actor=auditor,
                body="?",
                service=service if with_service else None,
                question_key=question_key,
            )

    def test_it_refuses_an_empty_comment(self, submitted: Assessment, auditor: User) -> None:
        with pytest.raises(ValidationError) as caught:
            comment_create(assessment=submitted, actor=auditor, body="   ")

        assert "body" in caught.value.message_dict

    def test_a_viewer_cannot_comment(self, submitted: Assessment, viewer: User) -> None:
        with pytest.raises(PermissionDenied):
            comment_create(assessment=submitted, actor=viewer, body="hi")

    def test_the_section_list_counts_open_threads_per_section(
        self, submitted: Assessment, service: Service, auditor: User, manager: User
    ) -> None:
        comment_create(assessment=submitted, actor=auditor, body="1", service=service, question_key="data_types")
        comment_create(
            assessment=submitted, actor=auditor, body="2", service=service, question_key="stores_customer_data"
        )
        done = comment_create(assessment=submitted, actor=auditor, body="3", question_key="client_fye_month")
        comment_resolve(comment=done, actor=manager)

        by_place = threads_by_place(comment_threads(submitted, replies=False))

        assert open_comments_by_section(submitted, by_place) == {(service.pk, "data_and_commitments"): 2}


# ----------------------------------------------------------------------------------------------- overrides


class TestOverrides:
    def test_the_auditor_overrides_a_conclusion_with_a_reason(self, in_review: Assessment, auditor: User) -> None:
        override = override_save(
            assessment=in_review, actor=auditor, target=SOC2_STRENGTH, value="required", reason="Customers demand it"
        )

        assert (override.engine_value, override.value) == ("recommended", "required")
        shown = assessment_conclusions(in_review).shown
        assert shown["services"][0]["soc2"]["strength"] == "required"
        assert shown["overrides"][0]["sentence"].endswith(
            "the engine recommended Recommended; the auditor decided Required because Customers demand it."
        )
        event = events(in_review, "override.saved")[0]
        assert (event.data["engine_value"], event.data["value"], event.data["before"]) == (
            "recommended",
            "required",
            None,
        )

    def test_overriding_the_same_conclusion_again_replaces_the_first_decision(
        self, in_review: Assessment, auditor: User
    ) -> None:
        override_save(assessment=in_review, actor=auditor, target="reports.soc2.type", value="type1", reason="First")
        override_save(
            assessment=in_review,
            actor=auditor,
            target="reports.soc1.period",
            value={"start": "2026-01-01", "end": "2026-12-31"},
            reason="Calendar year",
        )
        override_save(
            assessment=in_review,
            actor=auditor,
            target="subservice_organizations.Cloud IaaS Co..method",
            value="inclusive",
            reason="They take part",
        )
        override_save(
            assessment=in_review,
            actor=auditor,
            target="services.payroll.soc2.categories.availability",
            value="true",
            reason="Uptime SLA in contracts",
        )
        override_save(assessment=in_review, actor=auditor, target="reports.soc2.type", value="type1", reason="Second")

        assert Override.objects.filter(assessment=in_review).count() == 4
        assert Override.objects.get(assessment=in_review, target="reports.soc2.type").reason == "Second"
        assert events(in_review, "override.saved")[0].data["before"] == {"value": "type1", "reason": "First"}

    def test_a_reason_is_mandatory(self, in_review: Assessment, auditor: User) -> None:
        with pytest.raises(ValidationError) as caught:
            override_save(assessment=in_review, actor=auditor, target=SOC2_STRENGTH, value="required", reason=" ")

        assert "reason" in caught.value.message_dict
        assert not Override.objects.exists()

    def test_it_refuses_the_engines_own_value(self, in_review: Assessment, auditor: User) -> None:
        with pytest.raises(ValidationError, match="already recommends"):
            override_save(assessment=in_review, actor=auditor, target=SOC2_STRENGTH, value="recommended", reason="x")

    def test_it_refuses_a_target_the_result_does_not_have(self, in_review: Assessment, auditor: User) -> None:
        with pytest.raises(ValidationError) as caught:
            override_save(
                assessment=in_review,
                actor=auditor,
                target="services.billing.soc1.strength",
                value="required",
                reason="x",
            )

        assert "target" in caught.value.message_dict

    def test_a_manager_cannot_override(self, in_review: Assessment, manager: User) -> None:
        with pytest.raises(PermissionDenied):
            override_save(assessment=in_review, actor=manager, target=SOC2_STRENGTH, value="required", reason="x")

    def test_overrides_wait_for_the_review_to_start(self, submitted: Assessment, auditor: User) -> None:
        with pytest.raises(ValidationError, match="Start the review"):
            override_save(assessment=submitted, actor=auditor, target=SOC2_STRENGTH, value="required", reason="x")

    def test_withdrawing_an_override_restores_the_engines_conclusion(
        self, in_review: Assessment, auditor: User
    ) -> None:
        override = override_save(
            assessment=in_review, actor=auditor, target=SOC2_STRENGTH, value="required", reason="x"
        )

        override_delete(override=override, actor=auditor)

        assert assessment_conclusions(in_review).shown["services"][0]["soc2"]["strength"] == "recommended"
        assert events(in_review, "override.withdrawn")[0].data["target"] == SOC2_STRENGTH

    def test_the_approval_memo_freezes_the_overrides(self, in_review: Assessment, auditor: User) -> None:
        override_save(assessment=in_review, actor=auditor, target=SOC2_STRENGTH, value="required", reason="SLA")

        assessment_transition(assessment=in_review, actor=auditor, action="approve")

        memo = in_review.memos.get(kind="approval")
        assert [(o["target"], o["value"], o["reason"]) for o in memo.overrides] == [(SOC2_STRENGTH, "required", "SLA")]


# ---------------------------------------------------------------------------------------------------- copy


class TestCopy:
    def test_a_copy_is_a_new_draft_with_the_same_services_vendors_and_answers(
        self, submitted: Assessment, manager: User, service: Service
    ) -> None:
        # Published through the importer, as every published version is: the copy counts its progress on it.
        newer = scoping_bank_publish()
        copy = assessment_copy(assessment=submitted, actor=manager, name="FY2028 scoping")

        assert (copy.name, copy.status, copy.copied_from, copy.organization) == (
            "FY2028 scoping",
            Status.DRAFT,
            submitted,
            submitted.organization,
        )
        assert copy.bank_version == newer
        assert copy.as_of == timezone.localdate()
        assert list(copy.services.values_list("key", "name")) == [("payroll", "Payroll processing")]
        vendor = copy.subservice_organizations.get()
        assert (vendor.name, list(vendor.services.values_list("key", flat=True))) == ("Cloud IaaS Co.", ["payroll"])
        assert events(copy, "assessment.created")[0].data["copied_from"] == submitted.pk

    def test_answers_are_copied_when_the_bank_still_asks_them(
        self, submitted: Assessment, manager: User, service: Service
    ) -> None:
        copy = assessment_copy(assessment=submitted, actor=manager)

        copied = {(a.service.key if a.service else None, a.question_key): a.value for a in copy.answers.all()}
        original = {(a.service.key if a.service else None, a.question_key): a.value for a in submitted.answers.all()}
        assert copied == original
        assert copy.name == f"{submitted.name} (copy)"

    @pytest.mark.parametrize("role", ["viewer", "auditor"])
    def test_only_managers_copy(self, request: pytest.FixtureRequest, submitted: Assessment, role: str) -> None:
        with pytest.raises(PermissionDenied):
            assessment_copy(assessment=submitted, actor=request.getfixturevalue(role))


# --------------------------------------------------------------------------------------------- notifications


def test_a_firm_assignment_mails_every_auditor_of_the_firm(
    assessment: Assessment,
    service: Service,
    manager: User,
    firm: Organization,
    unassigned_auditor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from assessments.services.intake import assessment_submit

    other = member(firm, Membership.Role.AUDITOR, username="otto")
    assignment_create(assessment=assessment, actor=manager, who=firm.slug)

    with django_capture_on_commit_callbacks(execute=True):
        assessment_submit(assessment=assessment, actor=manager)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([unassigned_auditor.email, other.email])
    assert all(m.subject == f"Submitted for review: {assessment.name}" for m in mail.outbox)


def test_the_link_in_each_mail_uses_the_site_url(
    in_review: Assessment, auditor: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SITE_URL = "https://socscope.example"

    with django_capture_on_commit_callbacks(execute=True):
        assessment_transition(assessment=in_review, actor=auditor, action="request_changes", comment="Fix")

    assert f"https://socscope.example/assessments/{in_review.pk}/review/" in mail.outbox[0].body
