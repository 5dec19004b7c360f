"""A memo whose row is rolled back leaves no PDF behind in storage, and earlier memos' files stay as they were."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError

from assessments.models import Assessment, Memo, User
from assessments.selectors.memos import memo_stored_files
from assessments.services import memos as services
from assessments.services.memos import memo_create

pytestmark = pytest.mark.django_db


def audit_fails(**kwargs: Any) -> None:
    raise DatabaseError("the audit log is unavailable")


def row_fails(self: Memo, *args: Any, **kwargs: Any) -> None:
    raise DatabaseError("the memo row could not be written")


@pytest.mark.parametrize(
    ("target", "name", "failure"),
    [(services, "audit_event_record", audit_fails), (Memo, "save", row_fails)],
    ids=["audit-event", "memo-row"],
)
def test_a_failure_after_the_pdf_is_saved_leaves_no_file_and_no_memo(
    answered: Assessment, manager: User, monkeypatch: pytest.MonkeyPatch, target: Any, name: str, failure: Any
) -> None:
    saved: list[str] = []
    original_save = default_storage.save

    def recording_save(*args: Any, **kwargs: Any) -> str:
        saved.append(original_save(*args, **kwargs))
        return saved[-1]

    monkeypatch.setattr(default_storage, "save", recording_save)
    monkeypatch.setattr(target, name, failure)

    with pytest.raises(DatabaseError):
        memo_create(assessment=answered, actor=manager)

    assert len(saved) == 1, "the failure must come after the PDF was saved"
    assert not default_storage.exists(saved[0])
    assert memo_stored_files() == set()
    assert not Memo.objects.exists()


def test_a_failed_memo_leaves_the_earlier_versions_files_as_they_were(
    answered: Assessment, manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = memo_create(assessment=answered, actor=manager)
    monkeypatch.setattr(services, "audit_event_record", audit_fails)

    with pytest.raises(DatabaseError):
        memo_create(assessment=answered, actor=manager)

    assert memo_stored_files() == {first.pdf.name}
    with default_storage.open(first.pdf.name) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == first.sha256
    assert list(Memo.objects.values_list("number", flat=True)) == [1]


def test_if_the_file_cannot_be_deleted_the_first_error_is_raised_and_the_file_logged(
    answered: Assessment, manager: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def storage_down(name: str) -> None:
        raise OSError("storage is unreachable")

    monkeypatch.setattr(services, "audit_event_record", audit_fails)
    monkeypatch.setattr(default_storage, "delete", storage_down)

    with caplog.at_level(logging.ERROR, logger=services.__name__), pytest.raises(DatabaseError, match="audit log"):
        memo_create(assessment=answered, actor=manager)

    [left] = memo_stored_files()
    assert left.endswith(f"memo-{answered.pk}-v1.pdf")
    assert any(
        left in record.getMessage() and "could not be deleted" in record.getMessage() for record in caplog.records
    )
    assert not Memo.objects.exists()
