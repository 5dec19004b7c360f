"""Template tags for the review: rejected-form messages on the review page, and the comment threads and
open-comment counts the questionnaire shows beside its questions and in its section list."""

from __future__ import annotations

from typing import Any

from django import template

from assessments.models import Assessment, Comment
from assessments.overrides import CATEGORY_LABELS, FAMILY_LABELS, value_display
from assessments.selectors.review import comment_threads, open_comments_by_section, threads_by_place

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
    return _cached("threads", assessment, lambda a: threads_by_place(comment_threads(a)))


@register.inclusion_tag("assessments/review/_question_comments.html")
def question_comments(assessment: Assessment, question_key: str, service: Any = None) -> dict[str, Any]:
    """`{% question_comments assessment question.key service %}`: the review threads on one question's answer."""
    if not isinstance(assessment, Assessment):
        return {"threads": []}
    service_id = getattr(service, "pk", None)
    threads = _threads(assessment).get((service_id, question_key), [])
    return {"assessment": assessment, "threads": threads, "question_key": question_key}


@register.simple_tag
def open_comment_count(assessment: Assessment, section_key: str, service: Any = None) -> int:
    """`{% open_comment_count assessment entry.key entry.service as n %}`: open threads on a section's questions."""
    if not isinstance(assessment, Assessment):
        return 0
    counts = _cached("open_counts", assessment, open_comments_by_section)
    return counts.get((getattr(service, "pk", None), section_key), 0)


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
