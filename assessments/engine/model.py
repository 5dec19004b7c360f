"""Frozen inputs and outputs of the engine: the bank, the profile and the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .conditions import AnswerValue, Compiled, Condition
from .contract import ORGANIZATION, PROFILE_SCHEMA, RESULT_SCHEMA, SERVICE

JSONValue = Any


class BankError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ProfileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def answer_json(value: AnswerValue | None) -> JSONValue:
    return list(value) if isinstance(value, tuple) else value


# ---------------------------------------------------------------------------------------------------- bank


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    label: str
    position: int


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    level: str
    section: str
    type: str
    label: str
    help_text: str
    reference: str
    required: bool
    allow_unknown: bool
    min_value: int | float | None
    max_value: int | float | None
    max_length: int | None
    position: int
    condition: Condition | None
    choices: tuple[Choice, ...]
    compiled: Compiled | None = field(default=None, compare=False, repr=False)
    # Derived once: answers are checked against the choice keys for every service of every profile.
    choice_keys: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choice_keys", tuple(choice.key for choice in self.choices))

    def choice_label(self, key: str) -> str:
        return next((choice.label for choice in self.choices if choice.key == key), key)


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    level: str
    title: str
    description: str
    position: int
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Effect:
    type: str
    family: str | None = None
    strength: str | None = None
    category: str | None = None
    area: str | None = None
    text: str | None = None
    code: str | None = None
    message: str | None = None
    relates_to: tuple[str, ...] | None = None
    # The family whose trigger `requires` looks at and whose applicability gates the effect.
    subject_family: str | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        implied = {"category": "soc2", "control_objective_area": "soc1"}
        object.__setattr__(self, "subject_family", implied.get(self.type, self.family))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: str
    position: int
    when: Condition | None
    requires: str | None
    effect: Effect
    explanation: str
    compiled: Compiled | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Parameters:
    type2_min_months: int
    deadline_horizon_months: int
    period_months_renewal: int
    period_months_established: int
    established_min_months: int
    period_months_first: int
    fye_alignment_months: int
    type1_lead_months: int
    fieldwork_weeks: int
    report_weeks: int


@dataclass(frozen=True, slots=True)
class Bank:
    key: str
    name: str
    version: int
    release_notes: str
    checksum: str
    parameters: Parameters
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    csoc_templates: tuple[str, ...]
    questions: Mapping[str, Question] = field(compare=False, repr=False)
    # Per level, questions ordered so that each condition's inputs come before the question it governs.
    visibility_order: Mapping[str, tuple[Question, ...]] = field(compare=False, repr=False)
    # Question keys some rule or the report-type logic reads: their "unknown" answers are flagged.
    read_keys: frozenset[str] = field(compare=False, repr=False)
    # Per level, questions in display order (sections, then questions, by position).
    level_questions: Mapping[str, tuple[Question, ...]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_level = {
            level: tuple(q for section in self.sections if section.level == level for q in section.questions)
            for level in (ORGANIZATION, SERVICE)
        }
        object.__setattr__(self, "level_questions", MappingProxyType(by_level))

    def questions_at(self, level: str) -> tuple[Question, ...]:
        return self.level_questions[level]


# ---------------------------------------------------------------------------------------------------- profile


@dataclass(frozen=True, slots=True)
class Organization:
    name: str
    answers: Mapping[str, AnswerValue]


@dataclass(frozen=True, slots=True)
class Service:
    key: str
    name: str
    description: str | None
    answers: Mapping[str, AnswerValue]


@dataclass(frozen=True, slots=True)
class SubserviceOrganization:
    name: str
    service: str | None
    services: tuple[str, ...]
    has_soc_report: bool | str | None
    controls_required: bool | str | None
    will_participate: bool | str | None


@dataclass(frozen=True, slots=True)
class Profile:
    as_of: dt.date
    organization: Organization
    services: tuple[Service, ...]
    subservice_organizations: tuple[SubserviceOrganization, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        """The normalised profile: what `input_checksum` is taken over."""
        return {
            "schema": PROFILE_SCHEMA,
            "as_of": self.as_of.isoformat(),
            "organization": {"name": self.organization.name, "answers": _answers_json(self.organization.answers)},
            "services": [
                {
                    "key": service.key,
                    "name": service.name,
                    "description": service.description,
                    "answers": _answers_json(service.answers),
                }
                for service in self.services
            ],
            "subservice_organizations": [
                {
                    "name": sub.name,
                    "service": sub.service,
                    "services": list(sub.services),
                    "has_soc_report": sub.has_soc_report,
                    "controls_required": sub.controls_required,
                    "will_participate": sub.will_participate,
                }
                for sub in self.subservice_organizations
            ],
        }


def _answers_json(answers: Mapping[str, AnswerValue]) -> dict[str, JSONValue]:
    return {key: answer_json(answers[key]) for key in sorted(answers)}


# ---------------------------------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True)
class Reason:
    question: str | None
    service: str | None
    answer: AnswerValue | None
    rule: str
    effect: str

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "question": self.question,
            "service": self.service,
            "answer": answer_json(self.answer),
            "rule": self.rule,
            "effect": self.effect,
        }


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    service: str | None
    question: str | None
    message: str

    def to_dict(self) -> dict[str, JSONValue]:
        return {"code": self.code, "service": self.service, "question": self.question, "message": self.message}


def _reasons(reasons: tuple[Reason, ...]) -> list[dict[str, JSONValue]]:
    return [reason.to_dict() for reason in reasons]


@dataclass(frozen=True, slots=True)
class Soc1Conclusion:
    strength: str
    reasons: tuple[Reason, ...]
    control_objective_areas: tuple[str, ...]

    @property
    def applicable(self) -> bool:
        return self.strength != "not_applicable"

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "applicable": self.applicable,
            "strength": self.strength,
            "reasons": _reasons(self.reasons),
            "control_objective_areas": list(self.control_objective_areas),
        }


@dataclass(frozen=True, slots=True)
class Soc2Conclusion:
    strength: str
    reasons: tuple[Reason, ...]
    # Included categories in contract order, each with the reasons that brought it in.
    categories: tuple[tuple[str, tuple[Reason, ...]], ...]

    @property
    def applicable(self) -> bool:
        return self.strength != "not_applicable"

    @property
    def category_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.categories)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "applicable": self.applicable,
            "strength": self.strength,
            "reasons": _reasons(self.reasons),
            "categories": {key: _reasons(reasons) for key, reasons in self.categories},
        }


@dataclass(frozen=True, slots=True)
class ServiceResult:
    key: str
    name: str
    soc1: Soc1Conclusion
    soc2: Soc2Conclusion

    def to_dict(self) -> dict[str, JSONValue]:
        return {"key": self.key, "name": self.name, "soc1": self.soc1.to_dict(), "soc2": self.soc2.to_dict()}


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.date
    end: dt.date

    def to_dict(self) -> dict[str, JSONValue]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True, slots=True)
class TimelineStep:
    step: str
    start: dt.date
    end: dt.date
    description: str

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "step": self.step,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "description": self.description,
        }


@dataclass(frozen=True, slots=True)
class ReportResult:
    report: str
    type: str
    services: tuple[str, ...]
    as_of: dt.date | None
    period: Period | None
    bridge_letter: Period | None
    categories: tuple[str, ...] | None
    reasons: tuple[Reason, ...]
    next_steps: tuple[str, ...]
    timeline: tuple[TimelineStep, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "report": self.report,
            "type": self.type,
            "services": list(self.services),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "period": self.period.to_dict() if self.period else None,
            "bridge_letter": self.bridge_letter.to_dict() if self.bridge_letter else None,
            "categories": list(self.categories) if self.categories is not None else None,
            "reasons": _reasons(self.reasons),
            "next_steps": list(self.next_steps),
            "timeline": [step.to_dict() for step in self.timeline],
        }


@dataclass(frozen=True, slots=True)
class SubserviceResult:
    name: str
    service: str | None
    services: tuple[str, ...]
    method: str
    reasons: tuple[Reason, ...]
    csocs: tuple[str, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "name": self.name,
            "service": self.service,
            "services": list(self.services),
            "method": self.method,
            "reasons": _reasons(self.reasons),
            "csocs": list(self.csocs),
        }


@dataclass(frozen=True, slots=True)
class Cuec:
    text: str
    report: str
    services: tuple[str, ...]
    relates_to: tuple[str, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "text": self.text,
            "report": self.report,
            "services": list(self.services),
            "relates_to": list(self.relates_to),
        }


@dataclass(frozen=True, slots=True)
class BankRef:
    key: str
    version: int
    checksum: str

    def to_dict(self) -> dict[str, JSONValue]:
        return {"key": self.key, "version": self.version, "checksum": self.checksum}


@dataclass(frozen=True, slots=True)
class Result:
    engine_version: str
    bank: BankRef
    as_of: dt.date
    input_checksum: str
    services: tuple[ServiceResult, ...]
    reports: tuple[ReportResult, ...]
    subservice_organizations: tuple[SubserviceResult, ...]
    cuecs: tuple[Cuec, ...]
    flags: tuple[Flag, ...]

    def report(self, family: str) -> ReportResult | None:
        return next((report for report in self.reports if report.report == family), None)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "schema": RESULT_SCHEMA,
            "engine_version": self.engine_version,
            "bank": self.bank.to_dict(),
            "as_of": self.as_of.isoformat(),
            "input_checksum": self.input_checksum,
            "services": [service.to_dict() for service in self.services],
            "reports": [report.to_dict() for report in self.reports],
            "subservice_organizations": [sub.to_dict() for sub in self.subservice_organizations],
            "cuecs": [cuec.to_dict() for cuec in self.cuecs],
            "flags": [flag.to_dict() for flag in self.flags],
        }
