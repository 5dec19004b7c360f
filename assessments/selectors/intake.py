"""Reads for the questionnaire: an assessment's answers, progress, scoping profile and live result.

Everything here starts from an assessment the caller already obtained through `selectors.access` (so the user
may see it) and loads what it needs in a fixed number of queries, however many services or answers it has.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q
from django.urls import reverse

from assessments.engine import (
    Bank,
    ProfileError,
    Question,
    Result,
    parse_profile,
    scope,
    sensitivity,
    visible_questions,
)
from assessments.engine.model import Reason, Section
from assessments.models import Assessment, Membership, SectionState, Service, SubserviceOrganization, User
from assessments.selectors.access import AUDITOR, MANAGER, assessments_visible_to
from assessments.selectors.banks import engine_bank

ORGANIZATION = "organization"
SERVICE = "service"
PROFILE_SCHEMA = "socscope.profile/1"
DASHBOARD_PAGE_SIZE = 25
TRISTATE_JSON = {"yes": True, "no": False, "unknown": "unknown"}
UNKNOWN = "unknown"

COMPLETE = "complete"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"
STATUS_LABELS = {COMPLETE: "Complete", IN_PROGRESS: "In progress", NOT_STARTED: "Not started"}


def section_url(assessment_id: int, section_key: str, service: Service | None) -> str:
    if service is None:
        return reverse("assessments:section", args=[assessment_id, section_key])
    return reverse("assessments:service_section", args=[assessment_id, service.pk, section_key])


@dataclass(frozen=True)
class SectionEntry:
    """One page of the questionnaire: a section, for the organization or for one service, and its progress."""

    assessment_id: int
    section: Section
    service: Service | None
    answered: int
    required: int
    version: int
    url: str

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title if self.service is None else f"{self.service.name}: {self.section.title}"

    @property
    def status(self) -> str:
        if self.answered >= self.required and (self.required or self.version):
            return COMPLETE
        if self.answered or self.version:
            return IN_PROGRESS
        return NOT_STARTED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE


@dataclass(frozen=True)
class OpenItem:
    """A shown question that still needs attention: required and unanswered, or answered "don't know"."""

    entry: SectionEntry
    question: Question
    unknown: bool

    @property
    def url(self) -> str:
        return f"{self.entry.url}#q-{self.question.key}"

    @property
    def where(self) -> str:
        return self.entry.title


@dataclass(frozen=True)
class PageLink:
    title: str
    url: str


@dataclass(frozen=True)
class Position:
    step: int
    total: int
    previous: PageLink | None
    following: PageLink | None


@dataclass(frozen=True)
class Progress:
    answered: int
    required: int

    @property
    def percent(self) -> int:
        return 100 if not self.required else round(100 * self.answered / self.required)

    @property
    def open(self) -> int:
        return self.required - self.answered


@dataclass
class Intake:
    """An assessment with everything the questionnaire reads, loaded once. Answers are contract JSON values."""

    assessment: Assessment
    bank: Bank
    services: list[Service]
    subservice_organizations: list[SubserviceOrganization]
    org_answers: dict[str, Any]
    service_answers: dict[int, dict[str, Any]]
    states: dict[tuple[int | None, str], SectionState]
    # The services whose answers were loaded; None when all were (see `section_intake_load`).
    loaded: frozenset[int] | None = None
    # Services with the same answers show the same questions (the organization's answers are fixed here), so
    # visibility and counts are computed once per distinct set of answers: most services of a fresh assessment
    # have none, and a dashboard page of them costs one computation each.
    _shown: dict[tuple[bool, str], set[str]] = field(default_factory=dict, repr=False)
    _counts: dict[tuple[str, bool, str], tuple[int, int]] = field(default_factory=dict, repr=False)
    _totals: dict[tuple[bool, str], tuple[int, int]] = field(default_factory=dict, repr=False)
    # Per owner (None or a service id): the answers never change within one Intake (`with_changes` makes a
    # new one), so their canonical form is written once rather than at every section of every service.
    _keys: dict[int | None, tuple[bool, str]] = field(default_factory=dict, repr=False)
    _urls: dict[tuple[str, int | None], str] = field(default_factory=dict, repr=False)

    def _require_all(self) -> None:
        if self.loaded is not None:
            raise ValueError("This needs every service's answers: load the assessment with intake_load().")

    def answers_for(self, service: Service | None) -> dict[str, Any]:
        return self.org_answers if service is None else self.service_answers.get(service.pk, {})

    def _memo_key(self, service: Service | None) -> tuple[bool, str]:
        owner = None if service is None else service.pk
        if owner not in self._keys:
            self._keys[owner] = (service is None, json.dumps(self.answers_for(service), sort_keys=True))
        return self._keys[owner]

    def page_url(self, section_key: str, service: Service | None) -> str:
        """`section_url`, resolved once per page: a result panel links dozens of reasons to the same pages."""
        key = (section_key, None if service is None else service.pk)
        if key not in self._urls:
            self._urls[key] = section_url(self.assessment.pk, section_key, service)
        return self._urls[key]

    def shown(self, service: Service | None) -> set[str]:
        """Keys of the questions the engine shows for the organization (None) or one service."""
        key = self._memo_key(service)
        if key not in self._shown:
            if service is None:
                questions = visible_questions(self.bank, ORGANIZATION, self.org_answers)
            else:
                questions = visible_questions(self.bank, SERVICE, self.org_answers, self.answers_for(service))
            self._shown[key] = {question.key for question in questions}
        return self._shown[key]

    def with_changes(self, service: Service | None, changes: Mapping[str, Any]) -> Intake:
        """A copy with unsaved answers laid over the saved ones (None clears), for the live preview."""
        own = dict(self.answers_for(service))
        for key, value in changes.items():
            if value is None:
                own.pop(key, None)
            else:
                own[key] = value
        memos: dict[str, Any] = {"_shown": {}, "_counts": {}, "_totals": {}, "_keys": {}}
        if service is None:
            return replace(self, org_answers=own, **memos)
        return replace(self, service_answers={**self.service_answers, service.pk: own}, **memos)

    def version(self, service: Service | None, section_key: str) -> int:
        state = self.states.get((None if service is None else service.pk, section_key))
        return state.version if state is not None else 0

    def section(self, section_key: str, level: str) -> Section | None:
        return next((s for s in self.bank.sections if s.key == section_key and s.level == level), None)

    def entry(self, section: Section, service: Service | None) -> SectionEntry:
        key = (section.key, *self._memo_key(service))
        if key not in self._counts:
            shown = self.shown(service)
            answers = self.answers_for(service)
            required = [q for q in section.questions if q.key in shown and q.required]
            self._counts[key] = (sum(1 for q in required if answers.get(q.key) is not None), len(required))
        answered, required_count = self._counts[key]
        return SectionEntry(
            self.assessment.pk,
            section,
            service,
            answered,
            required_count,
            self.version(service, section.key),
            self.page_url(section.key, service),
        )

    def entries(self) -> list[SectionEntry]:
        """The questionnaire's pages in order: the organization's sections, then each (loaded) service's."""
        entries = [self.entry(s, None) for s in self.bank.sections if s.level == ORGANIZATION]
        for service in self.services:
            if self.loaded is None or service.pk in self.loaded:
                entries.extend(self.entry(s, service) for s in self.bank.sections if s.level == SERVICE)
        return entries

    def pages(self) -> list[tuple[Section, Service | None]]:
        """Every page of the questionnaire in order, without reading answers."""
        org = [(s, None) for s in self.bank.sections if s.level == ORGANIZATION]
        per_service = [s for s in self.bank.sections if s.level == SERVICE]
        return org + [(s, service) for service in self.services for s in per_service]

    def position(self, section: Section, service: Service | None) -> Position:
        """Where a page sits in the questionnaire: its step number and its neighbours."""
        pages = self.pages()
        index = next(
            i
            for i, (page, owner) in enumerate(pages)
            if page.key == section.key and getattr(owner, "pk", None) == getattr(service, "pk", None)
        )

        def link(at: int) -> PageLink | None:
            if not 0 <= at < len(pages):
                return None
            page, owner = pages[at]
            title = page.title if owner is None else f"{owner.name}: {page.title}"
            return PageLink(title, self.page_url(page.key, owner))

        return Position(index + 1, len(pages), link(index - 1), link(index + 1))

    def progress(self) -> Progress:
        """Answered / shown required questions over the whole questionnaire."""
        self._require_all()
        answered = required = 0
        for owner in (None, *self.services):
            done, needed = self._owner_counts(owner)
            answered += done
            required += needed
        return Progress(answered, required)

    def _owner_counts(self, service: Service | None) -> tuple[int, int]:
        key = self._memo_key(service)
        if key not in self._totals:
            level = ORGANIZATION if service is None else SERVICE
            shown = self.shown(service)
            answers = self.answers_for(service)
            required = [q.key for s in self.bank.sections if s.level == level for q in s.questions if q.required]
            needed = [k for k in required if k in shown]
            self._totals[key] = (sum(1 for k in needed if answers.get(k) is not None), len(needed))
        return self._totals[key]

    def open_items(self) -> list[OpenItem]:
        self._require_all()
        items = []
        for entry in self.entries():
            shown = self.shown(entry.service)
            answers = self.answers_for(entry.service)
            for question in entry.section.questions:
                if question.key not in shown:
                    continue
                value = answers.get(question.key)
                if value == UNKNOWN and question.allow_unknown:
                    items.append(OpenItem(entry, question, unknown=True))
                elif value is None and question.required:
                    items.append(OpenItem(entry, question, unknown=False))
        return items

    def is_complete(self) -> bool:
        self._require_all()
        return bool(self.services) and all(entry.answered >= entry.required for entry in self.entries())

    def profile(self) -> dict[str, Any]:
        """The `socscope.profile/1` document: only the answers of questions that are shown."""
        self._require_all()
        assessment = self.assessment
        shown_org = self.shown(None)
        keys = {service.pk: service.key for service in self.services}
        services = []
        for service in self.services:
            shown = self.shown(service)
            item: dict[str, Any] = {"key": service.key, "name": service.name}
            if service.description:
                item["description"] = service.description
            item["answers"] = _answers(self.answers_for(service), shown)
            services.append(item)
        subservices = []
        for sub in self.subservice_organizations:
            item = {"name": sub.name}
            if sub.provides:
                item["service"] = sub.provides
            item["services"] = [keys[s.pk] for s in sub.services.all() if s.pk in keys]
            for flag in ("has_soc_report", "controls_required", "will_participate"):
                item[flag] = TRISTATE_JSON[getattr(sub, flag)]
            subservices.append(item)
        return {
            "schema": PROFILE_SCHEMA,
            "as_of": assessment.as_of.isoformat(),
            "organization": {"name": assessment.organization.name, "answers": _answers(self.org_answers, shown_org)},
            "services": services,
            "subservice_organizations": subservices,
        }

    def scoping(self) -> Scoping:
        """The engine's result for the current answers, or the reasons there is none yet."""
        if not self.services:
            return Scoping(None, ["Add at least one service to see its scoping."])
        try:
            profile = parse_profile(self.bank, self.profile())
        except ProfileError as exc:
            return Scoping(None, list(exc.problems))
        return Scoping(scope(self.bank, profile), [])


def _answers(answers: Mapping[str, Any], shown: Iterable[str]) -> dict[str, Any]:
    shown = set(shown)
    return {key: value for key, value in sorted(answers.items()) if key in shown and value is not None}


@dataclass(frozen=True)
class Scoping:
    result: Result | None
    problems: list[str]


def intake_load(assessment: Assessment) -> Intake:
    """Everything the questionnaire reads for `assessment`, in five queries (plus the bank once per process)."""
    return _load(assessment, None)


def section_intake_load(assessment: Assessment, service: Service | None) -> Intake:
    """What one questionnaire page needs: the organization's answers and those of `service` only.

    A page's cost then does not grow with the number of services; the profile, the result and the overall
    progress need `intake_load`.
    """
    return _load(assessment, frozenset() if service is None else frozenset({service.pk}))


def _load(assessment: Assessment, loaded: frozenset[int] | None) -> Intake:
    services = list(assessment.services.order_by("position", "id"))
    subservices = []
    answers = assessment.answers.all()
    states = assessment.section_states.all()
    if loaded is None:
        subservices = list(
            assessment.subservice_organizations.order_by("position", "id").prefetch_related(
                Prefetch("services", queryset=Service.objects.order_by("position", "id"))
            )
        )
    else:
        answers = answers.filter(Q(service__isnull=True) | Q(service__in=loaded))
        states = states.filter(Q(service__isnull=True) | Q(service__in=loaded))
    org_answers: dict[str, Any] = {}
    service_answers: dict[int, dict[str, Any]] = {}
    for service_id, key, value in answers.values_list("service_id", "question_key", "value"):
        if value is None:
            continue
        (org_answers if service_id is None else service_answers.setdefault(service_id, {}))[key] = value
    return Intake(
        assessment=assessment,
        bank=engine_bank(assessment.bank_version),
        services=services,
        subservice_organizations=subservices,
        org_answers=org_answers,
        service_answers=service_answers,
        states={(state.service_id, state.section_key): state for state in states},
        loaded=loaded,
    )


def assessment_profile(assessment: Assessment) -> dict[str, Any]:
    """The `socscope.profile/1` document for the assessment's saved answers."""
    return intake_load(assessment).profile()


def assessment_scope(assessment: Assessment) -> dict[str, Any]:
    """The engine's `socscope.result/1` document for the saved answers.

    Raises the engine's `ProfileError` while the answers do not form a valid profile (no service yet).
    """
    intake = intake_load(assessment)
    return scope(intake.bank, parse_profile(intake.bank, intake.profile())).to_dict()


def resume_entry(intake: Intake, user: User) -> SectionEntry | None:
    """Where `user` left off: the section they saved last if it still has open questions, else the next
    unfinished section after it, else the first unfinished one. None when everything is complete."""
    entries = intake.entries()
    if not entries:
        return None
    own = [s for s in intake.states.values() if s.updated_by_id == user.pk]
    start = 0
    if own:
        last = max(own, key=lambda state: (state.updated_at, state.pk))
        for index, entry in enumerate(entries):
            if entry.key == last.section_key and getattr(entry.service, "pk", None) == last.service_id:
                start = index
                break
    ordered = entries[start:] + entries[:start]
    return next((entry for entry in ordered if not entry.complete), None)


# ------------------------------------------------------------------------------------------------ dashboard


@dataclass(frozen=True)
class NextAction:
    label: str
    url: str


@dataclass(frozen=True)
class DashboardRow:
    assessment: Assessment
    progress: Progress
    role: str | None
    next_action: NextAction


def next_action(assessment: Assessment, role: str | None, has_services: bool, progress: Progress) -> NextAction:
    detail = reverse("assessments:assessment_detail", args=[assessment.pk])
    status = assessment.status
    Status = Assessment.Status
    if role == MANAGER and assessment.is_editable:
        if not has_services:
            return NextAction("Add the services to scope", detail)
        if progress.open:
            noun = "question" if progress.open == 1 else "questions"
            resume = reverse("assessments:questionnaire", args=[assessment.pk])
            return NextAction(f"Answer {progress.open} open {noun}", resume)
        if status == Status.CHANGES_REQUESTED:
            return NextAction("Address the review comments and resubmit", detail)
        return NextAction("Submit for review", detail)
    if status in (Status.SUBMITTED, Status.RESUBMITTED):
        return NextAction("Start the review" if role == AUDITOR else "Waiting for the auditor's review", detail)
    if status == Status.IN_REVIEW:
        return NextAction("Continue the review" if role == AUDITOR else "Being reviewed by the auditor", detail)
    if status == Status.APPROVED:
        return NextAction("Approved: read the memo", detail)
    if status == Status.CHANGES_REQUESTED:
        return NextAction("Waiting for the compliance manager's changes", detail)
    return NextAction("Being filled in by the compliance manager", detail)


def dashboard_page(user: User, page_number: Any) -> Page:
    """One page of the assessments `user` may see, newest change first, each as a `DashboardRow`.

    The query count does not grow with the number of assessments: the count, the page, which of its assessments
    have services and the user's roles. A row's progress is the copy the intake services store on the assessment
    with every write, so no answer is read and no condition evaluated here.
    """
    queryset = assessments_visible_to(user).select_related("organization", "updated_by").order_by("-updated_at", "-id")
    page = Paginator(queryset, DASHBOARD_PAGE_SIZE).get_page(page_number)
    # A query of its own, for the page's ids: as an EXISTS annotation PostgreSQL hashes every service there is.
    ids = [assessment.pk for assessment in page.object_list]
    with_services = set(
        Service.objects.filter(assessment_id__in=ids).order_by().values_list("assessment_id", flat=True)
    )
    roles = dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))
    result = []
    for assessment in page.object_list:
        role = roles.get(assessment.organization_id)
        if role not in (MANAGER, Membership.Role.VIEWER):
            role = AUDITOR
        progress = Progress(answered=assessment.answered_count, required=assessment.required_count)
        action = next_action(assessment, role, assessment.pk in with_services, progress)
        result.append(DashboardRow(assessment, progress, role, action))
    page.object_list = result
    return page


# ------------------------------------------------------------------------------------------------ result panel

STRENGTH_LABELS = {"required": "Required", "recommended": "Recommended", "not_applicable": "Not applicable"}
CATEGORY_LABELS = {
    "security": "Security",
    "availability": "Availability",
    "processing_integrity": "Processing integrity",
    "confidentiality": "Confidentiality",
    "privacy": "Privacy",
}
REPORT_LABELS = {"soc1": "SOC 1", "soc2": "SOC 2", "soc3": "SOC 3"}
TYPE_LABELS = {"type1": "Type 1", "type2": "Type 2"}
METHOD_LABELS = {
    "inclusive": "Inclusive method",
    "carve_out": "Carve-out method",
    "excluded": "Outside the system (excluded)",
}
# Shown in the panel's own lists of open and "don't know" questions, with links; not repeated as flags.
ANSWER_FLAGS = ("missing_answer", "unknown_answer")


def answer_text(question: Question | None, value: Any) -> str:
    """An answer as a person reads it: choice labels, Yes/No, "Don't know"."""
    if value is None or value == [] or value == ():
        return "not answered"
    if value == UNKNOWN and (question is None or question.allow_unknown):
        return "Don't know"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if question is not None and question.type in ("single", "multi"):
        keys = value if isinstance(value, list | tuple) else [value]
        return ", ".join(question.choice_label(str(key)) for key in keys)
    return str(value)


@dataclass(frozen=True)
class Because:
    """One answer a conclusion rests on, with the sentence of the rule it triggered."""

    effect: str
    label: str
    answer: str
    url: str


@dataclass(frozen=True)
class FamilyView:
    name: str
    strength: str
    strength_label: str
    details: list[str]
    # `service:<key>:<family>`: what `conclusion_reasons` and `deciding_answers` explain, on request.
    target: str

    @property
    def applicable(self) -> bool:
        return self.strength != "not_applicable"


@dataclass(frozen=True)
class ServiceView:
    key: str
    name: str
    families: list[FamilyView]


@dataclass(frozen=True)
class ReportView:
    title: str
    when: str
    services: str
    categories: str
    # `report:<family>`, as for `FamilyView.target`.
    target: str
    next_steps: list[str]


@dataclass(frozen=True)
class ResultPanel:
    """What the live result panel shows for the current (possibly unsaved) answers."""

    problems: list[str]
    services: list[ServiceView]
    reports: list[ReportView]
    subservices: list[tuple[str, str]]
    flags: list[str]
    unanswered: list[OpenItem]
    unknown: list[OpenItem]

    @property
    def ready(self) -> bool:
        return not self.problems


def _because(intake: Intake, reasons: Iterable[Reason]) -> list[Because]:
    by_key = {service.key: service for service in intake.services}
    because = []
    for reason in reasons:
        question = intake.bank.questions.get(reason.question or "")
        url = ""
        if question is not None:
            service = by_key.get(reason.service or "")
            if question.level == ORGANIZATION or service is not None:
                url = intake.page_url(question.section, service) + f"#q-{question.key}"
        label = question.label if question is not None else (reason.question or "")
        because.append(Because(reason.effect, label, answer_text(question, reason.answer), url))
    return because


def conclusion_reasons(intake: Intake, target: str) -> list[Because] | None:
    """The answers one conclusion of the result panel rests on (`FamilyView.target`, `ReportView.target`); None
    when the current answers give no such conclusion."""
    result = intake.scoping().result
    if result is None:
        return None
    kind, _, key = target.partition(":")
    if kind == "service":
        key, _, family = key.partition(":")
        service = next((service for service in result.services if service.key == key), None)
        if service is None or family not in ("soc1", "soc2"):
            return None
        return _because(intake, getattr(service, family).reasons)
    report = result.report(key) if kind == "report" else None
    return None if report is None else _because(intake, report.reasons)


def result_panel(intake: Intake) -> ResultPanel:
    """The scoping per service and report: one `scope()` call, so it can follow every change. The answers each
    conclusion rests on (`conclusion_reasons`) and which answers would change it (`deciding_answers`) are asked
    for one conclusion at a time, when the reader unfolds it: at 20 services they would be most of every update."""
    items = intake.open_items()
    unanswered = [item for item in items if not item.unknown]
    unknown = [item for item in items if item.unknown]
    scoping = intake.scoping()
    result = scoping.result
    if result is None:
        return ResultPanel(scoping.problems, [], [], [], [], unanswered, unknown)
    names = {service.key: service.name for service in result.services}
    services = []
    for service in result.services:
        target = f"service:{service.key}"
        soc1 = FamilyView(
            "SOC 1",
            service.soc1.strength,
            STRENGTH_LABELS[service.soc1.strength],
            list(service.soc1.control_objective_areas),
            f"{target}:soc1",
        )
        soc2 = FamilyView(
            "SOC 2",
            service.soc2.strength,
            STRENGTH_LABELS[service.soc2.strength],
            [CATEGORY_LABELS.get(key, key) for key in service.soc2.category_keys],
            f"{target}:soc2",
        )
        services.append(ServiceView(service.key, service.name, [soc1, soc2]))
    reports = []
    for report in result.reports:
        if report.period is not None:
            when = f"Period {report.period.start.isoformat()} to {report.period.end.isoformat()}"
            if report.bridge_letter is not None:
                when += f"; bridge letter to {report.bridge_letter.end.isoformat()}"
        else:
            when = f"As of {report.as_of.isoformat()}" if report.as_of else ""
        reports.append(
            ReportView(
                f"{REPORT_LABELS.get(report.report, report.report)} {TYPE_LABELS.get(report.type, report.type)}",
                when,
                ", ".join(names.get(key, key) for key in report.services),
                ", ".join(CATEGORY_LABELS.get(key, key) for key in report.categories or ()),
                f"report:{report.report}",
                list(report.next_steps),
            )
        )
    subservices = [(sub.name, METHOD_LABELS.get(sub.method, sub.method)) for sub in result.subservice_organizations]
    flags = list(dict.fromkeys(flag.message for flag in result.flags if flag.code not in ANSWER_FLAGS))
    return ResultPanel([], services, reports, subservices, flags, unanswered, unknown)


@dataclass(frozen=True)
class Deciding:
    """One conclusion and each single answer whose change alone would flip it."""

    statement: str
    would_change_if: list[str]


def deciding_answers(intake: Intake, target: str) -> list[Deciding]:
    """The engine's `sensitivity()` for a service (`service:<key>`, or one family: `service:<key>:soc2`) or a report
    (`report:<family>`).

    Sensitivity scopes the profile again for every alternative answer, so it is asked for one target at a time
    and over the smallest profile that decides it. A service's conclusions depend on its own answers and the
    organization's: the service alone. A report's type depends on the organization's answers once the report
    exists: one service it covers, and a service answer counts only when that service is the report's only one
    (otherwise the report stays whatever that service answers). Unknown targets give an empty list.
    """
    kind, _, key = target.partition(":")
    document = intake.profile()
    document["subservice_organizations"] = []
    services_only_one = True
    if kind == "service":
        key, _, family = key.partition(":")
        document["services"] = [s for s in document["services"] if s["key"] == key]
        wanted = f"services.{key}.{family}"
    elif kind == "report" and key in REPORT_LABELS:
        result = intake.scoping().result
        report = result.report(key) if result is not None else None
        covered = list(report.services) if report is not None else []
        services_only_one = len(covered) == 1
        document["services"] = [s for s in document["services"] if covered and s["key"] == covered[0]]
        wanted = f"reports.{key}."
    else:
        return []
    if not document["services"]:
        return []
    try:
        profile = parse_profile(intake.bank, document)
    except ProfileError:
        return []
    return [
        Deciding(
            conclusion["statement"],
            [
                change["sentence"]
                for change in conclusion["would_change_if"]
                if services_only_one or change["service"] is None
            ],
        )
        for conclusion in sensitivity(intake.bank, profile)["conclusions"]
        if conclusion["id"].startswith(wanted)
    ]
