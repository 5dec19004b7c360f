"""Template tags for the review: rejected-form messages and the answer rows on the review page, and the comment
threads and open-comment counts the questionnaire shows beside its questions and in its section list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from assessments.models import Assessment, Comment
from assessments.overrides import CATEGORY_LABELS, FAMILY_LABELS, value_display
from assessments.selectors.review import (
    SectionAnswers,
    comment_threads,
    open_comments_by_section,
    thread_replies_load,
    threads_by_place,
)

register = template.Library()


@register.filter
def errors_for(failed: Any, form_id: str) -> dict[str, list[str]]:
    """`{% with errs=failed|errors_for:"transition" %}`: the rejected form's messages per field, if it is this one."""
    return failed.errors if failed is not None and failed.form == form_id else {}


@register.filter
def posted_for(failed: Any, form_id: str) -> dict[str, str]:
    """What was typed into the rejected form, so it is not lost; empty for every other form."""
    return failed.data if failed is not None and failed.form == form_id else {}


def _cached(name: str, assessment: Assessment, load: Any) -> Any:
    """Load once per request, however many questions (and included templates) ask: kept on the assessment
    instance the view put in the context, which lives exactly as long as the request."""
    cache = assessment.__dict__.setdefault("_review_tags_cache", {})
    if name not in cache:
        cache[name] = load(assessment)
    return cache[name]


def _threads(assessment: Assessment) -> dict[tuple[int | None, str], list[Comment]]:
    # Without replies: the section list only counts threads, and most questions have none to show.
    return _cached("threads", assessment, lambda a: threads_by_place(comment_threads(a, replies=False)))


@register.simple_tag
def question_comments(assessment: Assessment, question_key: str, service: Any = None) -> str:
    """`{% question_comments assessment question.key service %}`: the review threads on one question's answer.

    A section page asks for each of its questions; one without threads costs a dictionary lookup, and the replies
    are loaded (one query for all threads) only when a question shown has a thread."""
    if not isinstance(assessment, Assessment):
        return ""
    threads = _threads(assessment).get((getattr(service, "pk", None), question_key))
    if not threads:
        return ""
    _cached("replies", assessment, lambda a: thread_replies_load([t for ts in _threads(a).values() for t in ts]))
    return render_to_string(
        "assessments/review/_question_comments.html", {"assessment": assessment, "threads": threads}
    )


@register.simple_tag
def open_comment_count(assessment: Assessment, section_key: str, service: Any = None) -> int:
    """`{% open_comment_count assessment entry.key entry.service as n %}`: open threads on a section's questions,
    counted from the threads `question_comments` shows (one query for both)."""
    if not isinstance(assessment, Assessment):
        return 0
    counts = _cached("open_counts", assessment, lambda a: open_comments_by_section(a, _threads(a)))
    return counts.get((getattr(service, "pk", None), section_key), 0)


# One answer on the review page. A big assessment shows thousands of them, and a template loop costs about twenty
# times as much per row as this (bench: 20 services, ~2,900 answers); the threads and the open comment form,
# which few rows have, still come from their templates.
ANSWER_ROW = (
    '<li class="list-group-item" id="answer-{target}" data-testid="answer-row" data-question="{key}">'
    '<p class="fw-semibold mb-0">{label}</p>'
    '<p class="mb-1" data-testid="answer-value"><span class="visually-hidden">Answer: </span>{display}</p>'
    "{threads}{comment}</li>\n"
)
# Without JavaScript the link reloads the page with this answer's form open; review.js fetches just the form.
COMMENT_LINK = (
    '<a class="small d-inline-block mb-2" href="{url}?comment={target}#answer-{target}" data-comment-link>'
    "Comment on this answer</a>"
)


ANSWER_FORM_PREFIX = "comment-q-"


def answer_form_values(target: str, service: Any, question_key: str) -> dict[str, Any]:
    """What `_comment_form.html` needs for the comment form on one answer, wherever that form is drawn."""
    return {
        "fid": f"{ANSWER_FORM_PREFIX}{target}",
        "label": "Comment on this answer",
        "service": service,
        "question_key": question_key,
        "bare": True,
    }


def _render(context: Context, name: str, **values: Any) -> str:
    with context.push(**values):
        return context.template.engine.get_template(name).render(context)


@register.simple_tag(takes_context=True)
def answer_rows(context: Context, block: SectionAnswers) -> SafeString:
    """`{% answer_rows block %}`: the `<li>` of each answer in one section, with its threads and either a
    "Comment on this answer" link or, for the answer in `open_answer`, its comment form."""
    can_comment, open_answer = context.get("can_comment"), context.get("open_answer")
    url = context.get("review_url", "")
    rows = []
    for row in block.rows:
        threads = _joined(_render(context, "assessments/review/_thread.html", thread=t) for t in row.threads)
        if not can_comment:
            comment = ""
        elif row.target == open_answer:
            comment = _render(
                context,
                "assessments/review/_comment_form.html",
                **answer_form_values(row.target, block.service, row.question.key),
            )
        else:
            comment = format_html(COMMENT_LINK, url=url, target=row.target)
        # format_html escapes every value except the threads and the form, which autoescaped templates drew.
        rows.append(
            format_html(
                ANSWER_ROW,
                target=row.target,
                key=row.question.key,
                label=row.question.label,
                display=row.display,
                threads=threads,
                comment=comment,
            )
        )
    return _joined(rows)


def _joined(parts: Iterable[SafeString]) -> SafeString:
    """Safe fragments joined, still safe (a plain `str.join` would drop the mark and escape them again)."""
    return format_html_join("", "{}", ((part,) for part in parts))


@register.filter
def dash(prefix: str, suffix: object) -> str:
    """`{{ "reply"|dash:thread.pk }}` -> `reply-12`: ids for forms and anchors."""
    return f"{prefix}-{suffix}"


@register.filter
def display(value: Any, kind: str) -> str:
    """`{{ report.type|display:"type" }}` -> `Type 2`: a conclusion as a person reads it."""
    return value_display(kind, value)


@register.filter
def category_label(key: str) -> str:
    return CATEGORY_LABELS.get(key, key)


@register.filter
def report_label(key: str) -> str:
    return FAMILY_LABELS.get(key, key)


@register.filter
def status_label(value: str) -> str:
    """`{{ transition.to_status|status_label }}` -> `Changes requested`."""
    return Assessment.Status(value).label if value in Assessment.Status.values else value
