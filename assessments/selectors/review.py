"""Reads for the review: the result with overrides, comment threads, the audit log, memo versions and their diff.

Functions that take `user` return only what that user may see; the others take an assessment the caller already
obtained through `assessments.selectors.access.assessment_get`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from assessments.engine import ProfileError
from assessments.models import Assessment, AuditEvent, Comment, Membership, Memo, Question, Section, User
from assessments.overrides import (
    CATEGORY_LABELS,
    OverrideTarget,
    override_targets,
    result_with_overrides,
    target_kind,
    target_label,
    value_display,
)
from assessments.selectors.access import AUDITOR, MANAGER, assessment_role, assessments_visible_to
from assessments.selectors.banks import engine_bank
from assessments.selectors.intake import assessment_scope

# ------------------------------------------------------------------------------------- result and overrides


def assessment_engine_result(assessment: Assessment) -> dict[str, Any] | None:
    """The engine's result the review is about: the newest memo's frozen result once the answers are locked,
    the live result while they can still change; None while the answers do not yet form a valid profile."""
    if not assessment.is_editable:
        # Only the result: the profile and context documents are as large and would be decoded for nothing.
        memo = assessment.memos.order_by("-number").only("assessment", "result").first()
        if memo is not None:
            return memo.result
    try:
        return assessment_scope(assessment)
    except ProfileError:
        return None


def overrides_json(assessment: Assessment) -> list[dict[str, Any]]:
    """The assessment's overrides as plain JSON, as a memo freezes them and `result_with_overrides` reads them."""
    return [
        {
            "target": o.target,
            "engine_value": o.engine_value,
            "value": o.value,
            "reason": o.reason,
            "author": str(o.author) if o.author else "",
            "created_at": o.updated_at.isoformat(timespec="seconds"),
        }
        for o in assessment.overrides.select_related("author").order_by("created_at", "id")
    ]


@dataclass
class Conclusions:
    """What the review page shows: the engine's result, the result as decided, and what may be overridden."""

    engine: dict[str, Any] | None
    shown: dict[str, Any] | None
    targets: list[OverrideTarget] = field(default_factory=list)

    @property
    def overrides(self) -> list[dict[str, Any]]:
        return (self.shown or {}).get("overrides", [])


def assessment_conclusions(assessment: Assessment) -> Conclusions:
    engine = assessment_engine_result(assessment)
    if engine is None:
        return Conclusions(engine=None, shown=None)
    shown = result_with_overrides(engine, overrides_json(assessment))
    return Conclusions(engine=engine, shown=shown, targets=override_targets(engine, shown))


def conclusion_target(assessment: Assessment, path: str) -> tuple[int, OverrideTarget] | None:
    """The conclusion an override form is for, with its number among the page's targets (1-based: the form's
    element ids), from its `path`; None when the result has no such conclusion to override."""
    targets = assessment_conclusions(assessment).targets
    return next(((number, t) for number, t in enumerate(targets, 1) if t.path == path), None)


# ------------------------------------------------------------------------------------------------ comments


def comment_threads(assessment: Assessment, *, replies: bool = True) -> list[Comment]:
    """Every thread on the assessment, with its replies unless `replies` is False (then `thread_replies_load`
    fetches them later, for pages that may not show any thread)."""
    threads = list(assessment.comments.filter(parent__isnull=True).select_related("author", "resolved_by", "service"))
    if replies:
        thread_replies_load(threads)
    return threads


def thread_replies_load(threads: list[Comment]) -> None:
    """One query for the replies of all `threads`: `thread.replies.all()` needs no further query afterwards."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    prefetch_related_objects(threads, Prefetch("replies", queryset=replies))


def threads_by_place(threads: Iterable[Comment]) -> dict[tuple[int | None, str], list[Comment]]:
    """Threads grouped by (service id or None, question key or "") — where each one is shown."""
    grouped: dict[tuple[int | None, str], list[Comment]] = defaultdict(list)
    for thread in threads:
        grouped[(thread.service_id, thread.question_key)].append(thread)
    return grouped


def question_sections(assessment: Assessment) -> dict[str, str]:
    """Question key -> section key in the assessment's bank version, from the parsed bank (cached per process)
    rather than a query over every question on each questionnaire page."""
    return {key: question.section for key, question in engine_bank(assessment.bank_version).questions.items()}


def open_comments_by_section(
    assessment: Assessment, by_place: Mapping[tuple[int | None, str], list[Comment]]
) -> Counter[tuple[int | None, str]]:
    """Open threads per (service id or None, section key), for the questionnaire's section list: counted from the
    threads the page already loaded (`threads_by_place`), not another query."""
    sections = question_sections(assessment)
    counts: Counter[tuple[int | None, str]] = Counter()
    for (service_id, question_key), threads in by_place.items():
        open_count = sum(1 for t in threads if not t.resolved)
        if open_count and question_key in sections:
            counts[(service_id, sections[question_key])] += open_count
    return counts


# ------------------------------------------------------------------------------------------- read-only answers


@dataclass
class AnswerRow:
    question: Question
    value: Any
    display: str
    threads: list[Comment]
    # `<place>-<question key>`: the row's id on the page and the answer a comment form is for (`comment_target`).
    target: str

    @property
    def open_threads(self) -> int:
        return sum(1 for t in self.threads if not t.resolved)


@dataclass
class SectionAnswers:
    section: Section
    service: Any
    rows: list[AnswerRow]

    @cached_property
    def open_threads(self) -> int:
        return sum(row.open_threads for row in self.rows)


def answer_display(question: Question, value: Any, choice_labels: Mapping[str, str]) -> str:
    if value is None:
        return "Not answered"
    if value == "unknown":
        return "Don't know"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(choice_labels.get(v, str(v)) for v in value) or "None selected"
    if question.type == Question.Type.SINGLE:
        return choice_labels.get(value, str(value))
    return str(value)


def answers_by_section(assessment: Assessment, threads: Iterable[Comment]) -> list[SectionAnswers]:
    """Every section (service sections once per service) with its questions, answers and comment threads.

    Questions hidden by their condition have no answer; they are left out unless someone commented on them.
    """
    by_place = threads_by_place(threads)
    sections = list(
        Section.objects.filter(version_id=assessment.bank_version_id).prefetch_related(
            Prefetch("questions", queryset=Question.objects.prefetch_related("choices"))
        )
    )
    stored = assessment.answers.values_list("service_id", "question_key", "value")
    answers = {(service_id, key): value for service_id, key, value in stored}
    services = list(assessment.services.all())
    result = []
    for section in sections:
        # Each question's choice labels once, however many services answer it.
        questions = [(q, {c.key: c.label for c in q.choices.all()}) for q in section.questions.all()]
        owners = services if section.level == Section.Level.SERVICE else [None]
        for service in owners:
            service_id = service.pk if service else None
            place = "org" if service is None else str(service.pk)
            rows = []
            for question, labels in questions:
                value = answers.get((service_id, question.key))
                place_threads = by_place.get((service_id, question.key), [])
                if value is None and question.condition and not place_threads:
                    continue
                display = answer_display(question, value, labels)
                rows.append(AnswerRow(question, value, display, place_threads, f"{place}-{question.key}"))
            if rows:
                result.append(SectionAnswers(section, service, rows))
    return result


def comment_target(assessment: Assessment, target: str) -> tuple[Any, Question] | None:
    """The service (None for the organization) and question an answer's comment form is for, from the row's
    `target`; None when the assessment has no such answer place."""
    place, _, key = target.partition("-")
    if place == "org":
        service, level = None, Section.Level.ORGANIZATION
    elif place.isdecimal():  # not isdigit(): "²" is a digit that int() refuses
        service = assessment.services.filter(pk=int(place)).first()
        if service is None:
            return None
        level = Section.Level.SERVICE
    else:
        return None
    question = Question.objects.filter(
        section__version_id=assessment.bank_version_id, section__level=level, key=key
    ).first()
    return None if question is None else (service, question)


# --------------------------------------------------------------------------------------- lists and the log


def assessments_for_review(user: User) -> QuerySet[Assessment]:
    """The assessments assigned to `user` as an auditor (in person or through their firm), with open threads."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    firms = Membership.objects.filter(user=user, role=AUDITOR).values("organization_id")
    if not firms.exists():
        return Assessment.objects.none()
    return (
        assessments_visible_to(user)
        .filter(Q(assignments__auditor=user) | Q(assignments__firm_id__in=firms))
        .select_related("organization")
        .annotate(
            open_threads=Count(
                "comments", filter=Q(comments__parent__isnull=True, comments__resolved=False), distinct=True
            )
        )
        .order_by("-updated_at", "-id")
    )


def audit_log_allowed(user: User, assessment: Assessment) -> bool:
    return assessment_role(user, assessment) in (MANAGER, AUDITOR)


def audit_events(user: User, assessment: Assessment, *, action: str = "") -> QuerySet[AuditEvent]:
    """The assessment's audit log, newest first, optionally one event type; managers and auditors only."""
    if not audit_log_allowed(user, assessment):
        raise PermissionDenied("Only the organization's managers and the assigned auditors read the audit log.")
    events = AuditEvent.objects.filter(assessment=assessment).select_related("actor").order_by("-created_at", "-id")
    return events.filter(action=action) if action else events


def audit_actions(assessment: Assessment) -> list[str]:
    return sorted(set(AuditEvent.objects.filter(assessment=assessment).values_list("action", flat=True)))


# ------------------------------------------------------------------------------------ memo versions, diff


def memos_of(assessment: Assessment) -> QuerySet[Memo]:
    return assessment.memos.select_related("created_by", "bank_version__bank").order_by("-number")


@dataclass(frozen=True)
class Change:
    where: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        if self.before == "—":
            return "added"
        if self.after == "—":
            return "removed"
        return "changed"


@dataclass
class MemoDiff:
    older: Memo
    newer: Memo
    answers: list[Change]
    conclusions: list[Change]
    overrides: list[Change]
    comments: list[Comment]

    @property
    def is_empty(self) -> bool:
        return not (self.answers or self.conclusions or self.overrides or self.comments)


ABSENT = "—"


def _show(value: Any) -> str:
    if value is None:
        return "not answered"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key, ABSENT), after.get(key, ABSENT)
        if old != new:
            shown_old = ABSENT if old is ABSENT else _show(old)
            changes.append(Change(key, shown_old, ABSENT if new is ABSENT else _show(new)))
    return changes


def _profile_facts(profile: Mapping[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {"as of": profile.get("as_of")}
    for key, value in ((profile.get("organization") or {}).get("answers") or {}).items():
        facts[f"organization · {key}"] = value
    for service in profile.get("services") or []:
        facts[f"service {service.get('key')} · name"] = service.get("name")
        for key, value in (service.get("answers") or {}).items():
            facts[f"service {service.get('key')} · {key}"] = value
    for vendor in profile.get("subservice_organizations") or []:
        for key in ("service", "services", "has_soc_report", "controls_required", "will_participate"):
            facts[f"subservice organization {vendor.get('name')} · {key}"] = vendor.get(key)
    return facts


def _result_facts(result: Mapping[str, Any]) -> dict[str, Any]:
    """The conclusions of a result (as decided, overrides applied), without the reasons behind them."""
    facts: dict[str, Any] = {}
    for service in result.get("services") or []:
        name = service.get("name") or service.get("key")
        for family, label in (("soc1", "SOC 1"), ("soc2", "SOC 2")):
            facts[f"{name} · {label}"] = value_display("strength", (service.get(family) or {}).get("strength"))
        categories = (service.get("soc2") or {}).get("categories") or {}
        # PostgreSQL's jsonb does not keep key order, so stored results are put back in the contract's order.
        order = list(CATEGORY_LABELS)
        ranked = sorted(categories, key=lambda c: (order.index(c) if c in order else len(order), c))
        facts[f"{name} · SOC 2 categories"] = [CATEGORY_LABELS.get(c, c) for c in ranked]
    for report in result.get("reports") or []:
        label = report.get("report", "").upper().replace("SOC", "SOC ")
        facts[f"{label} report · type"] = value_display("type", report.get("type"))
        facts[f"{label} report · services"] = report.get("services")
        if report.get("period"):
            facts[f"{label} report · period"] = value_display("period", report.get("period"))
        if report.get("as_of"):
            facts[f"{label} report · as of"] = report.get("as_of")
        if report.get("bridge_letter"):
            facts[f"{label} report · bridge letter"] = value_display("period", report.get("bridge_letter"))
    for vendor in result.get("subservice_organizations") or []:
        facts[f"{vendor.get('name')} · method"] = value_display("method", vendor.get("method"))
    facts["flags"] = sorted(
        {f"{f.get('code')}" + (f" ({f.get('service')})" if f.get("service") else "") for f in result.get("flags") or []}
    )
    return facts


def _override_facts(result: Mapping[str, Any], overrides: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    facts = {}
    for override in overrides:
        target = str(override.get("target"))
        try:
            label, kind = target_label(result, target), target_kind(target)
        except ValueError:
            label, kind = target, ""
        facts[label] = f"{value_display(kind, override.get('value'))} (because {override.get('reason', '')})"
    return facts


def conclusion_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """How the conclusions of two results differ: used by the memo diff and by the bank replay."""
    return _changes(_result_facts(before), _result_facts(after))


def memo_diff(older: Memo, newer: Memo) -> MemoDiff:
    """What changed from one memo version to another: answers, conclusions as decided, overrides, and the
    comments written between the two versions."""
    if older.number > newer.number:
        older, newer = newer, older
    old_shown = result_with_overrides(older.result, older.overrides or [])
    new_shown = result_with_overrides(newer.result, newer.overrides or [])
    comments = list(
        Comment.objects.filter(
            assessment_id=newer.assessment_id, created_at__gt=older.created_at, created_at__lte=newer.created_at
        )
        .select_related("author", "service")
        .order_by("created_at", "id")
    )
    return MemoDiff(
        older=older,
        newer=newer,
        answers=_changes(_profile_facts(older.profile), _profile_facts(newer.profile)),
        conclusions=conclusion_changes(old_shown, new_shown),
        overrides=_changes(
            _override_facts(older.result, older.overrides or []), _override_facts(newer.result, newer.overrides or [])
        ),
        comments=comments,
    )
