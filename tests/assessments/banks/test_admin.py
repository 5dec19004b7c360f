"""The bank admin: read-only frozen versions, field-level validation of drafts, actions, preview, diff, import."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import BankVersion, Choice, Question, Rule, Section, TscCriterion
from assessments.selectors.banks import bank_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:assessments_{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def question_form(question: Question, **overrides: Any) -> dict[str, Any]:
    """The POST body of the question change form, with its choice rows as they are."""
    data: dict[str, Any] = {
        "section": question.section_id,
        "position": question.position,
        "key": question.key,
        "label": question.label,
        "help_text": question.help_text,
        "reference": question.reference,
        "type": question.type,
        "min_value": "" if question.min_value is None else question.min_value,
        "max_value": "" if question.max_value is None else question.max_value,
        "max_length": question.max_length or "",
        "condition": json.dumps(question.condition) if question.condition is not None else "",
    }
    data.update({name: "on" for name in ("required", "allow_unknown") if getattr(question, name)})
    choices = list(question.choices.order_by("position", "id"))
    data.update({"choices-TOTAL_FORMS": len(choices), "choices-INITIAL_FORMS": len(choices)})
    data.update({"choices-MIN_NUM_FORMS": 0, "choices-MAX_NUM_FORMS": 1000})
    for index, choice in enumerate(choices):
        data.update(
            {
                f"choices-{index}-id": choice.pk,
                f"choices-{index}-question": question.pk,
                f"choices-{index}-key": choice.key,
                f"choices-{index}-label": choice.label,
                f"choices-{index}-position": choice.position,
            }
        )
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


# -------------------------------------------------------------------------------- frozen versions are read-only


def test_a_published_version_shows_read_only(admin_client, published):
    response = admin_client.get(url("bankversion_change", published.pk))
    assert response.status_code == 200
    assert b'name="release_notes"' not in response.content
    assert b'name="_save"' not in response.content
    assert b"Retire acme@1" in response.content
    assert b"Publish acme@1" not in response.content


def test_a_published_version_refuses_a_posted_change(admin_client, published):
    response = admin_client.post(url("bankversion_change", published.pk), {"release_notes": "Sneaky"})
    assert response.status_code == 403
    assert BankVersion.objects.get(pk=published.pk).release_notes != "Sneaky"


def test_rows_of_a_published_version_cannot_be_changed_or_deleted(admin_client, published):
    question = Question.objects.filter(version=published, type="multi").first()
    page = admin_client.get(url("question_change", question.pk))
    assert page.status_code == 200
    assert b'name="label"' not in page.content
    assert b'name="choices-0-label"' not in page.content
    assert admin_client.post(url("question_change", question.pk), question_form(question, label="X")).status_code == 403
    assert admin_client.post(url("question_delete", question.pk), {"post": "yes"}).status_code == 403
    rule = Rule.objects.filter(version=published).first()
    assert admin_client.post(url("rule_delete", rule.pk), {"post": "yes"}).status_code == 403
    section = Section.objects.filter(version=published).first()
    assert admin_client.post(url("section_change", section.pk), {"title": "X"}).status_code == 403
    assert Question.objects.get(pk=question.pk).label == question.label


def test_new_rows_can_only_go_into_drafts(admin_client, published, draft):
    page = admin_client.get(url("question_add"))
    options = page.context["adminform"].form.fields["section"].queryset
    assert set(options.values_list("version_id", flat=True)) == {draft.pk}


# -------------------------------------------------------------------------------- draft validation beside the fields


def test_a_draft_question_saves_and_its_history_names_the_admin(admin_client, draft, admin_user):
    question = Question.objects.get(version=draft, key="known_control_gaps")
    response = admin_client.post(url("question_change", question.pk), question_form(question, label="Known gaps?"))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.label == "Known gaps?"
    assert question.history.first().history_user == admin_user
    history = admin_client.get(url("question_history", question.pk))
    assert b"Known gaps?" in history.content or b"alice" in history.content


def test_a_condition_naming_an_unknown_question_is_refused_beside_the_field(admin_client, draft):
    question = Question.objects.get(version=draft, key="known_control_gaps")
    data = question_form(question, condition=json.dumps({"q": "nope", "op": "is_true"}))
    response = admin_client.post(url("question_change", question.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["condition"] == ["q: unknown question 'nope'"]
    assert Question.objects.get(pk=question.pk).condition != {"q": "nope", "op": "is_true"}


def test_a_condition_of_the_wrong_shape_is_refused_beside_the_field(admin_client, draft):
    question = Question.objects.get(version=draft, key="known_control_gaps")
    for condition, expected in (
        ("{not json", "Enter a valid JSON."),
        (json.dumps({"q": "public_report_wanted", "op": "between"}), "op: unknown operator 'between'"),
        (json.dumps({"q": "public_report_wanted", "op": "eq", "value": 3}), "value: 3 is not true or false"),
    ):
        response = admin_client.post(url("question_change", question.pk), question_form(question, condition=condition))
        assert response.status_code == 200
        assert any(expected in error for error in response.context["adminform"].form.errors["condition"])


def test_a_question_key_already_used_in_the_version_is_refused(admin_client, draft):
    question = Question.objects.get(version=draft, key="known_control_gaps")
    response = admin_client.post(url("question_change", question.pk), question_form(question, key="system_name"))
    assert response.context["adminform"].form.errors["key"] == ["acme@2 already has a question with this key."]


def test_choice_problems_show_on_their_rows(admin_client, draft):
    question = Question.objects.get(version=draft, key="readiness_assessment_status")
    data = question_form(question, **{"choices-0-key": "unknown"})
    response = admin_client.post(url("question_change", question.pk), data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors["key"] == ['"unknown" is reserved for the don\'t-know answer']


def new_question_form(draft: BankVersion, **fields: Any) -> dict[str, Any]:
    """The POST body of the question add form for a single-choice question, with no choice rows unless `fields`."""
    section = Section.objects.get(version=draft, key="organization_reports")
    return {
        "section": section.pk,
        "position": 500,
        "key": "hosting_region",
        "label": "Where is it hosted?",
        "type": "single",
        "condition": "",
        "choices-TOTAL_FORMS": 0,
        "choices-INITIAL_FORMS": 0,
        **fields,
    }


def test_a_choice_question_needs_choices(admin_client, draft):
    response = admin_client.post(url("question_add"), new_question_form(draft))
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.non_form_errors() == ["Choices: a single question needs at least one choice"]
    assert not Question.objects.filter(key="hosting_region").exists()


def test_adding_a_question_with_choices_and_a_condition(admin_client, draft):
    data = new_question_form(
        draft,
        required="on",
        condition=json.dumps({"q": "public_report_wanted", "op": "is_true"}),
        **{
            "choices-TOTAL_FORMS": 2,
            "choices-0-key": "eu",
            "choices-0-label": "European Union",
            "choices-0-position": 10,
            "choices-1-key": "us",
            "choices-1-label": "United States",
            "choices-1-position": 20,
        },
    )
    assert admin_client.post(url("question_add"), data).status_code == 302
    question = Question.objects.get(version=draft, key="hosting_region")
    assert list(question.choices.values_list("key", flat=True)) == ["eu", "us"]
    assert question.condition == {"q": "public_report_wanted", "op": "is_true"}


def test_a_rule_effect_of_the_wrong_shape_is_refused_beside_the_field(admin_client, draft):
    data = {
        "version": draft.pk,
        "key": "custom.flag",
        "level": "service",
        "position": 9000,
        "when": json.dumps({"q": "stores_customer_data", "op": "is_true"}),
        "requires": "",
        "effect": json.dumps({"type": "flag", "code": "Bad Code", "message": "x"}),
        "explanation": "Custom.",
    }
    response = admin_client.post(url("rule_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["effect"] == [
        "code: 'Bad Code' is not a valid key (lower-case letters, digits and underscores)"
    ]
    data["effect"] = json.dumps({"type": "flag", "code": "custom", "message": "Check it."})
    assert admin_client.post(url("rule_add"), data).status_code == 302
    assert Rule.objects.filter(version=draft, key="custom.flag").exists()


def test_parameters_are_edited_one_by_one_and_checked(admin_client, draft):
    page = admin_client.get(url("bankversion_change", draft.pk))
    form = page.context["adminform"].form
    data = {"release_notes": "v2", "csoc_text": "\n".join(draft.csoc_templates)}
    data.update({name: form[name].value() for name in form.fields if name.startswith("param_")})
    data["param_fye_alignment_months"] = 40
    response = admin_client.post(url("bankversion_change", draft.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["param_fye_alignment_months"] == ["must be at most 11, got 40"]
    data["param_fye_alignment_months"] = 2
    assert admin_client.post(url("bankversion_change", draft.pk), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.parameters["fye_alignment_months"], draft.release_notes) == (2, "v2")


# -------------------------------------------------------------------------------- actions


def test_clone_publish_and_retire_from_the_version_list(admin_client, published):
    response = admin_client.post(
        url("bankversion_changelist"), {"action": "clone_to_draft", "_selected_action": [published.pk]}, follow=True
    )
    clone = BankVersion.objects.get(bank=published.bank, number=2)
    assert clone.status == BankVersion.Status.DRAFT
    assert any("Cloned acme@1 to the new draft" in message for message in messages_of(response))
    admin_client.post(url("bankversion_changelist"), {"action": "publish", "_selected_action": [clone.pk]})
    admin_client.post(url("bankversion_changelist"), {"action": "retire", "_selected_action": [published.pk]})
    statuses = dict(BankVersion.objects.filter(bank=published.bank).values_list("number", "status"))
    assert statuses == {1: "retired", 2: "published"}


def test_publishing_an_invalid_draft_lists_each_problem(admin_client, draft):
    for key, target in (("known_control_gaps", "nope"), ("management_owner_name", "nothing")):
        Question.objects.filter(version=draft, key=key).update(condition={"q": target, "op": "answered"})
    response = admin_client.post(url("bankversion_publish", draft.pk), follow=True)
    shown = messages_of(response)
    assert shown[0] == "acme@2 was not published: 2 problem(s) to fix first."
    assert any("unknown question 'nope'" in message for message in shown[1:])
    assert any("unknown question 'nothing'" in message for message in shown[1:])
    assert BankVersion.objects.get(pk=draft.pk).status == BankVersion.Status.DRAFT
    assert response.content.count(b"unknown question") >= 4  # the messages and the publication check panel


def test_lifecycle_buttons_post_and_need_permission(admin_client, draft, manager):
    assert admin_client.get(url("bankversion_publish", draft.pk)).status_code == 405
    other = Client()
    other.force_login(manager)
    assert other.post(url("bankversion_publish", draft.pk)).status_code == 302  # to the admin sign-in
    assert BankVersion.objects.get(pk=draft.pk).status == BankVersion.Status.DRAFT
    response = admin_client.post(url("bankversion_publish", draft.pk), follow=True)
    assert "Published acme@2. New assessments now use it." in messages_of(response)


def test_the_version_page_lists_its_sections_and_rules(admin_client, published):
    page = admin_client.get(url("bankversion_change", published.pk)).content.decode()
    assert "<caption>Sections</caption>" in page and "<caption>Rules</caption>" in page
    assert "When transaction_classes contains something other than none: triggers SOC 1." in page


def test_the_draft_page_shows_whether_it_can_be_published(admin_client, draft):
    assert (
        b"This draft passes every check and can be published."
        in admin_client.get(url("bankversion_change", draft.pk)).content
    )
    Question.objects.filter(version=draft, key="known_control_gaps").update(condition={"q": "x", "op": "answered"})
    page = admin_client.get(url("bankversion_change", draft.pk))
    assert b"1 problem must be fixed before this draft can be published" in page.content


# -------------------------------------------------------------------------------- preview, diff, change log


def test_the_preview_shows_the_questionnaire_as_a_respondent_sees_it(admin_client, published):
    page = admin_client.get(url("bankversion_preview", published.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Asked once for the organization" in text and "Asked per service" in text
    assert "For how many months have your key controls operated with evidence kept?" in text
    assert "shown when readiness_assessment_status is one of completed, in_progress." in text
    assert 'type="checkbox" name="transaction_classes" value="payroll"' in text
    assert "Don&#x27;t know" in text


def test_the_diff_page_compares_two_versions(admin_client, published, draft):
    question = Question.objects.get(version=draft, key="known_control_gaps")
    question.condition = {"q": "public_report_wanted", "op": "is_true"}
    question.save()
    page = admin_client.get(url("bankversion_diff"), {"before": published.pk, "after": draft.pk})
    text = page.content.decode()
    assert "From acme@1 to acme@2" in text
    assert "known_control_gaps" in text
    assert "readiness_assessment_status is one of completed, in_progress &rarr; public_report_wanted is yes" in text


def test_the_diff_page_offers_the_previous_version(admin_client, published, draft):
    page = admin_client.get(url("bankversion_diff"), {"after": draft.pk})
    form = page.context["form"]
    assert (form["before"].value(), form["after"].value()) == (published.pk, draft.pk)


def test_the_change_log_says_who_changed_what_and_when(admin_client, draft):
    question = Question.objects.get(version=draft, key="known_control_gaps")
    admin_client.post(url("question_change", question.pk), question_form(question, label="Known gaps?"))
    page = admin_client.get(url("bankversion_changes", draft.pk))
    entries = page.context["entries"]
    assert entries[0]["user"].username == "alice"
    assert (entries[0]["kind"], entries[0]["object"], entries[0]["action"]) == (
        "question",
        "known_control_gaps",
        "changed",
    )
    assert entries[0]["changes"] == [{"field": "label", "before": question.label, "after": "Known gaps?"}]
    assert any(entry["kind"] == "choice" and entry["action"] == "created" for entry in entries)


# -------------------------------------------------------------------------------- import and export


def test_export_downloads_the_version_json(admin_client, published):
    response = admin_client.get(url("bankversion_export", published.pk))
    assert response["Content-Disposition"] == 'attachment; filename="acme-v1.json"'
    assert response.content.decode() == bank_json(published)
    action = admin_client.post(
        url("bankversion_changelist"), {"action": "export_json", "_selected_action": [published.pk]}
    )
    assert action.content == response.content


def test_importing_a_file_creates_a_draft(admin_client, published):
    document = json.loads(bank_json(published))
    document["version"] = 7
    upload = SimpleUploadedFile("bank.json", json.dumps(document).encode(), content_type="application/json")
    response = admin_client.post(url("bankversion_import"), {"file": upload}, follow=True)
    version = BankVersion.objects.get(bank=published.bank, number=7)
    assert version.status == BankVersion.Status.DRAFT
    assert "Imported acme@7 (draft)." in messages_of(response)


def test_importing_a_broken_file_lists_its_problems_and_changes_nothing(admin_client, published):
    document = json.loads(bank_json(published))
    document.update(version=8, schema="socscope.bank/0")
    document["sections"][0]["questions"][0]["position"] = "first"
    upload = SimpleUploadedFile("bank.json", json.dumps(document).encode())
    before = BankVersion.objects.count(), Question.objects.count()
    response = admin_client.post(url("bankversion_import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["problems"] == [
        '$.schema: must be "socscope.bank/1"',
        "$.sections[0].questions[0].position: must be a whole number",
    ]
    assert (BankVersion.objects.count(), Question.objects.count()) == before


def test_bank_uploads_are_size_limited(admin_client, settings):
    settings.BANK_UPLOAD_MAX_BYTES = 10
    upload = SimpleUploadedFile("bank.json", b'{"schema": "socscope.bank/1"}')
    response = admin_client.post(url("bankversion_import"), {"file": upload})
    assert response.context["form"].errors["file"] == ["The file is 29 bytes; bank files may be at most 10 bytes."]


# -------------------------------------------------------------------------------- lists and the TSC catalogue


def test_questions_can_be_searched_and_filtered(admin_client, published, draft):
    page = admin_client.get(url("question_changelist"), {"q": "payroll", "version__id__exact": draft.pk})
    keys = {question.key for question in page.context["cl"].result_list}
    assert "transaction_classes" in keys
    assert all(question.version_id == draft.pk for question in page.context["cl"].result_list)
    multi = admin_client.get(url("question_changelist"), {"type__exact": "multi", "version__id__exact": draft.pk})
    assert {q.type for q in multi.context["cl"].result_list} == {"multi"}


def test_the_tsc_catalogue_is_visible_read_only(admin_client):
    page = admin_client.get(url("tsccriterion_changelist"))
    assert page.context["cl"].result_count == TscCriterion.objects.count() == 61
    assert url("tsccriterion_add").encode() not in page.content
    criterion = TscCriterion.objects.first()
    assert admin_client.get(url("tsccriterion_change", criterion.pk)).status_code == 200
    assert admin_client.post(url("tsccriterion_change", criterion.pk), {"code": "X"}).status_code == 403


def test_choices_are_listed_but_edited_with_their_question(admin_client, published):
    choice = Choice.objects.filter(question__version=published).first()
    assert admin_client.get(url("choice_changelist"), {"q": choice.key}).status_code == 200
    assert admin_client.post(url("choice_change", choice.pk), {"label": "X"}).status_code == 403


def test_adding_a_version_starts_an_empty_draft_numbered_after_the_newest(admin_client, admin_user, published):
    data = {"bank": published.bank_id, "release_notes": "Started from scratch.", "csoc_text": ""}
    assert admin_client.post(url("bankversion_add"), data).status_code == 302
    version = BankVersion.objects.get(bank=published.bank, number=2)
    assert (version.status, version.created_by, version.release_notes) == ("draft", admin_user, "Started from scratch.")
    assert not version.sections.exists()


def test_a_condition_nested_beyond_reason_is_refused_beside_the_field(admin_client, draft):
    question = Question.objects.get(version=draft, key="known_control_gaps")
    condition = '{"not": ' * 400 + '{"q": "public_report_wanted", "op": "is_true"}' + "}" * 400
    response = admin_client.post(url("question_change", question.pk), question_form(question, condition=condition))
    assert response.context["adminform"].form.errors["condition"] == [
        "This JSON is nested too deeply (at most 32 levels)."
    ]
