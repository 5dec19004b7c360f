"""Replay: what would change if every submitted assessment were scoped by another bank version.

An admin runs this before publishing a new bank. Each assessment is replayed from its newest memo's frozen
profile (what was actually submitted) and compared with the result that memo recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery

from assessments import engine
from assessments.models import Assessment, BankVersion, Memo, User
from assessments.selectors.banks import engine_bank
from assessments.selectors.review import Change, conclusion_changes


@dataclass(frozen=True)
class ReplayRow:
    memo: Memo
    changes: list[Change]
    problems: list[str]

    @property
    def assessment(self) -> Assessment:
        return self.memo.assessment


def replay_submitted(user: User, version: BankVersion) -> list[ReplayRow]:
    """The submitted assessments whose conclusions `version` would change, or whose answers it would refuse."""
    if not user.is_staff:
        raise PermissionDenied("Only administrators replay assessments against a bank version.")
    bank = engine_bank(version)
    newest = Memo.objects.filter(assessment=OuterRef("assessment")).order_by("-number").values("number")[:1]
    memos = (
        Memo.objects.exclude(assessment__status=Assessment.Status.DRAFT)
        .filter(number=Subquery(newest))
        .select_related("assessment__organization", "bank_version__bank")
        .order_by("assessment__organization__name", "assessment__name", "assessment_id")
    )
    rows = []
    for memo in memos.iterator(chunk_size=200):
        try:
            replayed = engine.scope(bank, engine.parse_profile(bank, memo.profile)).to_dict()
        except engine.ProfileError as exc:
            rows.append(ReplayRow(memo, [], list(exc.problems)))
            continue
        changes = conclusion_changes(memo.result, replayed)
        if changes:
            rows.append(ReplayRow(memo, changes, []))
    return rows
