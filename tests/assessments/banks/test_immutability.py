"""Published and retired versions never change: the model layer refuses, whatever the code path."""

from __future__ import annotations

import pytest

from assessments.models import BankVersion, Choice, Question, QuestionBank, Rule, Section
from assessments.models.banks import FrozenVersionError
from assessments.selectors.banks import bank_document
from assessments.services.banks import bank_version_retire

pytestmark = pytest.mark.django_db


def test_it_refuses_saving_a_question_of_a_published_version(published):
    question = Question.objects.filter(version=published).first()
    question.label = "Changed"
    with pytest.raises(FrozenVersionError):
        question.save()
    assert Question.objects.get(pk=question.pk).label != "Changed"


def test_it_refuses_deleting_rows_of_a_published_version(published):
    for row in (
        Section.objects.filter(version=published).first(),
        Question.objects.filter(version=published).first(),
        Choice.objects.filter(question__version=published).first(),
        Rule.objects.filter(version=published).first(),
    ):
        with pytest.raises(FrozenVersionError):
            row.delete()
        assert type(row).objects.filter(pk=row.pk).exists()


def test_it_refuses_adding_rows_to_a_published_version(published):
    section = Section.objects.filter(version=published).first()
    question = Question.objects.filter(version=published, type="multi").first()
    with pytest.raises(FrozenVersionError):
        Section(version=published, key="extra", title="Extra", level="service", position=99).save()
    with pytest.raises(FrozenVersionError):
        Question(section=section, key="extra", label="Extra?", type="yes_no", position=99).save()
    with pytest.raises(FrozenVersionError):
        Choice(question=question, key="extra", label="Extra", position=99).save()
    with pytest.raises(FrozenVersionError):
        Rule(version=published, key="x.extra", level="service", effect={}, explanation="x").save()


def test_it_refuses_bulk_writes_through_querysets(published):
    before = bank_document(published)
    with pytest.raises(FrozenVersionError):
        Question.objects.filter(version=published).update(label="Bulk")
    with pytest.raises(FrozenVersionError):
        Choice.objects.filter(question__version=published).update(label="Bulk")
    with pytest.raises(FrozenVersionError):
        Rule.objects.filter(version=published).delete()
    with pytest.raises(FrozenVersionError):
        Section.objects.filter(version=published).delete()
    with pytest.raises(FrozenVersionError):
        published.questions.all().delete()
    section = Section.objects.filter(version=published).first()
    with pytest.raises(FrozenVersionError):
        Question.objects.bulk_create([Question(section=section, version=published, key="x", label="X", type="text")])
    assert bank_document(published) == before


def test_it_refuses_moving_a_draft_row_into_a_published_version(published, draft):
    draft_question = Question.objects.filter(version=draft).first()
    published_section = Section.objects.filter(version=published).first()
    with pytest.raises(FrozenVersionError):
        Question.objects.filter(pk=draft_question.pk).update(section=published_section)
    draft_question.section = published_section
    with pytest.raises(FrozenVersionError):
        draft_question.save()


def test_it_refuses_moving_a_published_row_into_a_draft(published, draft):
    question = Question.objects.filter(version=published).first()
    question.section = Section.objects.filter(version=draft).first()
    with pytest.raises(FrozenVersionError):
        question.save()


def test_it_refuses_changing_a_published_versions_own_content(published):
    for field, value in (("release_notes", "Rewritten"), ("parameters", {}), ("checksum", "sha256:0"), ("number", 9)):
        version = BankVersion.objects.get(pk=published.pk)
        setattr(version, field, value)
        with pytest.raises(FrozenVersionError):
            version.save()
    with pytest.raises(FrozenVersionError):
        BankVersion.objects.filter(pk=published.pk).update(release_notes="Bulk")
    assert BankVersion.objects.get(pk=published.pk).release_notes == published.release_notes


def test_it_refuses_deleting_a_published_version(published):
    with pytest.raises(FrozenVersionError):
        published.delete()
    with pytest.raises(FrozenVersionError):
        BankVersion.objects.filter(pk=published.pk).delete()
    assert BankVersion.objects.filter(pk=published.pk).exists()


@pytest.mark.parametrize(
    ("start", "target"),
    [("published", "draft"), ("draft", "retired"), ("retired", "published"), ("retired", "draft")],
)
def test_a_version_only_moves_from_draft_to_published_to_retired(published, draft, start, target):
    version = {"published": published, "draft": draft}.get(start)
    if start == "retired":
        version = bank_version_retire(version=published, actor=None)
    version = BankVersion.objects.get(pk=version.pk)
    version.status = target
    with pytest.raises(FrozenVersionError):
        version.save()
    assert BankVersion.objects.get(pk=version.pk).status == start


def test_status_never_changes_through_a_bulk_update(draft):
    with pytest.raises(FrozenVersionError):
        BankVersion.objects.filter(pk=draft.pk).update(status=BankVersion.Status.PUBLISHED)
    assert BankVersion.objects.get(pk=draft.pk).status == BankVersion.Status.DRAFT


def test_a_retired_version_is_frozen_too(published):
    retired = bank_version_retire(version=published, actor=None)
    question = Question.objects.filter(version=retired).first()
    question.label = "Changed"
    with pytest.raises(FrozenVersionError):
        question.save()
    retired.release_notes = "Changed"
    with pytest.raises(FrozenVersionError):
        retired.save()


def test_the_bank_keeps_its_key_and_name_once_a_version_is_published(published):
    bank = QuestionBank.objects.get(pk=published.bank_id)
    bank.name = "Renamed"
    with pytest.raises(FrozenVersionError):
        bank.save()
    with pytest.raises(FrozenVersionError):
        QuestionBank.objects.filter(pk=bank.pk).update(key="renamed")
    bank = QuestionBank.objects.get(pk=published.bank_id)
    bank.description = "Descriptions are not part of any version."
    bank.save()
    assert QuestionBank.objects.get(pk=bank.pk).name == "Acme scoping bank"


def test_a_draft_stays_editable(draft):
    question = Question.objects.filter(version=draft, type="multi").first()
    question.label = "Edited in the draft"
    question.save()
    Choice.objects.filter(question=question).update(label="Edited")
    Rule.objects.filter(version=draft).first().delete()
    draft.release_notes = "Draft notes"
    draft.save()
    document = bank_document(draft)
    edited = next(q for s in document["sections"] for q in s["questions"] if q["key"] == question.key)
    assert edited["label"] == "Edited in the draft"
    assert {choice["label"] for choice in edited["choices"]} == {"Edited"}
    assert document["release_notes"] == "Draft notes"


def test_a_draft_can_be_deleted_with_its_rows(draft):
    draft_pk = draft.pk
    draft.delete()
    assert not Question.objects.filter(version_id=draft_pk).exists()
    assert not Rule.objects.filter(version_id=draft_pk).exists()
