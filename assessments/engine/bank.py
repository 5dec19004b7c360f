"""Reading and validating a `socscope.bank/1` document (docs/bank-format.md).

Validation collects every problem with its JSON path instead of stopping at the first, because the admin
shows the whole list when a bank is published or imported.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .canonical import bank_checksum
from .conditions import AllOf, AnyOf, Atom, Condition, ConditionValue, Not, atoms, compile_condition
from .contract import (
    BANK_SCHEMA,
    CANONICAL_QUESTIONS,
    CATEGORIES,
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    EFFECT_TYPES,
    ENGINE_RULE_PREFIX,
    FAMILIES,
    LEVELS,
    ORGANIZATION,
    PARAMETERS,
    QUESTION_FIELDS,
    QUESTION_REQUIRED_FIELDS,
    QUESTION_TYPES,
    REQUIRES,
    SERVICE,
    TYPE_LOGIC_KEYS,
    UNKNOWN,
    UNKNOWN_CAPABLE_TYPES,
)
from .model import Bank, BankError, Choice, Effect, Parameters, Question, Rule, Section
from .reading import DocumentReader
from .values import is_date, is_number, show

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_CHOICE_KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")

_TOP = (("schema", "key", "name", "version", "parameters", "sections", "rules", "csoc_templates"), ("release_notes",))
_SECTION = (("key", "level", "title", "position", "questions"), ("description",))
_QUESTION = (QUESTION_REQUIRED_FIELDS, tuple(key for key in QUESTION_FIELDS if key not in QUESTION_REQUIRED_FIELDS))
_CHOICE = (("key", "label", "position"), ())
_RULE = (("id", "level", "position", "when", "effect", "explanation"), ("requires",))
_EFFECT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "trigger": (("family",), ()),
    "strength": (("family", "strength"), ()),
    "category": (("category",), ()),
    "control_objective_area": (("area",), ()),
    "cuec": (("family", "text"), ("relates_to",)),
    "flag": (("code", "message"), ("family",)),
}
# Effects without reasons in the result may hold unconditionally whenever their family applies.
_UNCONDITIONAL_EFFECTS = ("control_objective_area", "cuec")
_PARAMETER_LIMITS: dict[str, tuple[int, int]] = {
    "type2_min_months": (0, 120),
    "deadline_horizon_months": (0, 60),
    "period_months_renewal": (1, 24),
    "period_months_established": (1, 24),
    "established_min_months": (0, 120),
    "period_months_first": (1, 24),
    "fye_alignment_months": (0, 11),
    "type1_lead_months": (0, 24),
    "fieldwork_weeks": (0, 52),
    "report_weeks": (0, 52),
}
_VALUELESS_OPS = ("is_true", "is_false", "is_unknown", "answered")
_LIST_OPS = ("in", "contains_any", "contains_other_than")
_ORDER_OPS = ("gt", "gte", "lt", "lte")
_OPS = ("eq", "ne", "contains", *_LIST_OPS, *_VALUELESS_OPS, *_ORDER_OPS)
_CSOC_FIELDS = ("name", "service")


def load_bank(doc: dict[str, Any]) -> Bank:
    bank, problems = _read_bank(doc)
    if bank is None:
        raise BankError(problems)
    return bank


def validate_bank(doc: dict[str, Any]) -> list[str]:
    return _read_bank(doc)[1]


@dataclass(slots=True)
class _QuestionDraft:
    """A question read before its condition can be checked (conditions may name later questions)."""

    path: str
    key: str
    level: str
    section: str
    type: str
    allow_unknown: bool
    choices: tuple[Choice, ...]
    fields: dict[str, Any]
    raw_condition: Any
    condition: Condition | None = None


class _Reader(DocumentReader):
    def text(self, value: Any, path: str, *, optional: bool = False) -> str:
        if value is None and optional:
            return ""
        if not isinstance(value, str) or (not optional and not value.strip()):
            self.add(path, "must be a non-empty string" if not optional else "must be a string")
            return ""
        return value

    def key(self, value: Any, path: str, pattern: re.Pattern[str] = _KEY) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.add(path, f"{show(value)} is not a valid key (lower-case letters, digits and underscores)")
            return ""
        return value

    def integer(self, value: Any, path: str, *, default: int | None = None, low: int | None = None) -> int:
        if value is None and default is not None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(path, f"must be a whole number, got {show(value)}")
            return default or 0
        if low is not None and value < low:
            self.add(path, f"must be at least {low}, got {value}")
        return value

    def flag(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, f"must be true or false, got {show(value)}")
            return default
        return value

    def choice(self, value: Any, path: str, options: tuple[str, ...], what: str) -> str:
        if value not in options or not isinstance(value, str):
            self.add(path, f"{show(value)} is not a valid {what} (one of {', '.join(options)})")
            return ""
        return value


def _read_bank(doc: Any) -> tuple[Bank | None, list[str]]:
    reader = _Reader()
    if not reader.object(doc, "$", _TOP, "a bank"):
        return None, reader.problems
    if doc.get("schema") != BANK_SCHEMA:
        reader.add("$.schema", f"must be {show(BANK_SCHEMA)}, got {show(doc.get('schema'))}")
    key = reader.key(doc.get("key"), "$.key")
    name = reader.text(doc.get("name"), "$.name")
    version = reader.integer(doc.get("version"), "$.version", low=1)
    release_notes = reader.text(doc.get("release_notes"), "$.release_notes", optional=True)
    parameters = _read_parameters(reader, doc.get("parameters"))
    drafts = _read_sections(reader, doc.get("sections"))
    index = {draft.key: draft for draft in drafts}
    for draft in drafts:
        if draft.raw_condition is not None:
            draft.condition = _read_condition(
                reader, draft.raw_condition, f"{draft.path}.condition", draft.level, index
            )
    order = _visibility_order(reader, drafts)
    rules = _read_rules(reader, doc.get("rules"), index)
    templates = _read_templates(reader, doc.get("csoc_templates"))
    _check_canonical(reader, index)
    if reader.problems:
        return None, reader.problems
    assert parameters is not None
    return _build(doc, key, name, version, release_notes, parameters, drafts, order, rules, templates), []


def _read_parameters(reader: _Reader, raw: Any) -> Parameters | None:
    if not reader.object(raw, "$.parameters", (PARAMETERS, ()), "the parameters"):
        return None
    values: dict[str, int] = {}
    for name in PARAMETERS:
        if name not in raw:
            continue
        low, high = _PARAMETER_LIMITS[name]
        value = reader.integer(raw[name], f"$.parameters.{name}", low=low)
        if value > high:
            reader.add(f"$.parameters.{name}", f"must be at most {high}, got {value}")
        values[name] = value
    if len(values) < len(PARAMETERS):
        return None
    if not values["period_months_first"] <= values["period_months_established"] <= values["period_months_renewal"]:
        reader.add(
            "$.parameters",
            "period lengths must not shrink as controls mature: "
            "period_months_first <= period_months_established <= period_months_renewal",
        )
    return Parameters(**values)


def _read_sections(reader: _Reader, raw: Any) -> list[_QuestionDraft]:
    if not isinstance(raw, list) or not raw:
        reader.add("$.sections", "must be a non-empty list of sections")
        return []
    drafts: list[_QuestionDraft] = []
    seen_sections: dict[str, str] = {}
    seen_questions: dict[str, str] = {}
    for s_index, section in enumerate(raw):
        path = f"$.sections[{s_index}]"
        if not reader.object(section, path, _SECTION, "a section"):
            continue
        section_key = reader.key(section.get("key"), f"{path}.key")
        if section_key and section_key in seen_sections:
            reader.add(
                f"{path}.key", f"section key {show(section_key)} is used twice (also {seen_sections[section_key]})"
            )
        seen_sections.setdefault(section_key, path)
        level = reader.choice(section.get("level"), f"{path}.level", LEVELS, "level")
        reader.text(section.get("title"), f"{path}.title")
        reader.text(section.get("description"), f"{path}.description", optional=True)
        reader.integer(section.get("position"), f"{path}.position")
        questions = section.get("questions")
        if not isinstance(questions, list):
            reader.add(f"{path}.questions", "must be a list of questions")
            continue
        for q_index, question in enumerate(questions):
            draft = _read_question(reader, question, f"{path}.questions[{q_index}]", level, section_key)
            if draft is None:
                continue
            if draft.key in seen_questions:
                reader.add(
                    f"{draft.path}.key",
                    f"question key {show(draft.key)} is used twice (also {seen_questions[draft.key]})",
                )
                continue
            seen_questions[draft.key] = draft.path
            drafts.append(draft)
    return drafts


def _read_question(reader: _Reader, raw: Any, path: str, level: str, section: str) -> _QuestionDraft | None:
    if not reader.object(raw, path, _QUESTION, "a question"):
        return None
    key = reader.key(raw.get("key"), f"{path}.key")
    kind = reader.choice(raw.get("type"), f"{path}.type", QUESTION_TYPES, "question type")
    label = reader.text(raw.get("label"), f"{path}.label")
    allow_unknown = reader.flag(raw.get("allow_unknown"), f"{path}.allow_unknown", kind == "yes_no_unknown")
    if kind == "yes_no_unknown" and not allow_unknown:
        reader.add(f"{path}.allow_unknown", 'a yes_no_unknown question always accepts "unknown"')
    if allow_unknown and kind and kind not in UNKNOWN_CAPABLE_TYPES:
        reader.add(f"{path}.allow_unknown", f'"unknown" is only accepted for {", ".join(UNKNOWN_CAPABLE_TYPES)}')
    min_value = _read_bound(reader, raw.get("min_value"), f"{path}.min_value", kind)
    max_value = _read_bound(reader, raw.get("max_value"), f"{path}.max_value", kind)
    if min_value is not None and max_value is not None and min_value > max_value:
        reader.add(f"{path}.max_value", f"is below min_value ({min_value})")
    max_length = raw.get("max_length")
    if max_length is not None:
        if kind != "text":
            reader.add(f"{path}.max_length", "only text questions have a maximum length")
        else:
            reader.integer(max_length, f"{path}.max_length", low=1)
    choices = _read_choices(reader, raw.get("choices"), f"{path}.choices", kind)
    fields = {
        "label": label,
        "help_text": reader.text(raw.get("help_text"), f"{path}.help_text", optional=True),
        "reference": reader.text(raw.get("reference"), f"{path}.reference", optional=True),
        "required": reader.flag(raw.get("required"), f"{path}.required", False),
        "min_value": min_value,
        "max_value": max_value,
        "max_length": (max_length if isinstance(max_length, int) else DEFAULT_MAX_LENGTH) if kind == "text" else None,
        "position": reader.integer(raw.get("position"), f"{path}.position"),
    }
    if not key or not kind:
        return None
    return _QuestionDraft(path, key, level, section, kind, allow_unknown, choices, fields, raw.get("condition"))


def _read_bound(reader: _Reader, value: Any, path: str, kind: str) -> int | float | None:
    if value is None:
        return None
    if kind != "number":
        reader.add(path, "only number questions have bounds")
        return None
    if not is_number(value):
        reader.add(path, f"must be a number, got {show(value)}")
        return None
    return value


def _read_choices(reader: _Reader, raw: Any, path: str, kind: str) -> tuple[Choice, ...]:
    raw = [] if raw is None else raw
    if not isinstance(raw, list):
        reader.add(path, "must be a list of choices")
        return ()
    if kind not in CHOICE_TYPES:
        if raw:
            reader.add(path, "only single and multi questions have choices")
        return ()
    if not raw:
        reader.add(path, f"a {kind} question needs at least one choice")
    choices: list[tuple[int, int, Choice]] = []
    seen: dict[str, str] = {}
    for index, choice in enumerate(raw):
        choice_path = f"{path}[{index}]"
        if not reader.object(choice, choice_path, _CHOICE, "a choice"):
            continue
        key = reader.key(choice.get("key"), f"{choice_path}.key", _CHOICE_KEY)
        if key == UNKNOWN:
            reader.add(f"{choice_path}.key", '"unknown" is reserved for the don\'t-know answer')
        if key and key in seen:
            reader.add(f"{choice_path}.key", f"choice key {show(key)} is used twice (also {seen[key]})")
        seen.setdefault(key, choice_path)
        label = reader.text(choice.get("label"), f"{choice_path}.label")
        position = reader.integer(choice.get("position"), f"{choice_path}.position")
        choices.append((position, index, Choice(key, label, position)))
    return tuple(choice for _, _, choice in sorted(choices, key=lambda item: item[:2]))


# ---------------------------------------------------------------------------------------------------- conditions


def _read_condition(
    reader: _Reader, raw: Any, path: str, level: str, index: Mapping[str, _QuestionDraft]
) -> Condition | None:
    if not isinstance(raw, dict):
        reader.add(path, "a condition must be a JSON object")
        return None
    groups = [key for key in ("all", "any", "not") if key in raw]
    if not groups:
        return _read_atom(reader, raw, path, level, index)
    group = groups[0]
    if len(raw) != 1:
        reader.add(path, f"a {show(group)} condition has no other keys")
        return None
    if group == "not":
        inner = _read_condition(reader, raw["not"], f"{path}.not", level, index)
        return Not(inner) if inner is not None else None
    items = raw[group]
    if not isinstance(items, list) or not items:
        reader.add(f"{path}.{group}", "must be a non-empty list of conditions")
        return None
    parsed = [_read_condition(reader, item, f"{path}.{group}[{i}]", level, index) for i, item in enumerate(items)]
    if any(item is None for item in parsed):
        return None
    conditions = tuple(item for item in parsed if item is not None)
    return AllOf(conditions) if group == "all" else AnyOf(conditions)


def _read_atom(
    reader: _Reader, raw: dict[str, Any], path: str, level: str, index: Mapping[str, _QuestionDraft]
) -> Atom | None:
    ok = reader.object(raw, path, (("q", "op"), ("value",)), "a condition")
    key, op = raw.get("q"), raw.get("op")
    if not ok or "q" not in raw or "op" not in raw:
        return None
    if op not in _OPS or not isinstance(op, str):
        reader.add(f"{path}.op", f"unknown operator {show(op)} (one of {', '.join(_OPS)})")
        return None
    question = index.get(key) if isinstance(key, str) else None
    if question is None:
        reader.add(f"{path}.q", f"unknown question {show(key)}")
        return None
    if level == ORGANIZATION and question.level == SERVICE:
        reader.add(f"{path}.q", f"an organization-level condition cannot read service-level question {show(key)}")
        return None
    if op in _VALUELESS_OPS:
        if "value" in raw:
            reader.add(f"{path}.value", f"{show(op)} takes no value")
            return None
    elif "value" not in raw:
        reader.add(f"{path}.value", f"{show(op)} needs a value")
        return None
    problem, value = _atom_value(question, op, raw.get("value"))
    if problem:
        reader.add(f"{path}.value" if "value" in raw else f"{path}.op", problem)
        return None
    return Atom(question.key, op, value)


def _atom_value(question: _QuestionDraft, op: str, value: Any) -> tuple[str | None, ConditionValue]:
    """Check an atom's value against its question; return (problem, normalised value)."""
    kind, name = question.type, show(question.key)
    choices = tuple(choice.key for choice in question.choices)
    if op in ("is_true", "is_false"):
        if kind not in ("yes_no", "yes_no_unknown"):
            return f"{op} applies to yes/no questions; {name} is a {kind} question", None
        return None, None
    if op == "is_unknown":
        if not question.allow_unknown:
            return f'{name} does not accept "unknown", so is_unknown could never hold', None
        return None, None
    if op == "answered":
        return None, None
    if op in ("contains", "contains_any", "contains_other_than"):
        if kind != "multi":
            return f"{op} applies to multiple-choice questions; {name} is a {kind} question", None
        if op == "contains":
            if value not in choices or not isinstance(value, str):
                return f"{show(value)} is not a choice of {name}", None
            return None, value
        return _choice_list(value, choices, name)
    if op == "in":
        if kind != "single":
            return f"in applies to single-choice questions; {name} is a {kind} question", None
        return _choice_list(value, choices, name)
    if op in _ORDER_OPS:
        if kind == "number" and is_number(value):
            return None, value
        if kind == "date" and is_date(value):
            return None, value
        if kind not in ("number", "date"):
            return f"{op} applies to number and date questions; {name} is a {kind} question", None
        return f"{show(value)} is not a {kind} to compare {name} with", None
    if kind == "multi":
        return f"{op} does not apply to multiple-choice question {name}; use contains, contains_any", None
    problem = _typed_value_problem(kind, choices, value)
    return (f"{problem} for {name}" if problem else None), value


def _choice_list(value: Any, choices: tuple[str, ...], name: str) -> tuple[str | None, ConditionValue]:
    if not isinstance(value, list) or not value:
        return f"must be a non-empty list of choices of {name}", None
    for item in value:
        if item not in choices or not isinstance(item, str):
            return f"{show(item)} is not a choice of {name}", None
    return None, tuple(value)


def _typed_value_problem(kind: str, choices: tuple[str, ...], value: Any) -> str | None:
    if kind in ("yes_no", "yes_no_unknown"):
        return None if isinstance(value, bool) else f'{show(value)} is not true or false (use is_unknown for "unknown")'
    if kind == "single":
        return None if isinstance(value, str) and value in choices else f"{show(value)} is not a choice"
    if kind == "number":
        return None if is_number(value) else f"{show(value)} is not a number"
    if kind == "date":
        return None if is_date(value) else f"{show(value)} is not a YYYY-MM-DD date"
    return None if isinstance(value, str) else f"{show(value)} is not a string"


def _visibility_order(reader: _Reader, drafts: list[_QuestionDraft]) -> list[str]:
    """Order questions so each condition's inputs come first; report every visibility cycle."""
    deps = {
        draft.key: {atom.q for atom in atoms(draft.condition)} if draft.condition is not None else set()
        for draft in drafts
    }
    placed: set[str] = set()
    order: list[str] = []
    progress = True
    while progress:
        progress = False
        for draft in drafts:
            if draft.key not in placed and deps[draft.key] <= placed:
                placed.add(draft.key)
                order.append(draft.key)
                progress = True
    stuck = [draft for draft in drafts if draft.key not in placed]
    reported: set[frozenset[str]] = set()
    paths = {draft.key: draft.path for draft in drafts}
    for draft in stuck:
        walk = [draft.key]
        while True:
            following = sorted(dep for dep in deps[walk[-1]] if dep not in placed)[0]
            if following in walk:
                cycle = [*walk[walk.index(following) :], following]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    reader.add(f"{paths[cycle[0]]}.condition", "visibility cycle: " + " -> ".join(cycle))
                break
            walk.append(following)
    return order


# ---------------------------------------------------------------------------------------------------- rules


def _read_rules(reader: _Reader, raw: Any, index: Mapping[str, _QuestionDraft]) -> list[tuple[int, int, Rule]]:
    if not isinstance(raw, list):
        reader.add("$.rules", "must be a list of rules")
        return []
    rules: list[tuple[int, int, Rule]] = []
    seen: dict[str, str] = {}
    for position_in_list, item in enumerate(raw):
        path = f"$.rules[{position_in_list}]"
        if not reader.object(item, path, _RULE, "a rule"):
            continue
        rule_id = reader.key(item.get("id"), f"{path}.id", _RULE_ID)
        if rule_id.startswith(ENGINE_RULE_PREFIX):
            reader.add(f"{path}.id", f"rule ids starting with {show(ENGINE_RULE_PREFIX)} are reserved for the engine")
        if rule_id and rule_id in seen:
            reader.add(f"{path}.id", f"rule id {show(rule_id)} is used twice (also {seen[rule_id]})")
        seen.setdefault(rule_id, path)
        level = reader.choice(item.get("level"), f"{path}.level", LEVELS, "level")
        position = reader.integer(item.get("position"), f"{path}.position")
        requires = item.get("requires")
        if requires is not None:
            requires = reader.choice(requires, f"{path}.requires", REQUIRES, "requirement") or None
        effect = _read_effect(reader, item.get("effect"), f"{path}.effect")
        explanation = reader.text(item.get("explanation"), f"{path}.explanation")
        when: Condition | None = None
        if item.get("when") is not None:
            when = _read_condition(reader, item["when"], f"{path}.when", level or ORGANIZATION, index)
        elif "when" in item and effect is not None and effect.type not in _UNCONDITIONAL_EFFECTS:
            reader.add(f"{path}.when", f"a {effect.type} rule needs a condition: its reasons cite the answers it reads")
        if effect is None:
            continue
        if requires and effect.type == "trigger":
            reader.add(f"{path}.requires", "a trigger rule cannot depend on whether its family was triggered")
        if requires and effect.subject_family is None:
            reader.add(f"{path}.requires", "needs a family to look at: give the flag effect a 'family'")
        rule = Rule(rule_id, level, position, when, requires, effect, explanation)
        rules.append((position, position_in_list, rule))
    return rules


def _read_effect(reader: _Reader, raw: Any, path: str) -> Effect | None:
    if not isinstance(raw, dict):
        reader.add(path, "an effect must be a JSON object")
        return None
    kind = raw.get("type")
    if kind not in EFFECT_TYPES or not isinstance(kind, str):
        reader.add(f"{path}.type", f"{show(kind)} is not an effect type (one of {', '.join(EFFECT_TYPES)})")
        return None
    required, optional = _EFFECT_FIELDS[kind]
    if not reader.object(raw, path, (("type", *required), optional), f"a {kind} effect"):
        return None
    fields: dict[str, Any] = {}
    if "family" in raw:
        fields["family"] = reader.choice(raw["family"], f"{path}.family", FAMILIES, "family")
    if "strength" in raw:
        fields["strength"] = reader.choice(raw["strength"], f"{path}.strength", ("required", "recommended"), "strength")
    if "category" in raw:
        fields["category"] = reader.choice(raw["category"], f"{path}.category", CATEGORIES, "category")
    for name in ("area", "text", "message"):
        if name in raw:
            fields[name] = reader.text(raw[name], f"{path}.{name}")
    if "code" in raw:
        fields["code"] = reader.key(raw["code"], f"{path}.code")
    if "relates_to" in raw:
        relates = raw["relates_to"]
        if not isinstance(relates, list) or not all(isinstance(item, str) and item.strip() for item in relates):
            reader.add(f"{path}.relates_to", "must be a list of non-empty strings")
        else:
            fields["relates_to"] = tuple(relates)
    return Effect(kind, **fields)


def _read_templates(reader: _Reader, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        reader.add("$.csoc_templates", "must be a list of sentences")
        return ()
    templates: list[str] = []
    for index, template in enumerate(raw):
        path = f"$.csoc_templates[{index}]"
        text = reader.text(template, path)
        try:
            fields = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        except ValueError as error:
            reader.add(path, f"unbalanced braces: {error}")
            continue
        for field in sorted(fields - set(_CSOC_FIELDS)):
            reader.add(path, f"unknown placeholder {{{field}}} (use {{name}} or {{service}})")
        templates.append(text)
    return tuple(templates)


def _check_canonical(reader: _Reader, index: Mapping[str, _QuestionDraft]) -> None:
    for key, (level, kind, allow_unknown, choices) in CANONICAL_QUESTIONS.items():
        draft = index.get(key)
        if draft is None:
            reader.add("$.sections", f"canonical question {show(key)} ({level}-level {kind}) is missing")
            continue
        if draft.level != level:
            reader.add(f"{draft.path}.key", f"canonical question {show(key)} must be asked at {level} level")
        if draft.type != kind:
            reader.add(f"{draft.path}.type", f"canonical question {show(key)} must be of type {kind}")
        elif draft.allow_unknown != allow_unknown:
            reader.add(
                f"{draft.path}.allow_unknown",
                f"must be {str(allow_unknown).lower()} for canonical question {show(key)}",
            )
        offered = {choice.key for choice in draft.choices}
        missing = [choice for choice in choices if choice not in offered]
        if missing and draft.type == kind:
            reader.add(f"{draft.path}.choices", f"canonical question {show(key)} must offer {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------------- building


def _build(
    doc: dict[str, Any],
    key: str,
    name: str,
    version: int,
    release_notes: str,
    parameters: Parameters,
    drafts: list[_QuestionDraft],
    order: list[str],
    rules: list[tuple[int, int, Rule]],
    templates: tuple[str, ...],
) -> Bank:
    allows_unknown = {draft.key: draft.allow_unknown for draft in drafts}

    def knows_unknown(question_key: str) -> bool:
        return allows_unknown[question_key]

    questions: dict[str, Question] = {}
    for draft in drafts:
        compiled = compile_condition(draft.condition, knows_unknown) if draft.condition is not None else None
        questions[draft.key] = Question(
            key=draft.key,
            level=draft.level,
            section=draft.section,
            type=draft.type,
            allow_unknown=draft.allow_unknown,
            condition=draft.condition,
            choices=draft.choices,
            compiled=compiled,
            **draft.fields,
        )
    sections = []
    raw_sections = [section for section in doc["sections"] if isinstance(section, dict)]
    for _, section in sorted(enumerate(raw_sections), key=lambda item: (item[1]["position"], item[0])):
        members = [questions[draft.key] for draft in drafts if draft.section == section["key"]]
        members.sort(key=lambda question: question.position)
        sections.append(
            Section(
                key=section["key"],
                level=section["level"],
                title=section["title"],
                description=section.get("description") or "",
                position=section["position"],
                questions=tuple(members),
            )
        )
    built_rules = tuple(
        Rule(
            rule.id,
            rule.level,
            rule.position,
            rule.when,
            rule.requires,
            rule.effect,
            rule.explanation,
            compile_condition(rule.when, knows_unknown) if rule.when is not None else None,
        )
        for _, _, rule in sorted(rules, key=lambda item: item[:2])
    )
    read_keys = {atom.q for rule in built_rules if rule.when is not None for atom in atoms(rule.when)}
    read_keys.update(key for key in TYPE_LOGIC_KEYS if key in questions)
    return Bank(
        key=key,
        name=name,
        version=version,
        release_notes=release_notes,
        checksum=bank_checksum(doc),
        parameters=parameters,
        sections=tuple(sections),
        rules=built_rules,
        csoc_templates=templates,
        questions=MappingProxyType(questions),
        visibility_order=MappingProxyType(
            {level: tuple(questions[key] for key in order if questions[key].level == level) for level in LEVELS}
        ),
        read_keys=frozenset(read_keys),
    )
