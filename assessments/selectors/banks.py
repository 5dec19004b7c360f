"""Reads of question banks: one version as its `socscope.bank/1` document, the engine's view of it, look-ups.

Banks are reference data every signed-in user's questionnaire reads; editing them is the admin's business,
so these selectors need no user.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from assessments.models import BankVersion, Choice, Question, Rule, Section

if TYPE_CHECKING:
    from assessments.engine import Bank

BANK_SCHEMA = "socscope.bank/1"
LABEL_PATTERN = re.compile(r"^(?P<key>[-a-zA-Z0-9_]+)(?:@(?P<number>[0-9]+))?$")


class BankNotFound(LookupError):
    """A bank label (`default` or `default@3`) that names no usable version; the message says why."""


def bank_versions_with_content(queryset: QuerySet[BankVersion] | None = None) -> QuerySet[BankVersion]:
    """Versions with everything their document needs, in a constant number of queries."""
    queryset = BankVersion.objects.all() if queryset is None else queryset
    questions = Question.objects.order_by("position", "id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    )
    return queryset.select_related("bank").prefetch_related(
        Prefetch(
            "sections",
            queryset=Section.objects.order_by("position", "id").prefetch_related(
                Prefetch("questions", queryset=questions)
            ),
        ),
        Prefetch("rules", queryset=Rule.objects.order_by("position", "id")),
    )


def _number(value: float | None) -> int | float | None:
    """JSON numbers as written: whole numbers without a fractional part, so documents round-trip exactly."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _question_document(question: Question) -> dict[str, Any]:
    return {
        "key": question.key,
        "label": question.label,
        "help_text": question.help_text,
        "reference": question.reference,
        "type": question.type,
        "required": question.required,
        "allow_unknown": question.allow_unknown,
        "min_value": _number(question.min_value),
        "max_value": _number(question.max_value),
        "max_length": question.max_length,
        "position": question.position,
        "condition": question.condition,
        "choices": [
            {"key": choice.key, "label": choice.label, "position": choice.position} for choice in question.choices.all()
        ],
    }


def _rule_document(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.key,
        "level": rule.level,
        "position": rule.position,
        "when": rule.when,
        "requires": rule.requires or None,
        "effect": rule.effect,
        "explanation": rule.explanation,
    }


def bank_document(version: BankVersion) -> dict[str, Any]:
    """The version as one `socscope.bank/1` document: natural keys only, lists in position order.

    Always read afresh from the database (five queries), so a draft's document reflects its latest edits.
    """
    version = bank_versions_with_content().get(pk=version.pk)
    return {
        "schema": BANK_SCHEMA,
        "key": version.bank.key,
        "name": version.bank.name,
        "version": version.number,
        "release_notes": version.release_notes,
        "parameters": version.parameters,
        "sections": [
            {
                "key": section.key,
                "level": section.level,
                "title": section.title,
                "description": section.description,
                "position": section.position,
                "questions": [_question_document(question) for question in section.questions.all()],
            }
            for section in version.sections.all()
        ],
        "rules": [_rule_document(rule) for rule in version.rules.all()],
        "csoc_templates": version.csoc_templates,
    }


def bank_document_json(document: dict[str, Any]) -> str:
    """The file form of a document (docs/bank-format.md): sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def bank_json(version: BankVersion) -> str:
    return bank_document_json(bank_document(version))


# Frozen versions never change, so their parsed form is kept for the life of the process.
_ENGINE_BANKS: dict[tuple[int, str], Bank] = {}


def engine_bank(version: BankVersion) -> Bank:
    """The engine's `Bank` for this version; cached by (pk, checksum) for published and retired versions."""
    from assessments.engine import load_bank

    if not (version.is_frozen and version.checksum):
        return load_bank(bank_document(version))
    cache_key = (version.pk, version.checksum)
    bank = _ENGINE_BANKS.get(cache_key)
    if bank is None:
        bank = _ENGINE_BANKS[cache_key] = load_bank(bank_document(version))
    return bank


def newest_published_version(bank_key: str = "default") -> BankVersion | None:
    """The version new assessments of this bank start on: the highest published number."""
    return (
        BankVersion.objects.filter(bank__key=bank_key, status=BankVersion.Status.PUBLISHED)
        .select_related("bank")
        .order_by("-number")
        .first()
    )


def bank_version_by_label(label: str, *, published_only: bool = False) -> BankVersion:
    """`default@3` is that version; `default` is the newest published version.

    With `published_only`, a draft is refused; a retired version is still accepted, because the memos
    scoped with it must stay reproducible. Raises `BankNotFound` with a message fit to show the user.
    """
    match = LABEL_PATTERN.match(label.strip())
    if match is None:
        raise BankNotFound(f"{label!r} is not a bank label; write KEY or KEY@VERSION, e.g. default@3.")
    key, number = match["key"], match["number"]
    if number is None:
        version = newest_published_version(key)
        if version is None:
            raise BankNotFound(f"Bank {key!r} has no published version.")
        return version
    version = BankVersion.objects.select_related("bank").filter(bank__key=key, number=int(number)).first()
    if version is None:
        raise BankNotFound(f"Bank version {key}@{number} does not exist.")
    if published_only and not version.is_frozen:
        raise BankNotFound(f"Bank version {key}@{number} is a draft; publish it first.")
    return version


# ---------------------------------------------------------------------------------------------- readable text

_ATOM_PHRASES = {
    "eq": "{q} is {value}",
    "ne": "{q} is answered and is not {value}",
    "in": "{q} is one of {value}",
    "contains": "{q} contains {value}",
    "contains_any": "{q} contains any of {value}",
    "contains_other_than": "{q} contains something other than {value}",
    "is_true": "{q} is yes",
    "is_false": "{q} is no",
    "is_unknown": '{q} is "don\'t know"',
    "answered": "{q} is answered",
    "gt": "{q} is more than {value}",
    "gte": "{q} is at least {value}",
    "lt": "{q} is less than {value}",
    "lte": "{q} is at most {value}",
}
_FAMILY_NAMES = {"soc1": "SOC 1", "soc2": "SOC 2", "soc3": "SOC 3"}


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value_text(item) for item in value)
    return str(value)


def condition_text(condition: Any) -> str:
    """A condition as a sentence fragment, e.g. "transaction_classes contains payroll and stores_customer_data is
    yes". Never fails: a malformed condition reads as its JSON, so the admin can always show what is stored."""
    if condition is None:
        return "always"
    if isinstance(condition, dict):
        if set(condition) == {"not"}:
            return f"not ({condition_text(condition['not'])})"
        for group, joiner in (("all", " and "), ("any", " or ")):
            if set(condition) == {group} and isinstance(condition[group], list) and condition[group]:
                parts = [condition_text(item) for item in condition[group]]
                nested = [f"({part})" if " and " in part or " or " in part else part for part in parts]
                return joiner.join(nested)
        phrase = _ATOM_PHRASES.get(condition.get("op"))
        if phrase is not None and isinstance(condition.get("q"), str):
            return phrase.format(q=condition["q"], value=_value_text(condition.get("value")))
    return f"(invalid condition) {json.dumps(condition, ensure_ascii=False, sort_keys=True)}"


def effect_text(effect: Any) -> str:
    """A rule's effect as a short phrase, e.g. "makes SOC 2 required"."""
    if isinstance(effect, dict):
        family = _FAMILY_NAMES.get(effect.get("family"), effect.get("family"))
        kind = effect.get("type")
        if kind == "trigger":
            return f"triggers {family}"
        if kind == "strength":
            return f"makes {family} {effect.get('strength')}"
        if kind == "category":
            return f"adds the SOC 2 category {effect.get('category')}"
        if kind == "control_objective_area":
            return f"adds the SOC 1 control objective area “{effect.get('area')}”"
        if kind == "cuec":
            return f"adds a {family} complementary user entity control: {effect.get('text')}"
        if kind == "flag":
            return f"raises flag {effect.get('code')}: {effect.get('message')}"
    return f"(invalid effect) {json.dumps(effect, ensure_ascii=False, sort_keys=True)}"


def rule_text(*, when: Any, requires: str | None, effect: Any) -> str:
    """A rule as one sentence: "When transaction_classes contains payroll: adds the SOC 1 control objective …"."""
    family = _FAMILY_NAMES.get(effect.get("family"), "its family") if isinstance(effect, dict) else "its family"
    if isinstance(effect, dict) and effect.get("type") == "category":
        family = "SOC 2"
    elif isinstance(effect, dict) and effect.get("type") == "control_objective_area":
        family = "SOC 1"
    gate = {"triggered": f", once {family} was triggered", "not_triggered": f", unless {family} was triggered"}
    opening = "Always" if when is None else f"When {condition_text(when)}"
    return f"{opening}{gate.get(requires or '', '')}: {effect_text(effect)}."
