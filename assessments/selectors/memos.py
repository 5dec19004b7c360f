"""Reads for scoping memos: one stored version a user may see, and the TSC catalogue the memo lists."""

from __future__ import annotations

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
