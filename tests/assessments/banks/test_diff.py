"""The diff between two versions: questions, choices, conditions, rules and parameters added, removed, changed."""

from __future__ import annotations

import pytest

from assessments.models import Choice, Question, Rule, Section
from assessments.services.banks import bank_version_diff

pytestmark = pytest.mark.django_db


def changes(diff, kind):
    return {(entry.key, entry.change): entry for entry in diff.of_kind(kind)}


def test_a_clone_differs_only_in_its_release_notes(published, draft):
    diff = bank_version_diff(published, draft)
    assert [(entry.kind, entry.key, entry.change) for entry in diff.entries] == [("bank", "release_notes", "changed")]
    assert (diff.before, diff.after) == ("acme@1", "acme@2")


def test_it_reports_questions_added_removed_and_changed(published, draft):
    section = Section.objects.get(version=draft, key="organization_reports")
    Question(section=section, key="uses_ai", label="Do you use AI?", type="yes_no", position=999).save()
    Question.objects.get(version=draft, key="service_auditor_firm").delete()
    edited = Question.objects.get(version=draft, key="known_control_gaps")
    edited.label = "Which gaps do you know of?"
    edited.condition = {"q": "readiness_assessment_status", "op": "in", "value": ["completed"]}
    edited.save()
    diff = changes(bank_version_diff(published, draft), "question")
    assert set(diff) == {("uses_ai", "added"), ("service_auditor_firm", "removed"), ("known_control_gaps", "changed")}
    fields = {change.field: (change.before, change.after) for change in diff["known_control_gaps", "changed"].fields}
    assert set(fields) == {"label", "condition"}
    assert fields["condition"][1] == {"q": "readiness_assessment_status", "op": "in", "value": ["completed"]}


def test_it_reports_a_question_moved_to_another_section(published, draft):
    moved = Question.objects.get(version=draft, key="known_control_gaps")
    moved.section = Section.objects.get(version=draft, key="organization_reports")
    moved.save()
    (entry,) = bank_version_diff(published, draft).of_kind("question")
    assert [(f.field, f.before, f.after) for f in entry.fields] == [
        ("section", "readiness_and_signoff", "organization_reports")
    ]


def test_it_reports_choices_by_question_and_choice_key(published, draft):
    question = Question.objects.get(version=draft, key="prior_reports")
    Choice(question=question, key="hitrust", label="HITRUST", position=65).save()
    Choice.objects.filter(question=question, key="soc3").delete()
    Choice.objects.filter(question=question, key="none").update(label="Nothing yet")
    diff = changes(bank_version_diff(published, draft), "choice")
    assert set(diff) == {
        ("prior_reports.hitrust", "added"),
        ("prior_reports.soc3", "removed"),
        ("prior_reports.none", "changed"),
    }


def test_it_reports_rules_and_parameters(published, draft):
    rule = Rule.objects.filter(version=draft).order_by("position").first()
    rule.explanation = "Reworded."
    rule.save()
    Rule.objects.filter(version=draft).order_by("-position").first().delete()
    Rule(
        version=draft,
        key="custom.flag",
        level="service",
        when={"q": "stores_customer_data", "op": "is_true"},
        effect={"type": "flag", "code": "custom", "message": "Check it."},
        explanation="A custom flag.",
        position=5000,
    ).save()
    draft.parameters = {**draft.parameters, "type2_min_months": 4}
    draft.csoc_templates = [*draft.csoc_templates, "{name} keeps backups for {service}."]
    draft.save()
    diff = bank_version_diff(published, draft)
    rules = changes(diff, "rule")
    assert ("custom.flag", "added") in rules
    assert (rule.key, "changed") in rules
    assert [f.field for f in rules[rule.key, "changed"].fields] == ["explanation"]
    assert sum(1 for _, change in rules if change == "removed") == 1
    assert [(e.key, e.change, e.fields[0].before, e.fields[0].after) for e in diff.of_kind("parameter")] == [
        ("type2_min_months", "changed", 3, 4)
    ]
    assert [(e.key, e.change) for e in diff.of_kind("csoc_template")] == [
        ("{name} keeps backups for {service}.", "added")
    ]


def test_the_diff_serialises_to_plain_data(published, draft):
    data = bank_version_diff(published, draft).to_dict()
    assert data["entries"][0] == {
        "kind": "bank",
        "key": "release_notes",
        "change": "changed",
        "before": {"value": published.release_notes},
        "after": {"value": ""},
        "fields": [{"field": "value", "before": published.release_notes, "after": ""}],
    }
