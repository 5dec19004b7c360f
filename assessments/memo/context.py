"""What the scoping memo says, as plain data: built once from plain documents, stored with the memo.

`memo_context_build` turns the profile, the engine's result (with the auditor's overrides applied through
`assessments.overrides`, as the review pages show it), the bank, the sensitivity analysis and the TSC catalogue
into a `MemoContext`: display-ready strings, lists and dicts only, so it round-trips through JSON and the app's
reading page shows exactly what the stored PDF shows. No database, no request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from assessments.engine import Bank, Question, visible_questions
from assessments.overrides import (
    CATEGORY_LABELS,
    FAMILY_LABELS,
    METHOD_LABELS,
    STRENGTH_LABELS,
    TYPE_LABELS,
    result_with_overrides,
)

MEMO_SCHEMA = "socscope.memo/1"
ORGANIZATION = "organization"
SERVICE = "service"
UNKNOWN = "unknown"
NOT_ANSWERED = "Not answered"
DONT_KNOW = "Don't know"

# soc-reference.md 1.2: cite "SSAE 18, as amended" rather than SSAE 21, which only amended some sections.
STANDARDS = {
    "soc1": "SSAE 18, as amended (AT-C 105, AT-C 205, AT-C 320)",
    "soc2": "SSAE 18, as amended (AT-C 105, AT-C 205); Trust Services Criteria (TSP section 100, 2017, revised "
    "points of focus 2022); description criteria DC 200",
    "soc3": "SSAE 18, as amended (AT-C 105, AT-C 205); Trust Services Criteria (TSP section 100, 2017, revised "
    "points of focus 2022)",
}
INTERNATIONAL_STANDARDS = {
    "soc1": "ISAE 3402 (dual-standard report)",
    "soc2": "ISAE 3000",
    "soc3": "ISAE 3000",
}
DISTRIBUTION = {
    "soc1": (
        "Restricted use",
        "The service organization's management, its user entities (the clients) and the user entities' "
        "financial statement auditors.",
    ),
    "soc2": (
        "Restricted use",
        "Management, user entities, prospective customers, business partners, regulators and others with enough "
        "knowledge of the system to understand the report, usually under a non-disclosure agreement.",
    ),
    "soc3": ("General use", "Anyone: the report may be published freely, for example on a website."),
}
TIMELINE_STEPS = {
    "readiness": "Readiness",
    "type1_date": "Type 1 date",
    "observation": "Observation window",
    "fieldwork": "Fieldwork",
    "report": "Expected report",
}
FLAG_LABELS = {
    "unknown_answer": "Answer not known",
    "missing_answer": "Answer missing",
    "no_report_indicated": "No report indicated",
    "requested_without_icfr_relevance": "SOC 1 requested without ICFR relevance",
    "consider_privacy": "Consider the Privacy category",
    "soc3_needs_type2": "SOC 3 needs a SOC 2 Type 2",
    "type2_requested_but_controls_immature": "Type 2 requested, controls not yet mature",
    "subservice_without_report": "Subservice organization without a SOC report",
}
# Non-canonical answers of the default bank that describe the system boundary (DC 3 / AT-C 320), with the
# heading the memo gives them. A bank without one of these questions simply leaves that line out.
ORGANIZATION_BOUNDARY = (
    ("system_name", "System"),
    ("operating_locations", "Locations"),
    ("infrastructure_model", "Infrastructure"),
    ("data_center_locations", "Data centres and cloud regions"),
    ("legal_entities_description", "Legal entities"),
    ("out_of_scope_description", "Left outside the system boundary"),
    ("planned_system_changes_description", "Planned system changes"),
    ("significant_incidents_description", "Significant incidents in the last 12 months"),
)
SERVICE_BOUNDARY = (
    ("transaction_processing_description", "Transaction flow"),
    ("key_reports_description", "Key reports clients rely on"),
    ("hosted_financial_applications", "Client financial applications hosted"),
    ("service_infrastructure", "Infrastructure"),
    ("service_software", "Software"),
    ("service_people", "People"),
    ("service_out_of_scope", "Excluded from the report"),
    ("commitment_documents", "Where the commitments are written down"),
)
MANAGEMENT_OWNER_KEYS = ("management_owner_name", "management_owner_title")
SERVICE_AUDITOR_KEY = "service_auditor_firm"
OPEN_ITEM_FLAGS = ("unknown_answer", "missing_answer")
INTERNATIONAL_KEY = "international_standard_needed"


@dataclass(frozen=True)
class Signature:
    name: str
    date: dt.date


@dataclass(frozen=True)
class MemoMeta:
    """Facts about this rendering that are not in the documents: which assessment, which version, who signed."""

    assessment: str
    status: str
    rendered_at: dt.datetime
    number: int | None = None  # None: rendered without being stored (the `scope` command)
    prepared_by: Signature | None = None
    approved_by: Signature | None = None


@dataclass(frozen=True)
class MemoContext:
    """Everything the memo template shows, display-ready; `to_dict()` / `from_dict()` round-trip through JSON."""

    cover: dict[str, Any]
    summary: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    open_items: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    services: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    soc1: list[dict[str, Any]]
    boundaries: dict[str, Any]
    subservice_organizations: list[dict[str, Any]]
    cuecs: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    sign_off: dict[str, Any]
    appendix: list[dict[str, Any]]
    schema: str = MEMO_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoContext:
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


# ------------------------------------------------------------------------------------------------ wording


def date_text(value: str | dt.date | None) -> str:
    """`2026-11-26` as `26 November 2026`."""
    if value is None:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return f"{day.day} {day:%B %Y}"


def period_text(period: Mapping[str, str] | None) -> str:
    if not period:
        return ""
    return f"{date_text(period['start'])} to {date_text(period['end'])}"


def answer_text(question: Question | None, value: Any) -> str:
    """An answer as a person reads it: choice labels, Yes/No, Don't know, dates in words."""
    if value is None:
        return NOT_ANSWERED
    if value == UNKNOWN:
        return DONT_KNOW
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        labels = [question.choice_label(str(key)) if question else str(key) for key in value]
        return "; ".join(labels) if labels else "None selected"
    if question is not None and question.type == "single":
        return question.choice_label(str(value))
    if question is not None and question.type == "date":
        return date_text(str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Reader:
    """Looks things up in the bank and the profile for the builder."""

    def __init__(self, bank: Bank, profile: Mapping[str, Any]) -> None:
        self.bank = bank
        self.profile = profile
        self.org_answers: dict[str, Any] = dict((profile.get("organization") or {}).get("answers") or {})
        self.services: list[Mapping[str, Any]] = list(profile.get("services") or [])
        self.service_names = {service["key"]: service["name"] for service in self.services}

    def question(self, key: str | None) -> Question | None:
        return self.bank.questions.get(key) if key else None

    def label(self, key: str | None) -> str:
        question = self.question(key)
        return question.label if question else (key or "").replace("_", " ").capitalize()

    def service_name(self, key: str | None) -> str:
        return self.service_names.get(key or "", key or "")

    def names(self, keys: Iterable[str] | None) -> list[str]:
        return [self.service_name(key) for key in keys or ()]

    def answers(self, service: Mapping[str, Any] | None) -> dict[str, Any]:
        return self.org_answers if service is None else dict(service.get("answers") or {})

    def shown(self, service: Mapping[str, Any] | None) -> list[Question]:
        if service is None:
            return visible_questions(self.bank, ORGANIZATION, self.org_answers)
        return visible_questions(self.bank, SERVICE, self.org_answers, self.answers(service))

    def reasons(self, reasons: Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
        """Each reason's sentence, and what it rests on: the rule (traceable to the bank) and the answer read."""
        shown = []
        for reason in reasons or ():
            basis = [f"Rule {reason['rule']}"] if reason.get("rule") else []
            key = reason.get("question")
            if key:
                where = f" ({self.service_name(reason.get('service'))})" if reason.get("service") else ""
                basis.append(f"{self.label(key)}{where}: {answer_text(self.question(key), reason.get('answer'))}")
            shown.append({"text": reason.get("effect", ""), "basis": " · ".join(basis)})
        return shown


# ------------------------------------------------------------------------------------------------ builder


def memo_context_build(
    *,
    profile: Mapping[str, Any],
    result: Mapping[str, Any],
    bank: Bank,
    sensitivity: Mapping[str, Any],
    criteria: Sequence[Mapping[str, Any]],
    meta: MemoMeta,
    overrides: Iterable[Mapping[str, Any]] = (),
) -> MemoContext:
    """The memo for `result` (the engine's, before overrides) of `profile` under `bank`.

    `criteria` is the TSC catalogue (`code`, `category`, `group`, `short_title`); `overrides` are the auditor's
    (`target`, `engine_value`, `value`, `reason`, `author`, `created_at`), applied here as the review shows them.
    """
    reader = _Reader(bank, profile)
    decided = result_with_overrides(result, overrides)
    conclusions = list(sensitivity.get("conclusions") or [])
    reports = [_report(reader, report, conclusions) for report in decided.get("reports") or []]
    open_items, covered = _open_items(reader, decided.get("flags") or [])
    flags = [
        {
            "label": FLAG_LABELS.get(flag.get("code", ""), flag.get("code", "").replace("_", " ").capitalize()),
            "where": reader.service_name(flag.get("service")) if flag.get("service") else "Organization",
            "question": reader.label(flag["question"]) if flag.get("question") else "",
            "message": flag.get("message", ""),
        }
        for flag in decided.get("flags") or []
        if (flag.get("code"), flag.get("service"), flag.get("question")) not in covered
    ]
    return MemoContext(
        cover=_cover(reader, decided, meta, reports, len(flags), len(open_items)),
        summary=[
            {key: report[key] for key in ("anchor", "title", "type", "when", "services", "categories", "distribution")}
            for report in reports
        ],
        flags=flags,
        open_items=open_items,
        overrides=[
            {
                "sentence": entry["sentence"],
                "author": entry.get("author") or "",
                "date": date_text(str(entry["created_at"])[:10]) if entry.get("created_at") else "",
                "applied": entry["applied"],
            }
            for entry in decided.get("overrides") or []
        ],
        services=[_service(reader, service, conclusions) for service in decided.get("services") or []],
        reports=reports,
        categories=_categories(reader, decided, criteria),
        soc1=_soc1(decided),
        boundaries=_boundaries(reader),
        subservice_organizations=[
            {
                "name": sub.get("name", ""),
                "provides": sub.get("service") or "",
                "services": reader.names(sub.get("services")),
                "method": METHOD_LABELS.get(sub.get("method", ""), sub.get("method", "")),
                "overridden": "method" in (sub.get("overridden") or {}),
                "reasons": reader.reasons(sub.get("reasons")),
                "csocs": list(sub.get("csocs") or []),
            }
            for sub in decided.get("subservice_organizations") or []
        ],
        cuecs=[
            {
                "text": cuec.get("text", ""),
                "report": FAMILY_LABELS.get(cuec.get("report", ""), cuec.get("report", "")),
                "services": reader.names(cuec.get("services")),
                "relates_to": list(cuec.get("relates_to") or []),
            }
            for cuec in decided.get("cuecs") or []
        ],
        timeline=[
            {"title": report["title"], "anchor": report["anchor"], "steps": report["timeline"]}
            for report in reports
            if report["timeline"]
        ],
        sign_off=_sign_off(reader, meta),
        appendix=_appendix(reader),
    )


def _cover(
    reader: _Reader,
    result: Mapping[str, Any],
    meta: MemoMeta,
    reports: list[dict[str, Any]],
    flag_count: int,
    open_count: int,
) -> dict[str, Any]:
    organization = (reader.profile.get("organization") or {}).get("name", "")
    bank = result.get("bank") or {}
    stored = meta.number is not None
    version = f"Version {meta.number}" if stored else "Preview (not stored)"
    title = f"SOC scoping memo: {organization}"
    recommended = "; ".join(f"{report['title']} {report['type']}".strip() for report in reports) or "no report"
    rendered = meta.rendered_at.astimezone(dt.UTC).replace(microsecond=0)
    return {
        "organization": organization,
        "assessment": meta.assessment,
        "system": str(reader.org_answers.get("system_name") or ""),
        "as_of": date_text(result.get("as_of")),
        "bank": f"{bank.get('key', '')}@{bank.get('version', '')}",
        "bank_checksum": bank.get("checksum", ""),
        "engine_version": result.get("engine_version", ""),
        "input_checksum": result.get("input_checksum", ""),
        "status": meta.status,
        "memo_version": version,
        "rendered": f"{date_text(rendered.date())}, {rendered:%H:%M} UTC",
        "flag_count": flag_count,
        "open_count": open_count,
        "pdf_title": f"{title}, {meta.assessment} ({version if stored else 'preview'})",
        "pdf_author": meta.prepared_by.name if meta.prepared_by else "socscope",
        "pdf_subject": f"Scoping of SOC reports as of {date_text(result.get('as_of'))}: {recommended}.",
        "pdf_keywords": ", ".join(["SOC scoping", *dict.fromkeys(report["title"] for report in reports)]),
        "pdf_created": rendered.isoformat().replace("+00:00", "Z"),
    }


def _sensitivity_for(
    conclusions: Iterable[Mapping[str, Any]], *, service: str | None = None, report: str | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "statement": conclusion.get("statement", ""),
            "changes": [change.get("sentence", "") for change in conclusion.get("would_change_if") or []],
        }
        for conclusion in conclusions
        if conclusion.get("service") == service and conclusion.get("report") == report
    ]


def _service(reader: _Reader, service: Mapping[str, Any], conclusions: list[Mapping[str, Any]]) -> dict[str, Any]:
    soc1 = service.get("soc1") or {}
    soc2 = service.get("soc2") or {}
    profile_service = next((s for s in reader.services if s.get("key") == service.get("key")), {})
    return {
        "key": service.get("key", ""),
        "name": service.get("name", ""),
        "description": profile_service.get("description") or "",
        "families": [
            {
                "title": "SOC 1",
                "strength": STRENGTH_LABELS.get(soc1.get("strength", ""), ""),
                "overridden": "strength" in (soc1.get("overridden") or {}),
                "reasons": reader.reasons(soc1.get("reasons")),
                "details": list(soc1.get("control_objective_areas") or []),
                "details_title": "Control objective areas",
            },
            {
                "title": "SOC 2",
                "strength": STRENGTH_LABELS.get(soc2.get("strength", ""), ""),
                "overridden": "strength" in (soc2.get("overridden") or {}),
                "reasons": reader.reasons(soc2.get("reasons")),
                "details": [CATEGORY_LABELS.get(key, key) for key in soc2.get("categories") or {}],
                "details_title": "Trust Services Categories",
            },
        ],
        "sensitivity": _sensitivity_for(conclusions, service=service.get("key")),
    }


def _report(reader: _Reader, report: Mapping[str, Any], conclusions: list[Mapping[str, Any]]) -> dict[str, Any]:
    family = report.get("report", "")
    kind = report.get("type")
    if kind == "type1":
        when = f"As of {date_text(report.get('as_of'))}"
    elif kind == "type2":
        when = period_text(report.get("period"))
    else:
        when = "To be decided"
    bridge = report.get("bridge_letter")
    standard = STANDARDS.get(family, "")
    if reader.org_answers.get(INTERNATIONAL_KEY) is True:
        standard = f"{standard}; also {INTERNATIONAL_STANDARDS[family]}"
    distribution, audience = DISTRIBUTION.get(family, ("", ""))
    return {
        "anchor": f"report-{family}",
        "title": FAMILY_LABELS.get(family, family),
        "type": TYPE_LABELS.get(kind or "", "Type to be decided"),
        "when": when,
        "overridden": sorted((report.get("overridden") or {}).keys()),
        "services": reader.names(report.get("services")),
        "categories": [CATEGORY_LABELS.get(key, key) for key in report.get("categories") or []],
        "standard": standard,
        "bridge_letter": period_text(bridge) if bridge else "",
        "reasons": reader.reasons(report.get("reasons")),
        "next_steps": list(report.get("next_steps") or []),
        "distribution": distribution,
        "audience": audience,
        "sensitivity": _sensitivity_for(conclusions, report=family),
        "timeline": [
            {
                "step": TIMELINE_STEPS.get(step.get("step", ""), step.get("step", "")),
                "start": date_text(step.get("start")),
                "end": date_text(step.get("end")),
                "description": step.get("description", ""),
            }
            for step in report.get("timeline") or []
        ],
    }


def _categories(
    reader: _Reader, result: Mapping[str, Any], criteria: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The SOC 2 report's categories, each with why it is in scope and its criteria; other categories' criteria
    are left out on purpose (the memo lists only what the examination covers)."""
    soc2 = next((r for r in result.get("reports") or [] if r.get("report") == "soc2"), None)
    if soc2 is None:
        return []
    in_report = set(soc2.get("services") or [])
    selected = []
    for key in soc2.get("categories") or []:
        rationale = []
        for service in result.get("services") or []:
            if service.get("key") not in in_report:
                continue
            categories = (service.get("soc2") or {}).get("categories") or {}
            if key in categories:
                overridden = key in ((service.get("soc2") or {}).get("overridden") or {})
                reasons = reader.reasons(categories[key])
                if overridden:
                    reasons.append({"text": "Included by the auditor's override (see section 3).", "basis": ""})
                rationale.append({"service": service.get("name", ""), "reasons": reasons})
        rows = [
            {"code": c["code"], "title": c["short_title"], "group": c.get("group", "")}
            for c in criteria
            if c.get("category") == key
        ]
        selected.append({"key": key, "title": CATEGORY_LABELS.get(key, key), "rationale": rationale, "criteria": rows})
    return selected


def _soc1(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    report = next((r for r in result.get("reports") or [] if r.get("report") == "soc1"), None)
    if report is None:
        return []
    members = set(report.get("services") or [])
    return [
        {
            "service": service.get("name", ""),
            "areas": list((service.get("soc1") or {}).get("control_objective_areas") or []),
        }
        for service in result.get("services") or []
        if service.get("key") in members
    ]


def _facts(reader: _Reader, service: Mapping[str, Any] | None, keys: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    shown = {question.key: question for question in reader.shown(service)}
    answers = reader.answers(service)
    return [
        {"heading": heading, "text": answer_text(shown[key], answers.get(key))} for key, heading in keys if key in shown
    ]


def _boundaries(reader: _Reader) -> dict[str, Any]:
    return {
        "organization": _facts(reader, None, ORGANIZATION_BOUNDARY),
        "services": [
            {
                "name": service.get("name", ""),
                "description": service.get("description") or "",
                "facts": _facts(reader, service, SERVICE_BOUNDARY),
            }
            for service in reader.services
        ],
    }


def _open_items(
    reader: _Reader, flags: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, str]], set[tuple[str, str | None, str]]]:
    """Shown questions that need attention: answered "don't know", or unanswered when required or flagged.

    Also returns the engine's `unknown_answer` / `missing_answer` flags these items already say, so the flags
    table does not repeat them.
    """
    flagged = {(flag.get("service"), flag.get("question")) for flag in flags if flag.get("code") in OPEN_ITEM_FLAGS}
    items, covered = [], set()
    for service in [None, *reader.services]:
        key = None if service is None else service.get("key")
        answers = reader.answers(service)
        for question in reader.shown(service):
            value = answers.get(question.key)
            if value == UNKNOWN or (value is None and (question.required or (key, question.key) in flagged)):
                items.append(
                    {
                        "where": "Organization" if service is None else service.get("name", ""),
                        "question": question.label,
                        "status": DONT_KNOW if value == UNKNOWN else NOT_ANSWERED,
                    }
                )
                covered |= {(code, key, question.key) for code in OPEN_ITEM_FLAGS}
    return items, covered


def _sign_off(reader: _Reader, meta: MemoMeta) -> dict[str, Any]:
    def signature(role: str, signed: Signature | None) -> dict[str, str]:
        if signed is None:
            return {"role": role, "name": "", "date": ""}
        return {"role": role, "name": signed.name, "date": date_text(signed.date)}

    owner = ", ".join(str(reader.org_answers[key]) for key in MANAGEMENT_OWNER_KEYS if reader.org_answers.get(key))
    return {
        "signatures": [signature("Prepared by", meta.prepared_by), signature("Approved by", meta.approved_by)],
        "management_owner": owner,
        "service_auditor": str(reader.org_answers.get(SERVICE_AUDITOR_KEY) or ""),
    }


def _appendix(reader: _Reader) -> list[dict[str, Any]]:
    """Every shown question with its answer: the organization's sections, then each service's."""
    groups = []
    for service in [None, *reader.services]:
        shown = {question.key for question in reader.shown(service)}
        answers = reader.answers(service)
        level = ORGANIZATION if service is None else SERVICE
        for section in reader.bank.sections:
            if section.level != level:
                continue
            questions = [
                {
                    "key": q.key,
                    "label": q.label,
                    "answer": answer_text(q, answers.get(q.key)),
                    "answered": answers.get(q.key) is not None,
                }
                for q in section.questions
                if q.key in shown
            ]
            if questions:
                title = section.title if service is None else f"{service.get('name', '')}: {section.title}"
                groups.append({"title": title, "questions": questions})
    return groups
