"""Report type, Type 2 period, Type 1 date, bridge letter and timeline (contract section 3, "Type").

This is the one place that reads canonical organisation answers in code, as the contract allows; every
threshold comes from the bank's parameters.

Period placement: a Type 2 period is the most recent one the evidence supports. It ends at the latest month
end on or before `as_of` when controls have operated with evidence long enough to fill the whole period;
otherwise it starts at the first month with evidence (or at `as_of`) and ends in the future. A SOC 1 period
for clients with one fiscal year end then moves forward to the first month end in the alignment window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from .conditions import AnswerValue
from .contract import (
    DEADLINE_KEY,
    FYE_KEY,
    MONTHS,
    MONTHS_KEY,
    PRIOR_REPORTS_KEY,
    PUBLIC_REPORT_KEY,
    REQUESTS_KEY,
    TYPE2_REQUEST,
    UNKNOWN,
)
from .model import Flag, Parameters, Period, Reason, TimelineStep
from .values import is_number, parse_date

FAMILY_NAMES = {"soc1": "SOC 1", "soc2": "SOC 2", "soc3": "SOC 3"}
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, _days_in_month(year, month + 1)))


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - _DAY).day


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=_days_in_month(day.year, day.month))


def first_month_start_on_or_after(day: dt.date) -> dt.date:
    return day if day.day == 1 else month_end(day) + _DAY


@dataclass(frozen=True, slots=True)
class OrganizationFacts:
    """The organisation answers the type and period logic reads, after visibility."""

    as_of: dt.date
    answers: Mapping[str, AnswerValue]

    @property
    def months(self) -> float:
        # "unknown" and missing both count as 0: a Type 2 needs evidence.
        value = self.answers.get(MONTHS_KEY)
        return float(value) if is_number(value) else 0.0

    def has_prior(self, family: str, *, type2_only: bool = False) -> bool:
        prior = self.answers.get(PRIOR_REPORTS_KEY) or ()
        kinds = ("type2",) if type2_only else ("type1", "type2")
        return any(f"{family}_{kind}" in prior for kind in kinds)

    @property
    def deadline(self) -> dt.date | None:
        return parse_date(self.answers.get(DEADLINE_KEY))

    @property
    def wants_type2(self) -> bool:
        return TYPE2_REQUEST in (self.answers.get(REQUESTS_KEY) or ())

    @property
    def public_report_wanted(self) -> bool:
        return self.answers.get(PUBLIC_REPORT_KEY) is True

    @property
    def fye_month(self) -> int | None:
        value = self.answers.get(FYE_KEY)
        return MONTHS.index(value) + 1 if value in MONTHS else None

    def reason(self, key: str, rule: str, effect: str) -> Reason:
        return Reason(key, None, self.answers.get(key), rule, effect)


@dataclass(frozen=True, slots=True)
class Plan:
    type: str
    as_of: dt.date | None
    period: Period | None
    bridge_letter: Period | None
    reasons: tuple[Reason, ...]
    next_steps: tuple[str, ...]
    timeline: tuple[TimelineStep, ...]
    flags: tuple[Flag, ...]


def plan_report(family: str, facts: OrganizationFacts, parameters: Parameters) -> Plan:
    name = FAMILY_NAMES[family]
    months = facts.months
    if months < parameters.type2_min_months:
        return _type1_immature(family, facts, parameters)
    deadline = facts.deadline
    horizon_end = add_months(facts.as_of, parameters.deadline_horizon_months)
    has_prior = facts.has_prior(family)
    if not has_prior and deadline is not None and deadline < horizon_end and not facts.wants_type2:
        reasons = [
            facts.reason(
                DEADLINE_KEY,
                "engine.type.type1_deadline",
                f"Customers need the report by {deadline}, less than {_count(parameters.deadline_horizon_months)} "
                f"after {facts.as_of}: too soon for a Type 2 observation period and fieldwork.",
            ),
            facts.reason(PRIOR_REPORTS_KEY, "engine.type.type1_deadline", f"There is no prior {name} report yet."),
            facts.reason(REQUESTS_KEY, "engine.type.type1_deadline", "Customers did not ask for a Type 2 report."),
        ]
        return _type1(family, facts, parameters, reasons, [])
    reasons = [
        facts.reason(
            MONTHS_KEY,
            "engine.type.type2",
            f"{_evidence(facts)}, at least the {_count(parameters.type2_min_months)} a Type 2 needs.",
        )
    ]
    if has_prior:
        reasons.append(
            facts.reason(
                PRIOR_REPORTS_KEY, "engine.type.type2", f"A prior {name} report exists, so the next one is a Type 2."
            )
        )
    if facts.wants_type2:
        reasons.append(facts.reason(REQUESTS_KEY, "engine.type.type2", "Customers asked for a Type 2 report."))
    if deadline is None:
        reasons.append(
            facts.reason(
                DEADLINE_KEY,
                "engine.type.type2",
                "No date by which customers need the report was given, so there is time for an observation period.",
            )
        )
    elif deadline >= horizon_end:
        reasons.append(
            facts.reason(
                DEADLINE_KEY,
                "engine.type.type2",
                f"Customers need the report by {deadline}, at least {_count(parameters.deadline_horizon_months)} "
                f"after {facts.as_of}, which leaves time for an observation period.",
            )
        )
    return _type2(family, facts, parameters, reasons)


def _type1_immature(family: str, facts: OrganizationFacts, parameters: Parameters) -> Plan:
    reasons = [
        facts.reason(
            MONTHS_KEY,
            "engine.type.type1_immature_controls",
            f"{_evidence(facts)}, fewer than the {_count(parameters.type2_min_months)} a Type 2 needs, "
            "so a Type 1 comes first.",
        )
    ]
    flags = []
    if facts.wants_type2:
        reasons.append(
            facts.reason(
                REQUESTS_KEY,
                "engine.type.type1_immature_controls",
                "Customers asked for a Type 2, which can only follow once controls have operated long enough.",
            )
        )
        flags.append(
            Flag(
                "type2_requested_but_controls_immature",
                None,
                MONTHS_KEY,
                f"Customers asked for a Type 2 report, but {_evidence(facts).lower()}; a Type 2 needs at least "
                f"{_count(parameters.type2_min_months)}. A Type 1 comes first and the Type 2 follows.",
            )
        )
    return _type1(family, facts, parameters, reasons, flags)


def _type1(
    family: str, facts: OrganizationFacts, parameters: Parameters, reasons: list[Reason], flags: list[Flag]
) -> Plan:
    name = FAMILY_NAMES[family]
    as_of = month_end(add_months(facts.as_of, parameters.type1_lead_months))
    deadline = facts.deadline
    if deadline is not None and deadline < as_of:
        as_of = max(deadline, facts.as_of)
        reasons.append(
            facts.reason(
                DEADLINE_KEY,
                "engine.type.type1_date",
                f"The Type 1 is dated {as_of}, not after the date customers need the report.",
            )
        )
    timeline = _type1_timeline(facts.as_of, as_of, parameters)
    follow_up = _follow_up_period(family, facts, parameters, as_of)
    steps = [
        f"Follow the Type 1 with a {name} Type 2: keep evidence of every key control from now on; a first "
        f"observation period of {_count(_months_in(follow_up))} could run from {follow_up.start} to {follow_up.end}."
    ]
    steps.extend(_deadline_step(facts, timeline))
    return Plan("type1", as_of, None, None, tuple(reasons), tuple(steps), timeline, tuple(flags))


def _follow_up_period(family: str, facts: OrganizationFacts, parameters: Parameters, type1_date: dt.date) -> Period:
    length = _length(facts, parameters, family)[0]
    earliest = first_month_start_on_or_after(type1_date + _DAY)
    end = month_end(add_months(earliest, length - 1))
    end = _aligned_end(end, facts.fye_month if family == "soc1" else None, parameters.fye_alignment_months)
    return Period(month_start(add_months(end, 1 - length)), end)


def _type2(family: str, facts: OrganizationFacts, parameters: Parameters, reasons: list[Reason]) -> Plan:
    as_of = facts.as_of
    length, length_reason = _length(facts, parameters, family)
    reasons.append(length_reason)
    reach = min(int(facts.months), length + 12)
    earliest_start = first_month_start_on_or_after(add_months(as_of, -reach))
    latest_past_end = as_of if as_of == month_end(as_of) else month_start(as_of) - _DAY
    unaligned_end = max(latest_past_end, month_end(add_months(earliest_start, length - 1)))
    fye = facts.fye_month if family == "soc1" else None
    end = _aligned_end(unaligned_end, fye, parameters.fye_alignment_months)
    period = Period(month_start(add_months(end, 1 - length)), end)
    unaligned_start = month_start(add_months(unaligned_end, 1 - length))
    reasons.append(_placement_reason(facts, period, unaligned_start))
    bridge = None
    if family == "soc1":
        bridge = _bridge(period, fye)
        reasons.append(_fye_reason(facts, period, bridge, parameters))
    timeline = _type2_timeline(as_of, period, parameters)
    steps = []
    if period.start > as_of:
        steps.append(f"Keep evidence of every key control from {period.start}, when the observation period begins.")
    if bridge is not None:
        steps.append(
            f"Give clients a bridge letter covering {bridge.start} to {bridge.end}, "
            "the gap between the period end and their fiscal year end."
        )
    if family == "soc1" and fye is None:
        # Unanswered is not "mixed": the memo must not state a fact about clients nobody gave.
        if facts.answers.get(FYE_KEY) is None:
            steps.append(
                "Find out in which month most clients' fiscal years end: the period is aligned to it and bridge "
                "letters cover the gap."
            )
        else:
            steps.append(
                "Clients' fiscal years do not end in one month: consider reporting more often than yearly, "
                "or bridge letters, so that each client's year is covered."
            )
    steps.append(f"Plan the next period to start on {end + _DAY}, so that coverage stays continuous.")
    steps.extend(_deadline_step(facts, timeline))
    return Plan("type2", None, period, bridge, tuple(reasons), tuple(steps), timeline, ())


def _length(facts: OrganizationFacts, parameters: Parameters, family: str) -> tuple[int, Reason]:
    name = FAMILY_NAMES[family]
    if facts.has_prior(family, type2_only=True):
        length = parameters.period_months_renewal
        return length, facts.reason(
            PRIOR_REPORTS_KEY,
            "engine.period.renewal",
            f"A prior {name} Type 2 exists, so the period covers {_count(length)} for continuous coverage.",
        )
    if facts.months >= parameters.established_min_months:
        length = parameters.period_months_established
        return length, facts.reason(
            MONTHS_KEY,
            "engine.period.established",
            f"{_evidence(facts)} (at least {parameters.established_min_months}), "
            f"so the period covers {_count(length)}.",
        )
    length = parameters.period_months_first
    return length, facts.reason(
        MONTHS_KEY,
        "engine.period.first",
        f"{_evidence(facts)} (fewer than {parameters.established_min_months}), "
        f"so a first period covers {_count(length)}.",
    )


def _aligned_end(end: dt.date, fye: int | None, window: int) -> dt.date:
    """The first month end on or after `end` that falls in the fiscal-year-end month or the `window` before it."""
    if fye is None:
        return end
    allowed = {(fye - 1 - back) % 12 + 1 for back in range(window + 1)}
    while end.month not in allowed:
        end = month_end(end + _DAY)
    return end


def _bridge(period: Period, fye: int | None) -> Period | None:
    if fye is None or period.end.month == fye:
        return None
    end = month_end(period.end + _DAY)
    while end.month != fye:
        end = month_end(end + _DAY)
    return Period(period.end + _DAY, end)


def _placement_reason(facts: OrganizationFacts, period: Period, unaligned_start: dt.date) -> Reason:
    if period.start < facts.as_of:
        return facts.reason(
            MONTHS_KEY,
            "engine.period.reach_back",
            f"The period starts on {period.start}, before the scoping date {facts.as_of}: it reaches back only over "
            f"months in which controls already operated with evidence ({_count(facts.answers[MONTHS_KEY])} of it).",
        )
    if unaligned_start < facts.as_of:
        return facts.reason(
            FYE_KEY,
            "engine.period.start_after",
            f"The period starts on {period.start}, after the scoping date {facts.as_of}, so that it ends in line "
            "with clients' fiscal year end.",
        )
    return facts.reason(
        MONTHS_KEY,
        "engine.period.start_after",
        f"The period starts on {period.start}, on or after the scoping date {facts.as_of}: a period may reach back "
        f"only over months with evidence, and {_evidence(facts).lower()}.",
    )


def _fye_reason(facts: OrganizationFacts, period: Period, bridge: Period | None, parameters: Parameters) -> Reason:
    fye = facts.fye_month
    if fye is None:
        if facts.answers.get(FYE_KEY) is None:
            effect = "The month in which most clients' fiscal years end was not given, so the period is not aligned."
        else:
            effect = "Clients' fiscal years end in different months, so the period is not aligned to one year end."
        return facts.reason(FYE_KEY, "engine.period.fye_alignment", effect)
    effect = (
        f"Most clients' fiscal years end in {_MONTH_NAMES[fye - 1]}: the period ends on {period.end}, in that month "
        f"or up to {_count(parameters.fye_alignment_months)} before it."
    )
    if bridge is not None:
        effect += f" A bridge letter covers {bridge.start} to {bridge.end}."
    return facts.reason(FYE_KEY, "engine.period.fye_alignment", effect)


def _type1_timeline(as_of: dt.date, type1_date: dt.date, parameters: Parameters) -> tuple[TimelineStep, ...]:
    steps = []
    if type1_date > as_of:
        steps.append(
            TimelineStep("readiness", as_of, type1_date - _DAY, "Readiness: design and document the controls.")
        )
    steps.append(
        TimelineStep(
            "type1_date", type1_date, type1_date, "Type 1 date: the description and control design are examined."
        )
    )
    steps.extend(_closing(type1_date + _DAY, parameters))
    return tuple(steps)


def _type2_timeline(as_of: dt.date, period: Period, parameters: Parameters) -> tuple[TimelineStep, ...]:
    steps = []
    if period.start > as_of:
        steps.append(
            TimelineStep(
                "readiness", as_of, period.start - _DAY, "Readiness: close control gaps and start keeping evidence."
            )
        )
    steps.append(
        TimelineStep("observation", period.start, period.end, "Observation period: controls operate, evidence is kept.")
    )
    steps.extend(_closing(max(period.end + _DAY, as_of), parameters))
    return tuple(steps)


def _closing(start: dt.date, parameters: Parameters) -> list[TimelineStep]:
    steps = []
    if parameters.fieldwork_weeks:
        end = start + dt.timedelta(weeks=parameters.fieldwork_weeks) - _DAY
        steps.append(TimelineStep("fieldwork", start, end, "Fieldwork: the service auditor examines the controls."))
        start = end + _DAY
    if parameters.report_weeks:
        end = start + dt.timedelta(weeks=parameters.report_weeks) - _DAY
        steps.append(TimelineStep("report", start, end, "Reporting: draft report, management's assertion, issue."))
    return steps


def _deadline_step(facts: OrganizationFacts, timeline: tuple[TimelineStep, ...]) -> list[str]:
    deadline = facts.deadline
    expected = timeline[-1].end
    if deadline is None or expected <= deadline:
        return []
    return [
        f"The report is expected around {expected}, after {deadline} when customers need it: agree on interim "
        "assurance (such as a Type 1 report or a bridge letter) with them early."
    ]


def _evidence(facts: OrganizationFacts) -> str:
    answer = facts.answers.get(MONTHS_KEY)
    if answer is None:
        return "How long controls have operated with evidence was not answered, which counts as 0 months"
    if answer == UNKNOWN:
        return "How long controls have operated with evidence is not known, which counts as 0 months"
    return f"Controls have operated with evidence for {_count(answer)}"


def _count(months: AnswerValue) -> str:
    number = f"{months:g}" if isinstance(months, float) else str(months)
    return f"{number} month" if number == "1" else f"{number} months"


def _months_in(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
