"""The scoping memo: its content (`MemoContext`), its HTML (`memo_html`) and its PDF (`memo_pdf`).

One module free of request objects, so a view, a management command and a task can all call it.
"""

from __future__ import annotations

from assessments.memo.context import MemoContext, MemoMeta, Signature, memo_context_build
from assessments.memo.document import memo_html, render_memo_for_profile
from assessments.memo.pdf import RENDERER, MemoRenderError, MemoRenderTimeout, memo_pdf, pdf_render

__all__ = [
    "RENDERER",
    "MemoContext",
    "MemoMeta",
    "MemoRenderError",
    "MemoRenderTimeout",
    "Signature",
    "memo_context_build",
    "memo_html",
    "memo_pdf",
    "pdf_render",
    "render_memo_for_profile",
]
