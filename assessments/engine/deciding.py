"""What decides each conclusion: the single answers whose change alone would flip it.

Every visible question is tried with its alternative answers (yes/no and "unknown" flips, each other
single choice, each multi choice toggled, numbers and dates just either side of the thresholds the rules
and parameters use), one answer at a time, and the profile is scoped again. That costs one `scope()` per
alternative, which is why `scope()` itself never does it. A changed service answer is scoped with that
service alone, so the cost grows with the number of services rather than with its square.

Shape (`socscope.sensitivity/1`): `{"schema", "input_checksum", "conclusions": [...]}`, one conclusion per
service and family strength, per service and SOC 2 category (included or not), and per report type, in
result order: `{"id", "service", "report", "conclusion", "value", "statement", "holds_because": [reasons],
"would_change_if": [{"question", "service", "current_answer", "answer", "becomes", "sentence"}]}`. A report
that would disappear `becomes` null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from .conditions import AnswerValue, atoms
from .contract import CATEGORIES, DEADLINE_KEY, MONTHS_KEY, ORGANIZATION, SENSITIVITY_SCHEMA, SERVICE, UNKNOWN
from .model import Bank, Profile, Question, Reason, Result, answer_json
from .periods import FAMILY_NAMES, add_months
from .scoping import effective_answers, scope

_ORDER_OPS = ("gt", "gte", "lt", "lte", "eq", "ne")
_STRENGTH_TEXT = {"required": "required", "recommended": "recommended", "not_applicable": "not applicable"}


@dataclass(frozen=True, slots=True)
class _Conclusion:
    id: str
    service: str | None
    report: str | None
    conclusion: str
    value: Any
    statement: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Variant:
    question: Question
    service: str | None
    service_name: str | None
    current: AnswerValue | None
    answer: AnswerValue | None
    # For a multiple-choice answer: the one choice added or removed.
    toggled: str | None
    profile: Profile


def sensitivity(bank: Bank, profile: Profile) -> dict[str, Any]:
    base = scope(bank, profile)
    conclusions = _conclusions(base)
    changes: dict[str, list[dict[str, Any]]] = {conclusion.id: [] for conclusion in conclusions}
    base_values = {conclusion.id: conclusion.value for conclusion in conclusions}
    for variant in variants(bank, profile):
        values = values_after(bank, base, base_values, variant)
        for conclusion in conclusions:
            value = values.get(conclusion.id)
            if value != conclusion.value:
                changes[conclusion.id].append(_change(conclusion, variant, value))
    return {
        "schema": SENSITIVITY_SCHEMA,
        "input_checksum": base.input_checksum,
        "conclusions": [
            {
                "id": conclusion.id,
                "service": conclusion.service,
                "report": conclusion.report,
                "conclusion": conclusion.conclusion,
                "value": conclusion.value,
                "statement": conclusion.statement,
                "holds_because": [reason.to_dict() for reason in conclusion.reasons],
                "would_change_if": changes[conclusion.id],
            }
            for conclusion in conclusions
        ],
    }


def values_after(bank: Bank, base: Result, base_values: dict[str, Any], variant: Variant) -> dict[str, Any]:
    """Every conclusion's value once the variant's one answer is changed."""
    if variant.service is None:
        return _values(scope(bank, variant.profile))
    # A service answer decides that service's conclusions and whether a report exists at all; a report's type
    # comes from organisation answers alone. So the changed service is scoped on its own.
    changed = next(service for service in variant.profile.services if service.key == variant.service)
    alone = scope(bank, replace(variant.profile, services=(changed,), subservice_organizations=()))
    values = dict(base_values)
    values.update(_values(alone))
    others = [service for service in base.services if service.key != variant.service]
    mine = alone.services[0]
    for family in ("soc1", "soc2"):
        present = getattr(mine, family).applicable or any(getattr(other, family).applicable for other in others)
        source = base.report(family) or alone.report(family)
        values[f"reports.{family}.type"] = source.type if present and source is not None else None
    public = base.report("soc3") if base.report("soc2") is not None else alone.report("soc3")
    soc2_present = values["reports.soc2.type"] is not None
    values["reports.soc3.type"] = public.type if soc2_present and public is not None else None
    return values


def _values(result: Result) -> dict[str, Any]:
    return {conclusion.id: conclusion.value for conclusion in _conclusions(result)}


def _conclusions(result: Result) -> list[_Conclusion]:
    found: list[_Conclusion] = []
    for service in result.services:
        prefix = f"services.{service.key}"
        for family, conclusion in (("soc1", service.soc1), ("soc2", service.soc2)):
            found.append(
                _Conclusion(
                    f"{prefix}.{family}.strength",
                    service.key,
                    None,
                    f"{family}.strength",
                    conclusion.strength,
                    f"{FAMILY_NAMES[family]} is {_STRENGTH_TEXT[conclusion.strength]} for “{service.name}”.",
                    conclusion.reasons,
                )
            )
        included = dict(service.soc2.categories)
        for category in CATEGORIES:
            reasons = included.get(category, ())
            found.append(
                _Conclusion(
                    f"{prefix}.soc2.categories.{category}",
                    service.key,
                    None,
                    f"soc2.categories.{category}",
                    category in included,
                    f"{_category_name(category)} is {'in' if category in included else 'out of'} the SOC 2 scope "
                    f"for “{service.name}”.",
                    reasons,
                )
            )
    for report in result.reports:
        found.append(
            _Conclusion(
                f"reports.{report.report}.type",
                None,
                report.report,
                "type",
                report.type,
                f"The {FAMILY_NAMES[report.report]} report is a {_type_text(report.type)}.",
                report.reasons,
            )
        )
    return found


def variants(bank: Bank, profile: Profile) -> Iterator[Variant]:
    # An answer reaches a conclusion only through a rule, the report-type logic or a visibility condition;
    # trying any other answer could not change anything.
    deciding = bank.read_keys | {
        atom.q for question in bank.questions.values() if question.condition for atom in atoms(question.condition)
    }
    org_raw = profile.organization.answers
    org_answers, org_shown = effective_answers(bank, ORGANIZATION, org_raw, {})
    for question in bank.questions_at(ORGANIZATION):
        if question.key not in org_shown or question.key not in deciding:
            continue
        current = org_raw.get(question.key)
        for answer, toggled in _alternatives(bank, question, current, profile.as_of):
            organization = replace(profile.organization, answers=_with(org_raw, question.key, answer))
            variant = replace(profile, organization=organization)
            yield Variant(question, None, None, current, answer, toggled, variant)
    for index, service in enumerate(profile.services):
        _, shown = effective_answers(bank, SERVICE, service.answers, org_answers)
        for question in bank.questions_at(SERVICE):
            if question.key not in shown or question.key not in deciding:
                continue
            current = service.answers.get(question.key)
            for answer, toggled in _alternatives(bank, question, current, profile.as_of):
                changed = replace(service, answers=_with(service.answers, question.key, answer))
                services = (*profile.services[:index], changed, *profile.services[index + 1 :])
                variant = replace(profile, services=services)
                yield Variant(question, service.key, service.name, current, answer, toggled, variant)


def _with(answers: Mapping[str, AnswerValue], key: str, answer: AnswerValue | None) -> Mapping[str, AnswerValue]:
    changed = {name: value for name, value in answers.items() if name != key}
    if answer is not None:
        changed[key] = answer
    return MappingProxyType(changed)


def _alternatives(
    bank: Bank, question: Question, current: AnswerValue | None, as_of: dt.date
) -> list[tuple[Any, str | None]]:
    """Each other answer worth trying, with the choice it toggles for a multiple-choice question."""
    kind = question.type
    if kind == "multi":
        chosen = current if isinstance(current, tuple) else ()
        return [
            (tuple(key for key in question.choice_keys if (key in chosen) != (key == toggled)), toggled)
            for toggled in question.choice_keys
        ]
    options: list[Any] = []
    if kind in ("yes_no", "yes_no_unknown"):
        options = [True, False]
    elif kind == "single":
        options = list(question.choice_keys)
    elif kind == "number":
        options = _number_options(bank, question)
    elif kind == "date":
        options = [None, *_date_options(bank, question, as_of)]
    if question.allow_unknown:
        options.append(UNKNOWN)
    return [(option, None) for option in dict.fromkeys(options) if option != current]


def _number_options(bank: Bank, question: Question) -> list[int | float]:
    thresholds = _thresholds(bank, question.key)
    if question.key == MONTHS_KEY:
        parameters = bank.parameters
        thresholds.extend((parameters.type2_min_months, parameters.established_min_months))
    low = max(0, question.min_value or 0)
    high = question.max_value
    options = sorted({value + step for value in thresholds for step in (-1, 0, 1)})
    return [value for value in options if value >= low and (high is None or value <= high)]


def _date_options(bank: Bank, question: Question, as_of: dt.date) -> list[str]:
    days: list[dt.date] = []
    for value in _thresholds(bank, question.key):
        day = dt.date.fromisoformat(str(value))
        days.extend((day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)))
    if question.key == DEADLINE_KEY:
        horizon_end = add_months(as_of, bank.parameters.deadline_horizon_months)
        days.extend((horizon_end - dt.timedelta(days=1), horizon_end))
    return [day.isoformat() for day in sorted(set(days))]


def _thresholds(bank: Bank, key: str) -> list[Any]:
    return [
        atom.value
        for rule in bank.rules
        if rule.when is not None
        for atom in atoms(rule.when)
        if atom.q == key and atom.op in _ORDER_OPS and atom.value is not None
    ]


def _change(conclusion: _Conclusion, variant: Variant, value: Any) -> dict[str, Any]:
    question = variant.question
    where = f" for “{variant.service_name}”" if variant.service_name is not None else ""
    if variant.toggled is not None:
        added = variant.toggled in (variant.answer or ())
        change = (
            f"“{question.choice_label(variant.toggled)}” were {'added to' if added else 'removed from'} "
            f"the answer to “{question.label}”{where}"
        )
    else:
        change = f"“{question.label}”{where} were {_answer_text(question, variant.answer)}"
    sentence = f"It would become {_value_text(conclusion, value)} if {change}."
    return {
        "question": variant.question.key,
        "service": variant.service,
        "current_answer": answer_json(variant.current),
        "answer": answer_json(variant.answer),
        "becomes": value,
        "sentence": sentence,
    }


def _value_text(conclusion: _Conclusion, value: Any) -> str:
    if conclusion.conclusion == "type":
        return "no report" if value is None else _type_text(value)
    if isinstance(value, bool):
        return "in scope" if value else "out of scope"
    return _STRENGTH_TEXT.get(value, str(value))


def _answer_text(question: Question, answer: AnswerValue | None) -> str:
    if answer is None:
        return "left unanswered"
    if answer == UNKNOWN:
        return 'answered "don\'t know"'
    if isinstance(answer, bool):
        return "answered yes" if answer else "answered no"
    if question.type == "single":
        return f"answered “{question.choice_label(str(answer))}”"
    return f"answered {answer}"


def _type_text(report_type: str) -> str:
    return {"type1": "Type 1", "type2": "Type 2"}.get(report_type, report_type)


def _category_name(category: str) -> str:
    return category.replace("_", " ").capitalize()
