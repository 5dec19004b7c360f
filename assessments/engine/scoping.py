"""Evaluating a bank's rules over a profile (contract sections 3 and 4).

Rules are data: this module knows effect types and families, never particular questions. Rules run in
stages because each stage needs the previous one settled: triggers, then strengths (which may require a
trigger), then categories, areas and CUECs (which need the family to apply), then flags.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import sha256_checksum
from .conditions import AnswerValue, Truth
from .contract import (
    ABSENCE_IS_AN_ANSWER,
    CANONICAL_QUESTIONS,
    CATEGORIES,
    ENGINE_VERSION,
    FAMILIES,
    LEVELS,
    MONTHS_KEY,
    ORGANIZATION,
    PUBLIC_REPORT_KEY,
    SERVICE,
    STRENGTHS,
    UNKNOWN,
)
from .model import (
    Bank,
    BankRef,
    Cuec,
    Flag,
    Profile,
    Question,
    Reason,
    ReportResult,
    Result,
    Rule,
    ServiceResult,
    Soc1Conclusion,
    Soc2Conclusion,
)
from .periods import OrganizationFacts, plan_report
from .profile import normalise_answer
from .subservice import plan_subservices

_UNKNOWN_NOTE = ' (Answered "don\'t know": the engine assumed the answer that includes more scope.)'
_STAGES = (("trigger",), ("strength",), ("category", "control_objective_area", "cuec"), ("flag",))


def scope(bank: Bank, profile: Profile) -> Result:
    return _Scoping(bank, profile).run()


def result_json(result: Result) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def visible_questions(
    bank: Bank,
    level: str,
    org_answers: Mapping[str, Any],
    service_answers: Mapping[str, Any] | None = None,
) -> list[Question]:
    """The questions shown at `level` for these (possibly partial, possibly ill-typed) answers.

    An answer that does not fit its question is ignored rather than rejected: forms call this while the
    user is still typing.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    org_effective, org_shown = effective_answers(bank, ORGANIZATION, _loose(bank, ORGANIZATION, org_answers), {})
    if level == ORGANIZATION:
        return [question for question in bank.questions_at(ORGANIZATION) if question.key in org_shown]
    _, shown = effective_answers(bank, SERVICE, _loose(bank, SERVICE, service_answers or {}), org_effective)
    return [question for question in bank.questions_at(SERVICE) if question.key in shown]


def effective_answers(
    bank: Bank, level: str, raw: Mapping[str, AnswerValue], base: Mapping[str, AnswerValue]
) -> tuple[dict[str, AnswerValue], set[str]]:
    """`base` plus the answers of the visible questions at `level`; hidden questions' answers are dropped."""
    answers = dict(base)
    shown: set[str] = set()
    for question in bank.visibility_order[level]:
        compiled = question.compiled
        # Unknown counts as shown: hiding a question the user may need is the costlier mistake.
        if compiled is None or compiled.test(answers) is not False:
            shown.add(question.key)
            value = raw.get(question.key)
            if value is not None:
                answers[question.key] = value
    return answers, shown


def _loose(bank: Bank, level: str, raw: Mapping[str, Any]) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {}
    for key, value in raw.items():
        question = bank.questions.get(key) if isinstance(key, str) else None
        if question is None or question.level != level:
            continue
        normalised, problems = normalise_answer(question, value)
        if normalised is not None and not problems:
            answers[key] = normalised
    return answers


@dataclass(slots=True)
class _ServiceState:
    """What the rules have concluded so far for one service."""

    strength: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAMILIES, 0))
    triggered: set[str] = field(default_factory=set)
    reasons: dict[str, list[Reason]] = field(default_factory=lambda: {family: [] for family in FAMILIES})
    categories: dict[str, list[Reason]] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)
    cuecs: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


class _Scoping:
    def __init__(self, bank: Bank, profile: Profile) -> None:
        self.bank = bank
        self.profile = profile
        self.stages = tuple(tuple(rule for rule in bank.rules if rule.effect.type in kinds) for kinds in _STAGES)
        self.org_answers, self.org_shown = effective_answers(bank, ORGANIZATION, profile.organization.answers, {})
        self.org_outcomes: dict[str, Truth] = {
            rule.id: _test(rule, self.org_answers) for rule in bank.rules if rule.level == ORGANIZATION
        }
        self.org_reasons: dict[str, tuple[Reason, ...]] = {}
        self.flags: list[Flag] = []

    def run(self) -> Result:
        bank, profile = self.bank, self.profile
        self.flags.extend(self.input_flags(ORGANIZATION, self.org_answers, self.org_shown, None))
        for rule in self.stages[3]:
            if rule.level == ORGANIZATION and rule.requires is None and self.org_outcomes[rule.id] is True:
                self.flags.append(self.rule_flag(rule, self.org_answers, None))
        services: list[ServiceResult] = []
        cuecs: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        for service in profile.services:
            answers, shown = effective_answers(bank, SERVICE, service.answers, self.org_answers)
            self.flags.extend(self.input_flags(SERVICE, answers, shown, service.key, service.name))
            state = self.evaluate(answers, service.key)
            self.flags.extend(state.flags)
            services.append(_service_result(service.key, service.name, state))
            for family, text, relates in state.cuecs:
                entry = cuecs.setdefault((family, text), ([], []))
                if service.key not in entry[0]:
                    entry[0].append(service.key)
                entry[1].extend(item for item in relates if item not in entry[1])
        reports = self.reports(services)
        if not reports:
            self.flags.append(
                Flag(
                    "no_report_indicated",
                    None,
                    None,
                    "No answer points to a SOC 1 or SOC 2 report for any service: no report is indicated.",
                )
            )
        subservices, vendor_flags = plan_subservices(profile.subservice_organizations, bank.csoc_templates)
        self.flags.extend(vendor_flags)
        return Result(
            engine_version=ENGINE_VERSION,
            bank=BankRef(bank.key, bank.version, bank.checksum),
            as_of=profile.as_of,
            input_checksum=sha256_checksum(profile.to_dict()),
            services=tuple(services),
            reports=tuple(reports),
            subservice_organizations=subservices,
            cuecs=tuple(
                Cuec(text, family, tuple(keys), tuple(relates))
                for family in FAMILIES
                for (cuec_family, text), (keys, relates) in cuecs.items()
                if cuec_family == family
            ),
            flags=tuple(dict.fromkeys(self.flags)),
        )

    # ------------------------------------------------------------------------------------------------ rules

    def evaluate(self, answers: Mapping[str, AnswerValue], service: str) -> _ServiceState:
        state = _ServiceState()
        strength, triggered, reasons = state.strength, state.triggered, state.reasons
        org_outcomes = self.org_outcomes

        def outcome(rule: Rule) -> Truth:
            if rule.level == ORGANIZATION:
                return org_outcomes[rule.id]
            compiled = rule.compiled
            return True if compiled is None else compiled.test(answers)

        def counts(rule: Rule) -> bool:
            requires = rule.requires
            return requires is None or (rule.effect.subject_family in triggered) == (requires == "triggered")

        triggers, strengths, contents, flags = self.stages
        for rule in triggers:
            if outcome(rule) is not False:
                family = rule.effect.family
                assert family is not None
                triggered.add(family)
                strength[family] = max(strength[family], 1)
                reasons[family].extend(self.reasons(rule, answers, service))
        for rule in strengths:
            family, level = rule.effect.family, rule.effect.strength
            assert family is not None and level is not None
            if counts(rule) and outcome(rule) is not False:
                strength[family] = max(strength[family], STRENGTHS.index(level))
                reasons[family].extend(self.reasons(rule, answers, service))
        applicable = {family for family in FAMILIES if strength[family] > 0}
        if "soc2" in applicable:
            state.categories["security"] = list(reasons["soc2"])
        for rule in contents:
            effect = rule.effect
            family = effect.subject_family
            if family not in applicable or not counts(rule) or outcome(rule) is False:
                continue
            if effect.category is not None:
                state.categories.setdefault(effect.category, []).extend(self.reasons(rule, answers, service))
            elif effect.area is not None:
                if effect.area not in state.areas:
                    state.areas.append(effect.area)
            elif effect.text is not None and family is not None:
                relates = effect.relates_to
                if relates is None:
                    cited = rule.compiled.explain(answers) if rule.compiled is not None else ()
                    relates = tuple(dict.fromkeys(atom.q for atom in cited))
                state.cuecs.append((family, effect.text, relates))
        for rule in flags:
            if rule.level == ORGANIZATION and rule.requires is None:
                continue
            if counts(rule) and outcome(rule) is True:
                state.flags.append(self.rule_flag(rule, answers, service))
        return state

    def reasons(self, rule: Rule, answers: Mapping[str, AnswerValue], service: str) -> tuple[Reason, ...]:
        if rule.level == ORGANIZATION:
            cached = self.org_reasons.get(rule.id)
            if cached is None:
                cached = self.org_reasons[rule.id] = self.cite(rule, self.org_answers, None)
            return cached
        return self.cite(rule, answers, service)

    def cite(self, rule: Rule, answers: Mapping[str, AnswerValue], service: str | None) -> tuple[Reason, ...]:
        if rule.compiled is None:
            return ()
        reasons = []
        for atom in rule.compiled.explain(answers):
            question = self.bank.questions[atom.q]
            answer = answers.get(atom.q)
            effect = rule.explanation
            if question.allow_unknown and answer == UNKNOWN:
                effect += _UNKNOWN_NOTE
            reasons.append(Reason(atom.q, service if question.level == SERVICE else None, answer, rule.id, effect))
        return tuple(reasons)

    def rule_flag(self, rule: Rule, answers: Mapping[str, AnswerValue], service: str | None) -> Flag:
        effect = rule.effect
        assert effect.code is not None and effect.message is not None
        cited = rule.compiled.explain(answers) if rule.compiled is not None else ()
        return Flag(effect.code, service, cited[0].q if cited else None, effect.message)

    def input_flags(
        self,
        level: str,
        answers: Mapping[str, AnswerValue],
        shown: set[str],
        service: str | None,
        service_name: str | None = None,
    ) -> list[Flag]:
        where = f" for service “{service_name}”" if service_name is not None else ""
        flags = []
        for question in self.bank.questions_at(level):
            if question.key not in shown:
                continue
            value = answers.get(question.key)
            if value is None and _expects_answer(question):
                consequence = (
                    "it was read as the answer that includes less scope (no, none or 0)"
                    if question.key in self.bank.read_keys
                    else "the scoping memo needs it"
                )
                flags.append(
                    Flag(
                        "missing_answer",
                        service,
                        question.key,
                        f"“{question.label}” is not answered{where}; {consequence}.",
                    )
                )
            elif value == UNKNOWN and question.allow_unknown and question.key in self.bank.read_keys:
                assumption = (
                    "it counts as 0 months, because a Type 2 needs evidence"
                    if question.key == MONTHS_KEY
                    else "the engine assumed the answer that includes more scope"
                )
                flags.append(
                    Flag(
                        "unknown_answer",
                        service,
                        question.key,
                        f'“{question.label}” was answered "don\'t know"{where}: {assumption}.',
                    )
                )
        return flags

    # ------------------------------------------------------------------------------------------------ reports

    def reports(self, services: list[ServiceResult]) -> list[ReportResult]:
        facts = OrganizationFacts(self.profile.as_of, self.org_answers)
        parameters = self.bank.parameters
        reports: list[ReportResult] = []
        soc1 = tuple(service.key for service in services if service.soc1.applicable)
        if soc1:
            plan = plan_report("soc1", facts, parameters)
            self.flags.extend(plan.flags)
            reports.append(
                ReportResult(
                    "soc1",
                    plan.type,
                    soc1,
                    plan.as_of,
                    plan.period,
                    plan.bridge_letter,
                    None,
                    plan.reasons,
                    plan.next_steps,
                    plan.timeline,
                )
            )
        soc2 = tuple(service.key for service in services if service.soc2.applicable)
        public = facts.public_report_wanted
        if not soc2:
            if public:
                self.flags.append(
                    Flag(
                        "soc3_needs_type2",
                        None,
                        PUBLIC_REPORT_KEY,
                        "A report to publish freely is wanted, but no SOC 2 is indicated: a SOC 3 comes only from "
                        "a SOC 2 Type 2 examination.",
                    )
                )
            return reports
        included = {key for service in services for key in service.soc2.category_keys}
        categories = tuple(key for key in CATEGORIES if key in included)
        plan = plan_report("soc2", facts, parameters)
        self.flags.extend(plan.flags)
        next_steps = plan.next_steps
        if public and plan.type != "type2":
            next_steps += ("Issue the SOC 3 from the SOC 2 Type 2 that follows this Type 1.",)
            self.flags.append(
                Flag(
                    "soc3_needs_type2",
                    None,
                    PUBLIC_REPORT_KEY,
                    "A report to publish freely is wanted, but the SOC 2 is a Type 1: a SOC 3 needs a SOC 2 Type 2.",
                )
            )
        soc2_report = ReportResult(
            "soc2",
            plan.type,
            soc2,
            plan.as_of,
            plan.period,
            None,
            categories,
            plan.reasons,
            next_steps,
            plan.timeline,
        )
        reports.append(soc2_report)
        if public and plan.type == "type2":
            reason = facts.reason(
                PUBLIC_REPORT_KEY,
                "engine.report.soc3",
                "A report the organization may publish freely is wanted and the SOC 2 is a Type 2, so a SOC 3 can "
                "be issued from the same examination.",
            )
            reports.append(
                ReportResult(
                    "soc3",
                    plan.type,
                    soc2,
                    None,
                    plan.period,
                    None,
                    categories,
                    (reason, *plan.reasons),
                    ("Publish the SOC 3 once the SOC 2 Type 2 report is issued.",),
                    plan.timeline,
                )
            )
        return reports


def _test(rule: Rule, answers: Mapping[str, AnswerValue]) -> Truth:
    return True if rule.compiled is None else rule.compiled.test(answers)


def _expects_answer(question: Question) -> bool:
    if question.required:
        return True
    return question.key in CANONICAL_QUESTIONS and question.key not in ABSENCE_IS_AN_ANSWER


def _service_result(key: str, name: str, state: _ServiceState) -> ServiceResult:
    soc1 = Soc1Conclusion(
        STRENGTHS[state.strength["soc1"]],
        tuple(state.reasons["soc1"]),
        tuple(state.areas),
    )
    soc2 = Soc2Conclusion(
        STRENGTHS[state.strength["soc2"]],
        tuple(state.reasons["soc2"]),
        tuple((category, tuple(state.categories[category])) for category in CATEGORIES if category in state.categories),
    )
    return ServiceResult(key, name, soc1, soc2)
