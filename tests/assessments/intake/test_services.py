from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import (
    Answer,
    Assessment,
    AuditEvent,
    BankVersion,
    Memo,
    Organization,
    SectionState,
    Service,
    SubserviceOrganization,
    Transition,
    User,
)
from assessments.selectors.intake import Progress, assessment_profile, intake_load
from assessments.services.banks import bank_version_retire
from assessments.services.intake import (
    AssessmentLockedError,
    SectionValidationError,
    StaleSectionError,
    assessment_create,
    assessment_submit,
    section_answers_save,
    service_add,
    service_remove,
    service_rename,
    subservice_organization_add,
    subservice_organization_remove,
    subservice_organization_update,
)
from assessments.services.profiles import assessment_import_profile
from assessments.services.review import assessment_copy
from tests.assessments.intake.support import ORG_ANSWERS, SERVICE_ANSWERS, answers_set
from tests.factories import AssessmentFactory, ServiceFactory

AS_OF = dt.date(2026, 11, 26)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# ------------------------------------------------------------------------------------------------ assessment


def test_a_manager_creates_an_assessment_on_the_newest_published_bank(
    org: Organization, manager: User, scoping_bank: BankVersion
) -> None:
    assessment = assessment_create(organization=org, name="  FY2027   scoping ", as_of=AS_OF, actor=manager)

    assert assessment.name == "FY2027 scoping"
    assert assessment.bank_version == scoping_bank
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.created_by == manager == assessment.updated_by
    [event] = events("assessment.created")
    assert event.data == {"name": "FY2027 scoping", "as_of": "2026-11-26", "bank_version": scoping_bank.label}


@pytest.mark.parametrize("who", ["viewer", "outsider", "unassigned_auditor"])
def test_only_the_organizations_managers_create_assessments(
    request: pytest.FixtureRequest, org: Organization, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        assessment_create(organization=org, name="Sneaky", as_of=AS_OF, actor=request.getfixturevalue(who))

    assert not Assessment.objects.filter(name="Sneaky").exists()


def test_an_assessment_needs_a_name(org: Organization, manager: User) -> None:
    with pytest.raises(ValidationError) as caught:
        assessment_create(organization=org, name="   ", as_of=AS_OF, actor=manager)

    assert "name" in caught.value.error_dict


def test_without_a_published_bank_there_is_a_clear_message(org: Organization, manager: User) -> None:
    for version in BankVersion.objects.filter(bank__key="default", status=BankVersion.Status.PUBLISHED):
        bank_version_retire(version=version, actor=None)

    with pytest.raises(ValidationError, match="No question bank has been published"):
        assessment_create(organization=org, name="FY2027", as_of=AS_OF, actor=manager)


# ------------------------------------------------------------------------------------------------ services


def test_adding_services_gives_each_a_unique_stable_key(assessment: Assessment, manager: User) -> None:
    first = service_add(assessment=assessment, name="Payroll processing", actor=manager)
    second = service_add(assessment=assessment, name="Payroll  Processing!", description="Again", actor=manager)

    assert first.key == "payroll-processing"
    assert second.key == "payroll-processing-2"
    assert second.position > first.position
    assert [e.data["key"] for e in events("service.added")] == ["payroll-processing", "payroll-processing-2"]
    assessment.refresh_from_db()
    assert assessment.updated_by == manager


def test_a_service_name_is_used_once_per_assessment(assessment: Assessment, manager: User) -> None:
    service_add(assessment=assessment, name="Payroll", actor=manager)

    with pytest.raises(ValidationError) as caught:
        service_add(assessment=assessment, name="payroll", actor=manager)

    assert "already a service" in caught.value.error_dict["name"][0].message


def test_renaming_keeps_the_key_and_records_before_and_after(assessment: Assessment, manager: User) -> None:
    service = service_add(assessment=assessment, name="Payroll", actor=manager)

    service_rename(service=service, name="Payroll processing", description="Pay runs", actor=manager)

    service.refresh_from_db()
    assert (service.key, service.name, service.description) == ("payroll", "Payroll processing", "Pay runs")
    [event] = events("service.renamed")
    assert event.data["before"] == {"name": "Payroll", "description": ""}
    assert event.data["after"] == {"name": "Payroll processing", "description": "Pay runs"}


def test_removing_a_service_deletes_its_answers_and_keeps_them_in_the_log(
    assessment: Assessment, manager: User
) -> None:
    service = service_add(assessment=assessment, name="Payroll", actor=manager)
    answers_set(assessment, {"stores_customer_data": True}, service=service)

    service_remove(service=service, actor=manager)

    assert not Service.objects.filter(pk=service.pk).exists()
    assert not Answer.objects.filter(assessment=assessment).exists()
    [event] = events("service.removed")
    assert event.data["answers"] == {"stores_customer_data": True}


def test_a_viewer_cannot_change_services(assessment: Assessment, viewer: User) -> None:
    with pytest.raises(PermissionDenied):
        service_add(assessment=assessment, name="Payroll", actor=viewer)

    assert not assessment.services.exists()


# ------------------------------------------------------------------------------------- subservice organizations


def test_a_subservice_organization_records_what_it_supports(assessment: Assessment, manager: User) -> None:
    payroll = service_add(assessment=assessment, name="Payroll", actor=manager)
    service_add(assessment=assessment, name="Benefits", actor=manager)

    sub = subservice_organization_add(
        assessment=assessment,
        name="Cloud IaaS Co",
        provides="Infrastructure hosting",
        services=[payroll],
        has_soc_report="yes",
        controls_required="yes",
        will_participate="no",
        actor=manager,
    )

    assert list(sub.services.all()) == [payroll]
    [event] = events("subservice_organization.added")
    assert event.data["services"] == ["payroll"]
    assert event.data["will_participate"] == "no"


def test_updating_a_subservice_organization_logs_the_change(assessment: Assessment, manager: User) -> None:
    payroll = service_add(assessment=assessment, name="Payroll", actor=manager)
    sub = subservice_organization_add(assessment=assessment, name="Cloud IaaS Co", actor=manager)

    subservice_organization_update(
        subservice_organization=sub,
        name="Cloud IaaS Co",
        services=[payroll],
        has_soc_report="no",
        controls_required="yes",
        will_participate="unknown",
        actor=manager,
    )

    sub.refresh_from_db()
    assert sub.has_soc_report == "no"
    [event] = events("subservice_organization.updated")
    assert event.data["before"]["services"] == []
    assert event.data["after"]["services"] == ["payroll"]


def test_a_subservice_organization_may_only_support_services_of_its_assessment(
    assessment: Assessment, manager: User
) -> None:
    elsewhere = ServiceFactory()

    with pytest.raises(ValidationError):
        subservice_organization_add(assessment=assessment, name="Vendor", services=[elsewhere], actor=manager)

    assert not SubserviceOrganization.objects.exists()


def test_a_subservice_answer_must_be_yes_no_or_dont_know(assessment: Assessment, manager: User) -> None:
    with pytest.raises(ValidationError) as caught:
        subservice_organization_add(assessment=assessment, name="Vendor", has_soc_report="maybe", actor=manager)

    assert "has_soc_report" in caught.value.error_dict


def test_removing_a_subservice_organization_is_logged(assessment: Assessment, manager: User) -> None:
    sub = subservice_organization_add(assessment=assessment, name="Vendor", actor=manager)

    subservice_organization_remove(subservice_organization=sub, actor=manager)

    assert not SubserviceOrganization.objects.exists()
    assert events("subservice_organization.removed")[0].data["name"] == "Vendor"


# ------------------------------------------------------------------------------------------------ answers


def save_org(assessment: Assessment, user: User, data: dict[str, object], version: int = 0) -> SectionState:
    return section_answers_save(
        assessment=assessment,
        service=None,
        section_key="organization_reports",
        data=data,
        expected_version=version,
        actor=user,
    )


def stored(assessment: Assessment, service: Service | None = None) -> dict[str, object]:
    return dict(Answer.objects.filter(assessment=assessment, service=service).values_list("question_key", "value"))


def test_saving_a_section_stores_contract_values_and_logs_each_change(assessment: Assessment, manager: User) -> None:
    state = save_org(
        assessment,
        manager,
        {"controls_operating_months": "14", "public_report_wanted": "no", "prior_reports": ["none"]},
    )

    assert state.version == 1
    assert state.updated_by == manager
    assert stored(assessment) == {
        "controls_operating_months": 14,
        "public_report_wanted": False,
        "prior_reports": ["none"],
    }
    [event] = events("answers.changed")
    assert event.data["section"] == "organization_reports"
    assert event.data["service"] is None
    assert event.data["changes"]["controls_operating_months"] == {"before": None, "after": 14}

    save_org(assessment, manager, {"controls_operating_months": "20", "public_report_wanted": "no"}, version=1)

    assert stored(assessment) == {"controls_operating_months": 20, "public_report_wanted": False}
    changes = events("answers.changed")[1].data["changes"]
    assert changes == {
        "controls_operating_months": {"before": 14, "after": 20},
        "prior_reports": {"before": ["none"], "after": None},
    }


def test_a_service_section_stores_answers_for_that_service(assessment: Assessment, manager: User) -> None:
    payroll = service_add(assessment=assessment, name="Payroll", actor=manager)
    benefits = service_add(assessment=assessment, name="Benefits", actor=manager)

    section_answers_save(
        assessment=assessment,
        service=benefits,
        section_key="data_and_commitments",
        data={"stores_customer_data": "yes"},
        expected_version=0,
        actor=manager,
    )

    assert stored(assessment, benefits) == {"stores_customer_data": True}
    assert stored(assessment, payroll) == {}
    assert events("answers.changed")[0].data["service"] == "benefits"


def test_hidden_questions_are_not_saved(assessment: Assessment, manager: User) -> None:
    save_org(assessment, manager, {"prior_reports": ["none"], "prior_report_period_end": "2026-06-30"})

    assert "prior_report_period_end" not in stored(assessment)


def test_a_follow_up_revealed_by_the_same_save_keeps_its_saved_answer(assessment: Assessment, manager: User) -> None:
    answers_set(assessment, {"prior_reports": ["none"], "prior_report_period_end": "2026-06-30"})

    save_org(assessment, manager, {"_shown": ["prior_reports"], "prior_reports": ["soc2_type2"]})

    assert stored(assessment)["prior_report_period_end"] == "2026-06-30"


def test_a_validation_error_saves_nothing_and_returns_the_bound_form(assessment: Assessment, manager: User) -> None:
    with pytest.raises(SectionValidationError) as caught:
        save_org(assessment, manager, {"controls_operating_months": "900", "public_report_wanted": "yes"})

    form = caught.value.form
    assert "no greater than 600" in form.errors["controls_operating_months"][0]
    assert form["public_report_wanted"].value() == "yes"
    assert stored(assessment) == {}
    assert not SectionState.objects.exists()
    assert not events("answers.changed")


def test_the_second_of_two_saves_from_the_same_version_is_refused(
    assessment: Assessment, manager: User, colleague: User
) -> None:
    save_org(assessment, colleague, {"controls_operating_months": "6"}, version=0)

    with pytest.raises(StaleSectionError) as caught:
        save_org(assessment, manager, {"controls_operating_months": "30"}, version=0)

    assert stored(assessment) == {"controls_operating_months": 6}
    assert caught.value.state.version == 1
    assert "Colin Colleague saved this section" in str(caught.value)
    assert len(events("answers.changed")) == 1


def test_a_save_from_another_tab_of_the_same_person_says_so(assessment: Assessment, manager: User) -> None:
    save_org(assessment, manager, {"controls_operating_months": "6"}, version=0)

    with pytest.raises(StaleSectionError, match="You saved this section in another window"):
        save_org(assessment, manager, {"controls_operating_months": "7"}, version=0)


@pytest.mark.parametrize("who", ["viewer", "auditor", "outsider"])
def test_only_managers_save_answers(request: pytest.FixtureRequest, assessment: Assessment, who: str) -> None:
    with pytest.raises(PermissionDenied):
        save_org(assessment, request.getfixturevalue(who), {"controls_operating_months": "6"})

    assert stored(assessment) == {}


def test_a_section_of_the_wrong_level_is_refused(assessment: Assessment, manager: User) -> None:
    with pytest.raises(ValidationError):
        section_answers_save(
            assessment=assessment,
            service=None,
            section_key="data_and_commitments",
            data={},
            expected_version=0,
            actor=manager,
        )


# ------------------------------------------------------------------------------------------------ submission


@pytest.fixture
def answered(assessment: Assessment, manager: User) -> Assessment:
    service = service_add(assessment=assessment, name="Payroll processing", actor=manager)
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, SERVICE_ANSWERS, service=service)
    return assessment


def test_submitting_freezes_the_answers_and_makes_a_memo(answered: Assessment, manager: User) -> None:
    memo = assessment_submit(assessment=answered, actor=manager)

    answered.refresh_from_db()
    assert answered.status == Assessment.Status.SUBMITTED
    assert answered.status == Assessment.objects.get(pk=answered.pk).status
    [transition] = Transition.objects.filter(assessment=answered)
    assert (transition.from_status, transition.to_status, transition.actor) == ("draft", "submitted", manager)
    assert memo.bank_version == answered.bank_version
    assert memo.profile["organization"]["answers"]["controls_operating_months"] == 14
    assert memo.result["schema"] == "socscope.result/1"
    assert events("assessment.submitted")[0].data["bank_version"] == answered.bank_version.label
    with pytest.raises(AssessmentLockedError):
        save_org(answered, manager, {"controls_operating_months": "1"}, version=0)
    with pytest.raises(AssessmentLockedError):
        service_add(assessment=answered, name="Another", actor=manager)


def test_a_second_submit_is_refused_and_makes_no_second_memo(answered: Assessment, manager: User) -> None:
    assessment_submit(assessment=answered, actor=manager)

    with pytest.raises(ValidationError):
        assessment_submit(assessment=Assessment.objects.get(pk=answered.pk), actor=manager)

    assert Memo.objects.filter(assessment=answered).count() == 1
    assert Transition.objects.filter(assessment=answered).count() == 1


def test_a_stale_copy_of_a_submitted_assessment_cannot_submit_again(answered: Assessment, manager: User) -> None:
    stale = Assessment.objects.get(pk=answered.pk)
    assessment_submit(assessment=answered, actor=manager)

    with pytest.raises(ValidationError):
        assessment_submit(assessment=stale, actor=manager)

    assert Memo.objects.filter(assessment=answered).count() == 1


def test_submitting_needs_every_shown_required_question_answered(answered: Assessment, manager: User) -> None:
    Answer.objects.filter(assessment=answered, question_key="system_name").delete()

    with pytest.raises(ValidationError, match="1 required question is not answered"):
        assessment_submit(assessment=answered, actor=manager)

    answered.refresh_from_db()
    assert answered.status == Assessment.Status.DRAFT
    assert not Memo.objects.exists()


def test_submitting_needs_a_service(org: Organization, manager: User) -> None:
    empty = AssessmentFactory(organization=org)
    answers_set(empty, ORG_ANSWERS)

    with pytest.raises(ValidationError, match="at least one service"):
        assessment_submit(assessment=empty, actor=manager)


def test_a_viewer_cannot_submit(answered: Assessment, viewer: User) -> None:
    with pytest.raises(PermissionDenied):
        assessment_submit(assessment=answered, actor=viewer)

    assert not Memo.objects.exists()


def test_after_changes_are_requested_the_manager_resubmits(answered: Assessment, manager: User) -> None:
    Assessment.objects.filter(pk=answered.pk).update(status=Assessment.Status.CHANGES_REQUESTED)
    answered.refresh_from_db()

    assessment_submit(assessment=answered, actor=manager)

    answered.refresh_from_db()
    assert answered.status == Assessment.Status.RESUBMITTED
    assert Memo.objects.filter(assessment=answered).count() == 1


# ------------------------------------------------------------------------------------------------ stored progress


def stored_progress(assessment: Assessment) -> Progress:
    row = Assessment.objects.get(pk=assessment.pk)
    return Progress(row.answered_count, row.required_count)


def live_progress(assessment: Assessment) -> Progress:
    return intake_load(Assessment.objects.select_related("bank_version").get(pk=assessment.pk)).progress()


def test_a_new_assessment_stores_the_progress_of_the_organizations_questions(org: Organization, manager: User) -> None:
    assessment = assessment_create(organization=org, name="FY2027 scoping", as_of=AS_OF, actor=manager)

    assert stored_progress(assessment) == live_progress(assessment)
    assert stored_progress(assessment).required > 0
    assert (assessment.answered_count, assessment.required_count) == (0, stored_progress(assessment).required)


def test_saving_a_section_stores_the_new_progress(assessment: Assessment, manager: User) -> None:
    service_add(assessment=assessment, name="Payroll", actor=manager)
    before = stored_progress(assessment)

    section_answers_save(
        assessment=assessment,
        service=None,
        section_key="organization_reports",
        data={"controls_operating_months": "14"},
        expected_version=0,
        actor=manager,
    )

    assert stored_progress(assessment) == live_progress(assessment)
    assert stored_progress(assessment).answered == before.answered + 1


def test_adding_a_service_stores_its_required_questions_in_the_progress(assessment: Assessment, manager: User) -> None:
    before = stored_progress(assessment)

    service_add(assessment=assessment, name="Payroll", actor=manager)

    assert stored_progress(assessment) == live_progress(assessment)
    assert stored_progress(assessment).required > before.required


def test_removing_a_service_takes_its_questions_out_of_the_stored_progress(
    assessment: Assessment, manager: User
) -> None:
    service_add(assessment=assessment, name="Payroll", actor=manager)
    benefits = service_add(assessment=assessment, name="Benefits", actor=manager)
    answers_set(assessment, SERVICE_ANSWERS, service=benefits)
    before = stored_progress(assessment)

    service_remove(service=benefits, actor=manager)

    assert stored_progress(assessment) == live_progress(assessment)
    assert stored_progress(assessment).answered < before.answered


def test_changing_subservice_organizations_keeps_the_stored_progress(assessment: Assessment, manager: User) -> None:
    service = service_add(assessment=assessment, name="Payroll", actor=manager)

    sub = subservice_organization_add(assessment=assessment, name="Cloud IaaS Co", services=[service], actor=manager)
    subservice_organization_remove(subservice_organization=sub, actor=manager)

    assert stored_progress(assessment) == live_progress(assessment)


def test_a_copy_stores_the_progress_of_its_copied_answers(answered: Assessment, manager: User) -> None:
    copy = assessment_copy(assessment=answered, actor=manager)

    assert stored_progress(copy) == live_progress(copy) == live_progress(answered)


def test_an_imported_profile_stores_the_progress_of_its_answers(answered: Assessment, manager: User) -> None:
    imported = assessment_import_profile(
        organization=answered.organization, document=assessment_profile(answered), actor=manager
    )

    assert stored_progress(imported) == live_progress(imported)
    assert stored_progress(imported).answered > 0


# Saved answers to draw from: the complete ones, and others that show or hide follow-up questions.
ORG_CHOICES: dict[str, list[Any]] = {
    **{key: [value] for key, value in ORG_ANSWERS.items()},
    "multiple_legal_entities": [False, True],
    "prior_reports": [["none"], ["soc2_type2"], ["soc1_type1", "soc2_type2"]],
    "prior_report_period_end": ["2026-06-30"],
    "customer_requests": [["soc2"], ["none"], ["soc1", "type2"]],
    "clients_sec_registrants": ["unknown", True, False],
}
SERVICE_CHOICES: dict[str, list[Any]] = {
    **{key: [value] for key, value in SERVICE_ANSWERS.items()},
    "stores_customer_data": [True, False, "unknown"],
    "transaction_classes": [["payroll"], ["none"]],
}


def answer_sets(choices: dict[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the keys, each with one of its values."""
    return st.fixed_dictionaries({}, optional={key: st.sampled_from(values) for key, values in choices.items()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    org_answers=answer_sets(ORG_CHOICES),
    service_answers=st.lists(answer_sets(SERVICE_CHOICES), max_size=3),
    write=st.sampled_from(["section saved", "service added", "service removed"]),
)
def test_after_any_write_the_stored_progress_is_the_live_progress(
    org: Organization,
    manager: User,
    org_answers: dict[str, Any],
    service_answers: list[dict[str, Any]],
    write: str,
) -> None:
    assessment = AssessmentFactory(organization=org, created_by=manager, updated_by=manager)
    services = ServiceFactory.create_batch(len(service_answers), assessment=assessment)
    # Stored directly, without the services, so only the write below can bring the figures up to date.
    Answer.objects.bulk_create(
        [Answer(assessment=assessment, question_key=key, value=value) for key, value in org_answers.items()]
        + [
            Answer(assessment=assessment, service=service, question_key=key, value=value)
            for service, answers in zip(services, service_answers, strict=True)
            for key, value in answers.items()
        ]
    )

    if write == "section saved":
        section_answers_save(
            assessment=assessment,
            service=None,
            section_key="organization_reports",
            data={"controls_operating_months": "3"},
            expected_version=0,
            actor=manager,
        )
    elif write == "service added" or not services:
        service_add(assessment=assessment, name="Added service", actor=manager)
    else:
        service_remove(service=services[0], actor=manager)

    assert stored_progress(assessment) == live_progress(assessment)
