"""Stored scoping memos: the reading page of one version (with every version's SHA-256) and the PDF download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from assessments.memo import MemoContext
from assessments.models import Memo
from assessments.selectors.memos import HEAVY_FIELDS, memo_get
from assessments.selectors.review import memos_of
from assessments.services import memos as services


def memo_filename(memo: Memo) -> str:
    """The download's file name, built from ids and the organization's slug only (never free text)."""
    return f"socscope-memo-{memo.assessment.organization.slug}-{memo.assessment_id}-v{memo.number}.pdf"


@login_required
@require_GET
def memo_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    memo = memo_get(request.user, pk, number)
    return render(
        request,
        "assessments/memos/detail.html",
        {
            "assessment": memo.assessment,
            "memo": memo,
            "versions": memos_of(memo.assessment).defer(*HEAVY_FIELDS),
            "content": MemoContext.from_dict(memo.context) if memo.context else None,
        },
    )


@login_required
@require_GET
def memo_download(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The stored bytes of one version, as an attachment that no cache keeps."""
    memo = memo_get(request.user, pk, number, light=True)
    response = HttpResponse(services.memo_download(memo=memo, actor=request.user), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=memo_filename(memo))
    response["Cache-Control"] = "private, no-store"
    return response
