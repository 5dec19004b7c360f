"""Memo files that no memo points to can be listed and deleted; stored memos' files are never touched."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.models import Assessment, AuditEvent, Memo, User
from assessments.selectors.memos import memo_orphan_files, memo_stored_files
from assessments.services.memos import memo_create, memo_orphan_files_delete

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=5)


@pytest.fixture
def stored(answered: Assessment, manager: User) -> Memo:
    return memo_create(assessment=answered, actor=manager)


def orphan(name: str = "memos/2026/11/memo-999-v1.pdf") -> str:
    return default_storage.save(name, ContentFile(b"%PDF-1.7 left behind by a crash"))


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("memo_orphan_files", *args, stdout=out)
    return out.getvalue()


def test_it_lists_only_the_files_no_memo_points_to(stored: Memo) -> None:
    left = orphan()

    assert memo_orphan_files(settled_before=timezone.now() + LATER) == [left]


def test_a_file_newer_than_the_cutoff_is_left_alone(stored: Memo) -> None:
    orphan()

    assert memo_orphan_files(settled_before=timezone.now() - LATER) == []


def test_deleting_removes_the_orphans_keeps_every_memo_file_and_is_logged(stored: Memo) -> None:
    left = orphan()

    deleted = memo_orphan_files_delete(settled_before=timezone.now() + LATER)

    assert deleted == [left]
    assert memo_stored_files() == {stored.pdf.name}
    event = AuditEvent.objects.get(action="memo.orphan_files_deleted")
    assert event.data == {"files": [left]}


def test_nothing_to_delete_writes_no_event(stored: Memo) -> None:
    assert memo_orphan_files_delete(settled_before=timezone.now() + LATER) == []

    assert not AuditEvent.objects.filter(action="memo.orphan_files_deleted").exists()


def test_the_command_lists_by_default_and_deletes_when_asked(stored: Memo, monkeypatch: pytest.MonkeyPatch) -> None:
    left = orphan()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(hours=2))

    listed = command()
    assert f"Found 1 memo file(s) that no memo points to.\n  {left}\n" == listed
    assert default_storage.exists(left)

    deleted = command("--delete")
    assert f"Deleted 1 memo file(s) that no memo points to.\n  {left}\n" == deleted
    assert not default_storage.exists(left)
    assert default_storage.exists(stored.pdf.name)


def test_the_command_keeps_files_younger_than_an_hour_by_default(stored: Memo) -> None:
    left = orphan()

    assert command("--delete") == "Deleted 0 memo file(s) that no memo points to.\n"
    assert default_storage.exists(left)


def test_the_command_refuses_a_cutoff_under_a_minute() -> None:
    with pytest.raises(CommandError, match="at least 1 minute"):
        command("--older-than", "0")
