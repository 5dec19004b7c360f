"""memo_create renders once and stores; memo_download serves the stored bytes and logs."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from assessments.memo import MemoContext, MemoRenderTimeout
from assessments.models import Assessment, AuditEvent, Memo, Override, User
from assessments.services import memos as services
from assessments.services.memos import memo_create, memo_download
from tests.assessments.memo.support import has_code, pdf_pages

pytestmark = pytest.mark.django_db


def test_it_stores_the_pdf_once_with_its_sha256_and_frozen_inputs(answered: Assessment, manager: User) -> None:
    memo = memo_create(assessment=answered, actor=manager)
    assert memo.number == 1 and memo.kind == Memo.Kind.SUBMISSION
    stored = default_storage.open(memo.pdf.name).read()
    assert stored.startswith(b"%PDF-") and len(stored) == memo.size
    assert hashlib.sha256(stored).hexdigest() == memo.sha256
    assert memo.pdf.name.startswith("memos/") and memo.pdf.name.endswith(f"memo-{answered.pk}-v1.pdf")
    assert memo.profile["organization"]["answers"]["system_name"] == "PayCore platform"
    assert memo.result["schema"] == "socscope.result/1" and memo.result["engine_version"] == memo.engine_version
    assert memo.renderer == "WeasyPrint 70.0" and memo.bank_version == answered.bank_version
    context = MemoContext.from_dict(memo.context)
    assert context.cover["memo_version"] == "Version 1"
    assert context.sign_off["signatures"][0] == {
        "role": "Prepared by",
        "name": "Maria Manager",
        "date": context.sign_off["signatures"][0]["date"],
    }
    event = AuditEvent.objects.get(action="memo.rendered")
    assert event.assessment == answered and event.actor == manager
    assert event.data["sha256"] == memo.sha256 and event.data["number"] == 1


def test_the_stored_pdf_reads_back_with_the_assessment_and_criteria(answered: Assessment, manager: User) -> None:
    memo = memo_create(assessment=answered, actor=manager)
    text = "\n".join(pdf_pages(default_storage.open(memo.pdf.name).read()))
    assert "FY2027 SOC scoping" in text and "Page 1 of" in text
    assert has_code(text, "CC6.1") and has_code(text, "A1.2") and not has_code(text, "P1.1")


def test_each_memo_is_a_new_version_and_earlier_ones_stay(answered: Assessment, manager: User, auditor: User) -> None:
    first = memo_create(assessment=answered, actor=manager)
    second = memo_create(assessment=answered, actor=manager)
    approval = memo_create(assessment=answered, actor=auditor, kind=Memo.Kind.APPROVAL)
    assert [m.number for m in answered.memos.order_by("number")] == [1, 2, 3]
    assert default_storage.exists(first.pdf.name) and default_storage.exists(second.pdf.name)
    assert first.pdf.name != second.pdf.name
    assert memo_download(memo=first, actor=manager) == default_storage.open(first.pdf.name).read()
    signatures = MemoContext.from_dict(approval.context).sign_off["signatures"]
    assert [(s["role"], s["name"]) for s in signatures] == [
        ("Prepared by", "Maria Manager"),
        ("Approved by", "Ada Auditor"),
    ]
    assert MemoContext.from_dict(approval.context).cover["status"] == "Approved"


def test_a_stored_memo_never_changes(answered: Assessment, manager: User) -> None:
    memo = memo_create(assessment=answered, actor=manager)
    memo.sha256 = "0" * 64
    with pytest.raises(PermissionError):
        memo.save()


def test_overrides_are_frozen_into_the_memo(answered: Assessment, manager: User, auditor: User) -> None:
    Override.objects.create(
        assessment=answered,
        target="reports.soc2.type",
        engine_value="type2",
        value="type1",
        reason="The first customer deadline is in February",
        author=auditor,
    )
    memo = memo_create(assessment=answered, actor=auditor, kind=Memo.Kind.APPROVAL)
    assert memo.overrides[0]["target"] == "reports.soc2.type"
    sentences = [o["sentence"] for o in MemoContext.from_dict(memo.context).overrides]
    assert sentences == [
        "SOC 2 report · type: the engine recommended Type 2; the auditor decided Type 1 because "
        "The first customer deadline is in February."
    ]


def test_a_download_serves_the_stored_bytes_and_is_logged(answered: Assessment, manager: User, viewer: User) -> None:
    memo = memo_create(assessment=answered, actor=manager)
    with default_storage.open(memo.pdf.name) as handle:
        stored = handle.read()
    assert memo_download(memo=memo, actor=viewer) == stored
    assert memo_download(memo=memo, actor=viewer) == stored
    events = AuditEvent.objects.filter(action="memo.downloaded").order_by("id")
    assert [(e.actor, e.data["number"], e.data["sha256"]) for e in events] == [(viewer, 1, memo.sha256)] * 2


def test_a_render_that_times_out_stores_nothing(
    answered: Assessment, manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_slow(html: str) -> bytes:
        raise MemoRenderTimeout("The memo took longer than 60 seconds to render and was stopped.")

    monkeypatch.setattr(services, "memo_pdf", too_slow)
    with pytest.raises(ValidationError, match="longer than 60 seconds"):
        memo_create(assessment=answered, actor=manager)
    assert not Memo.objects.exists()
    assert not AuditEvent.objects.filter(action="memo.rendered").exists()


def test_answers_that_are_not_a_profile_yet_are_refused(assessment: Assessment, manager: User) -> None:
    with pytest.raises(ValidationError, match="cannot be scoped yet"):
        memo_create(assessment=assessment, actor=manager)
    assert not Memo.objects.exists()
