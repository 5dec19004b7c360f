"""The memo as an HTML document and a PDF, from plain documents; no request, no stored assessment needed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from assessments.engine import load_bank
from assessments.memo.context import MemoContext, MemoMeta, memo_context_build
from assessments.memo.pdf import memo_pdf, static_url
from assessments.selectors.memos import tsc_criteria

TEMPLATE = "memos/memo.html"
STYLESHEET = "css/memo.css"


def memo_html(context: MemoContext) -> str:
    """The standalone memo document the PDF is rendered from (the app's reading page includes the same body)."""
    return render_to_string(TEMPLATE, {"memo": context, "stylesheet": static_url(STYLESHEET)})


def render_memo_for_profile(
    profile_doc: Mapping[str, Any],
    result_doc: Mapping[str, Any],
    bank_doc: Mapping[str, Any],
    sensitivity: Mapping[str, Any],
    *,
    overrides: Iterable[Mapping[str, Any]] = (),
    meta: MemoMeta | None = None,
    with_pdf: bool = True,
) -> tuple[str, bytes | None]:
    """(HTML, PDF bytes) of the memo for a profile and its result, e.g. for `manage.py scope --pdf --html`.

    The PDF is None when `with_pdf` is false (HTML only, no render). Raises `MemoRenderError` (or its
    `MemoRenderTimeout`) when the PDF cannot be rendered in time.
    """
    context = memo_context_build(
        profile=profile_doc,
        result=result_doc,
        bank=load_bank(dict(bank_doc)),
        sensitivity=sensitivity,
        criteria=tsc_criteria(),
        overrides=overrides,
        meta=meta or MemoMeta(assessment="Scoping preview", status="Preview, not stored", rendered_at=timezone.now()),
    )
    html = memo_html(context)
    return html, memo_pdf(html) if with_pdf else None
