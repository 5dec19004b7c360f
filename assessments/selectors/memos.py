"""Reads for scoping memos: one stored version a user may see, and the TSC catalogue the memo lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404

from assessments.models import Memo, TscCriterion, User
from assessments.selectors.access import assessment_get

# The frozen documents are large and only the reading page of one version needs them.
HEAVY_FIELDS = ("profile", "result", "overrides", "context")


def memo_get(user: User, assessment_pk: int, number: int, *, light: bool = False) -> Memo:
    """Version `number` of an assessment `user` may see; 404 otherwise, so other tenants' ids reveal nothing.

    `light` leaves the frozen documents unloaded (enough to download the PDF).
    """
    assessment = assessment_get(user, assessment_pk)
    memos = assessment.memos.select_related("created_by", "bank_version__bank")
    if light:
        memos = memos.defer(*HEAVY_FIELDS)
    try:
        memo = memos.get(number=number)
    except Memo.DoesNotExist as exc:
        raise Http404("No such memo version.") from exc
    memo.assessment = assessment
    return memo


def tsc_criteria() -> list[dict[str, Any]]:
    """The Trust Services Criteria catalogue (ids and our short titles) as plain data, in catalogue order."""
    return list(TscCriterion.objects.order_by("position").values("code", "category", "group", "short_title"))


MEMO_FILES_ROOT = "memos"


def memo_stored_files() -> set[str]:
    """The path of every file in the memos' storage folder, whether a memo points to it or not."""
    storage = Memo._meta.get_field("pdf").storage
    found: set[str] = set()
    pending = [MEMO_FILES_ROOT]
    while pending:
        folder = pending.pop()
        if storage.exists(folder):
            folders, files = storage.listdir(folder)
            pending.extend(f"{folder}/{name}" for name in folders)
            found.update(f"{folder}/{name}" for name in files)
    return found


def memo_orphan_files(*, settled_before: dt.datetime) -> list[str]:
    """Stored memo files that no memo points to, last modified before `settled_before`, in path order.

    Only a crash, or a caller's transaction failing after `memo_create` saved its file, leaves one. A file
    newer than `settled_before` may belong to a memo whose transaction has not committed yet, so it is skipped.
    """
    storage = Memo._meta.get_field("pdf").storage
    unreferenced = memo_stored_files() - set(Memo.objects.values_list("pdf", flat=True))
    return sorted(path for path in unreferenced if storage.get_modified_time(path) < settled_before)
