"""Writes for scoping memos: render and store a new version once; record every download."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.engine import ProfileError, parse_profile, scope, sensitivity
from assessments.memo import RENDERER, MemoMeta, MemoRenderError, Signature, memo_context_build, memo_html, memo_pdf
from assessments.models import Assessment, Memo, User
from assessments.selectors.banks import engine_bank
from assessments.selectors.intake import assessment_profile
from assessments.selectors.memos import memo_orphan_files, tsc_criteria
from assessments.selectors.review import overrides_json
from assessments.services.audit import audit_event_record

logger = logging.getLogger(__name__)


def _signature(user: User | None, when: dt.datetime) -> Signature | None:
    if user is None:
        return None
    return Signature(name=str(user), date=timezone.localdate(when))


def _sign_off(assessment: Assessment, actor: User, kind: str, now: dt.datetime) -> dict[str, Signature | None]:
    """Who prepared the scope and who approved it: an approval memo names the preparer of the last submission."""
    if kind != Memo.Kind.APPROVAL:
        return {"prepared_by": _signature(actor, now), "approved_by": None}
    submitted = (
        assessment.memos.filter(kind=Memo.Kind.SUBMISSION).select_related("created_by").order_by("-number").first()
    )
    prepared = _signature(submitted.created_by, submitted.created_at) if submitted else None
    return {"prepared_by": prepared, "approved_by": _signature(actor, now)}


def _unsaved_memo_file_delete(memo: Memo) -> None:
    """Delete the file of a memo whose row is being rolled back; a failure here must not hide the first error."""
    name = memo.pdf.name
    try:
        memo.pdf.delete(save=False)
    except Exception:
        logger.exception("The file %s of a memo that was not stored could not be deleted", name)


@transaction.atomic
def memo_create(*, assessment: Assessment, actor: User, kind: str = Memo.Kind.SUBMISSION) -> Memo:
    """Render the assessment's memo once and store it as the next version, with its SHA-256.

    Freezes the profile, the engine's result, the overrides and everything the memo shows. Raises
    ValidationError (nothing stored) when the answers do not form a valid profile or the PDF cannot be rendered
    within `MEMO_RENDER_TIMEOUT_SECONDS`.
    """
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("organization", "bank_version__bank")
        .get(pk=assessment.pk)
    )
    version = assessment.bank_version
    bank = engine_bank(version)
    profile_doc = assessment_profile(assessment)
    try:
        profile = parse_profile(bank, profile_doc)
    except ProfileError as exc:
        raise ValidationError(["The answers cannot be scoped yet:", *exc.problems]) from exc
    result = scope(bank, profile).to_dict()
    overrides = overrides_json(assessment)
    number = (assessment.memos.aggregate(top=Max("number"))["top"] or 0) + 1
    now = timezone.now()
    context = memo_context_build(
        profile=profile.to_dict(),
        result=result,
        bank=bank,
        sensitivity=sensitivity(bank, profile),
        criteria=tsc_criteria(),
        overrides=overrides,
        meta=MemoMeta(
            assessment=assessment.name,
            status=Memo.Kind(kind).label,
            rendered_at=now,
            number=number,
            **_sign_off(assessment, actor, kind, now),
        ),
    )
    try:
        pdf = memo_pdf(memo_html(context))
    except MemoRenderError as exc:
        logger.error("Memo v%s of assessment %s was not rendered: %s", number, assessment.pk, exc)
        raise ValidationError(str(exc)) from exc
    memo = Memo(
        assessment=assessment,
        number=number,
        kind=kind,
        profile=profile.to_dict(),
        result=result,
        overrides=overrides,
        context=context.to_dict(),
        bank_version=version,
        engine_version=result["engine_version"],
        renderer=RENDERER,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        created_by=actor,
    )
    # The file goes first, so a committed row always has its file. A failure below rolls the row back, so the
    # file goes too before the error is raised; only a crash, or a caller's commit failing after this returns,
    # can still leave a file that no memo points to.
    memo.pdf.save(f"memo-{assessment.pk}-v{number}.pdf", ContentFile(pdf), save=False)
    try:
        memo.save()
        audit_event_record(
            action="memo.rendered",
            actor=actor,
            assessment=assessment,
            obj=memo,
            data={
                "number": number,
                "kind": kind,
                "sha256": memo.sha256,
                "size": memo.size,
                "bank_version": version.label,
                "engine_version": memo.engine_version,
                "renderer": RENDERER,
            },
        )
    except BaseException:
        _unsaved_memo_file_delete(memo)
        raise
    return memo


@transaction.atomic
def memo_download(*, memo: Memo, actor: User) -> bytes:
    """The stored PDF bytes, exactly as rendered (never re-rendered); records `memo.downloaded`."""
    with memo.pdf.open("rb") as handle:
        content = handle.read()
    audit_event_record(
        action="memo.downloaded",
        actor=actor,
        assessment=memo.assessment,
        obj=memo,
        data={"number": memo.number, "sha256": memo.sha256},
    )
    return content


@transaction.atomic
def memo_orphan_files_delete(*, settled_before: dt.datetime) -> list[str]:
    """Delete the stored memo files no memo points to (`memo_orphan_files`); records `memo.orphan_files_deleted`.

    Files of stored memos are never touched: only paths that no memo row names are deleted.
    """
    orphans = memo_orphan_files(settled_before=settled_before)
    storage = Memo._meta.get_field("pdf").storage
    for path in orphans:
        storage.delete(path)
    if orphans:
        audit_event_record(action="memo.orphan_files_deleted", actor=None, data={"files": orphans})
    return orphans
