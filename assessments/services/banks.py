"""Writes to question banks: import, clone, publish, retire; and the diff between two versions.

Every document that enters the database passes `bank_document_normalize` (its shape, with a JSON path per
problem); publishing adds the engine's own validation, so only a bank the engine can evaluate is ever frozen.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.models import BankVersion, Choice, Question, QuestionBank, Rule, Section, User
from assessments.selectors.banks import BANK_SCHEMA, bank_document
from assessments.services.audit import audit_event_record

REQUIRED = object()
MAX_INT = 2**31 - 1
# Far deeper than any sensible condition, far shallower than the recursion the engine's reader can take.
MAX_JSON_DEPTH = 32
SLUG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class BankValidationError(ValueError):
    """A bank document or version that cannot be stored or published; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------- document shape

Check = Callable[[Any], str | None]


def _slug(max_length: int) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value:
            return "must be a non-empty string"
        if len(value) > max_length:
            return f"must be at most {max_length} characters"
        if not set(value) <= SLUG_CHARACTERS:
            return "may contain only letters, digits, hyphens and underscores"
        return None

    return check


def _text(max_length: int | None = None, *, blank: bool = True) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if not blank and not value.strip():
            return "must not be empty"
        if max_length is not None and len(value) > max_length:
            return f"must be at most {max_length} characters"
        return None

    return check


def _integer(minimum: int = -MAX_INT, *, nullable: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be a whole number" + (" or null" if nullable else "")
        if not minimum <= value <= MAX_INT:
            return f"must be between {minimum} and {MAX_INT}"
        return None

    return check


def _number_or_null(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "must be a number or null"
    return None


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _one_of(*options: Any) -> Check:
    def check(value: Any) -> str | None:
        if value in options and not isinstance(value, bool):
            return None
        return "must be one of " + ", ".join(json.dumps(option) for option in options)

    return check


def _exactly(expected: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value == expected else f"must be {json.dumps(expected)}"

    return check


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (iterative: a hostile value cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def json_depth_problem(value: Any) -> str | None:
    if json_depth(value) > MAX_JSON_DEPTH:
        return f"is nested too deeply (at most {MAX_JSON_DEPTH} levels)"
    return None


def _object(*, nullable: bool) -> Check:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            return "must be a JSON object" + (" or null" if nullable else "")
        return json_depth_problem(value)

    return check


def _list_of_strings(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return None
    return "must be a list of strings"


def _list(value: Any) -> str | None:
    return None if isinstance(value, list) else "must be a list"


LEVELS = tuple(Section.Level.values)
DOCUMENT_FIELDS: dict[str, tuple[Check, Any]] = {
    "schema": (_exactly(BANK_SCHEMA), REQUIRED),
    "key": (_slug(80), REQUIRED),
    "name": (_text(200, blank=False), REQUIRED),
    "version": (_integer(1), REQUIRED),
    "release_notes": (_text(), ""),
    "parameters": (_object(nullable=False), {}),
    "sections": (_list, REQUIRED),
    "rules": (_list, []),
    "csoc_templates": (_list_of_strings, []),
}
SECTION_FIELDS: dict[str, tuple[Check, Any]] = {
    "key": (_slug(80), REQUIRED),
    "level": (_one_of(*LEVELS), REQUIRED),
    "title": (_text(200, blank=False), REQUIRED),
    "description": (_text(), ""),
    "position": (_integer(), REQUIRED),
    "questions": (_list, []),
}
QUESTION_FIELDS: dict[str, tuple[Check, Any]] = {
    "key": (_slug(80), REQUIRED),
    "label": (_text(300, blank=False), REQUIRED),
    "help_text": (_text(), ""),
    "reference": (_text(200), ""),
    "type": (_one_of(*Question.Type.values), REQUIRED),
    "required": (_boolean, False),
    "allow_unknown": (_boolean, False),
    "min_value": (_number_or_null, None),
    "max_value": (_number_or_null, None),
    "max_length": (_integer(1, nullable=True), None),
    "position": (_integer(), REQUIRED),
    "condition": (_object(nullable=True), None),
    "choices": (_list, []),
}
CHOICE_FIELDS: dict[str, tuple[Check, Any]] = {
    "key": (_slug(80), REQUIRED),
    "label": (_text(200, blank=False), REQUIRED),
    "position": (_integer(), REQUIRED),
}
RULE_FIELDS: dict[str, tuple[Check, Any]] = {
    "id": (_text(120, blank=False), REQUIRED),
    "level": (_one_of(*Rule.Level.values), REQUIRED),
    "position": (_integer(), REQUIRED),
    "when": (_object(nullable=True), None),
    "requires": (_one_of(None, "triggered", "not_triggered"), None),
    "effect": (_object(nullable=False), REQUIRED),
    "explanation": (_text(400, blank=False), REQUIRED),
}


def _fields(obj: Any, path: str, spec: dict[str, tuple[Check, Any]], problems: list[str]) -> dict[str, Any] | None:
    """`obj` with defaults filled in, or None when it is not an object; appends one problem per bad field."""
    if not isinstance(obj, dict):
        problems.append(f"{path}: must be a JSON object")
        return None
    problems.extend(f"{path}.{name}: unknown field" for name in obj if name not in spec)
    result: dict[str, Any] = {}
    for name, (check, default) in spec.items():
        if name not in obj:
            if default is REQUIRED:
                problems.append(f"{path}.{name}: is required")
            else:
                result[name] = json.loads(json.dumps(default))
            continue
        problem = check(obj[name])
        if problem:
            problems.append(f"{path}.{name}: {problem}")
        result[name] = obj[name]
    return result


def _unique(seen: dict[str, str], key: Any, path: str, what: str, problems: list[str]) -> None:
    if not isinstance(key, str):
        return
    if key in seen:
        problems.append(f"{path}: {what} {key!r} is already used at {seen[key]}")
    else:
        seen[key] = path


def bank_document_normalize(document: Any) -> tuple[dict[str, Any], list[str]]:
    """Check a document's shape, field by field, and fill in optional fields: (document, problems).

    Checks what storing needs (types, lengths, unique keys); what the rules mean is the engine's part,
    checked on publishing.
    """
    problems: list[str] = []
    top = _fields(document, "$", DOCUMENT_FIELDS, problems)
    if top is None:
        return {}, problems
    section_keys: dict[str, str] = {}
    question_keys: dict[str, str] = {}
    sections = []
    for s_index, raw_section in enumerate(top["sections"] if isinstance(top.get("sections"), list) else []):
        s_path = f"$.sections[{s_index}]"
        section = _fields(raw_section, s_path, SECTION_FIELDS, problems)
        if section is None:
            continue
        _unique(section_keys, section.get("key"), f"{s_path}.key", "section key", problems)
        questions = []
        for q_index, raw_question in enumerate(section["questions"] if isinstance(section["questions"], list) else []):
            q_path = f"{s_path}.questions[{q_index}]"
            question = _fields(raw_question, q_path, QUESTION_FIELDS, problems)
            if question is None:
                continue
            _unique(question_keys, question.get("key"), f"{q_path}.key", "question key", problems)
            choice_keys: dict[str, str] = {}
            choices = []
            for c_index, raw_choice in enumerate(question["choices"] if isinstance(question["choices"], list) else []):
                c_path = f"{q_path}.choices[{c_index}]"
                choice = _fields(raw_choice, c_path, CHOICE_FIELDS, problems)
                if choice is not None:
                    _unique(choice_keys, choice.get("key"), f"{c_path}.key", "choice key", problems)
                    choices.append(choice)
            question["choices"] = choices
            questions.append(question)
        section["questions"] = questions
        sections.append(section)
    top["sections"] = sections
    rule_ids: dict[str, str] = {}
    rules = []
    for r_index, raw_rule in enumerate(top["rules"] if isinstance(top.get("rules"), list) else []):
        r_path = f"$.rules[{r_index}]"
        rule = _fields(raw_rule, r_path, RULE_FIELDS, problems)
        if rule is not None:
            _unique(rule_ids, rule.get("id"), f"{r_path}.id", "rule id", problems)
            rules.append(rule)
    top["rules"] = rules
    return top, problems


def bank_document_parse(data: bytes) -> dict[str, Any]:
    """Bytes of an uploaded or named file → the JSON document, refusing oversized, non-UTF-8 and non-JSON input."""
    limit = settings.BANK_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise BankValidationError([f"$: the file is {len(data)} bytes; bank files may be at most {limit} bytes"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BankValidationError([f"$: the file is not UTF-8 text (byte {error.start})"]) from None

    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not a JSON number")

    try:
        document = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise BankValidationError(
            [f"$: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"]
        ) from None
    except ValueError as error:
        raise BankValidationError([f"$: not valid JSON: {error}"]) from None
    except RecursionError:
        raise BankValidationError(["$: not valid JSON: nested too deeply"]) from None
    if not isinstance(document, dict):
        raise BankValidationError(["$: must be a JSON object"])
    return document


def bank_document_problems(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The document with its defaults filled in, and everything that keeps it from being published (one line
    each, starting with its JSON path). The engine judges the filled-in form, as it is stored and published."""
    from assessments.engine import validate_bank

    normalized, problems = bank_document_normalize(document)
    return normalized, problems or validate_bank(normalized)


def bank_version_problems(version: BankVersion, document: dict[str, Any] | None = None) -> list[str]:
    """Everything that keeps a version from being published, one line each, starting with its JSON path."""
    return bank_document_problems(bank_document(version) if document is None else document)[1]


# ---------------------------------------------------------------------------------------------- writes


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _content_create(version: BankVersion, document: dict[str, Any]) -> None:
    """Store a normalized document's sections, questions, choices and rules as `version`'s rows."""
    for raw_section in document["sections"]:
        section = Section(
            version=version,
            key=raw_section["key"],
            level=raw_section["level"],
            title=raw_section["title"],
            description=raw_section["description"],
            position=raw_section["position"],
        )
        section.save()
        for raw_question in raw_section["questions"]:
            question = Question(
                section=section,
                **{name: raw_question[name] for name in QUESTION_FIELDS if name != "choices"},
            )
            question.save()
            for raw_choice in raw_question["choices"]:
                Choice(question=question, **raw_choice).save()
    for raw_rule in document["rules"]:
        Rule(
            version=version,
            key=raw_rule["id"],
            level=raw_rule["level"],
            position=raw_rule["position"],
            when=raw_rule["when"],
            requires=raw_rule["requires"] or "",
            effect=raw_rule["effect"],
            explanation=raw_rule["explanation"],
        ).save()


@transaction.atomic
def bank_version_import(*, document: dict[str, Any], actor: User | None, publish: bool = False) -> BankVersion:
    """Store a `socscope.bank/1` document as a new draft version (and publish it, if asked): all or nothing.

    Raises `BankValidationError` listing every problem with its JSON path; nothing is stored then.
    """
    normalized, problems = bank_document_normalize(document)
    if problems:
        raise BankValidationError(problems)
    bank = QuestionBank.objects.select_for_update().filter(key=normalized["key"]).first()
    if bank is not None:
        if BankVersion.objects.filter(bank=bank, number=normalized["version"]).exists():
            next_number = (bank.versions.aggregate(top=Max("number"))["top"] or 0) + 1
            problems.append(
                f"$.version: {bank.key}@{normalized['version']} already exists; "
                f"give the file a new version number (the next free one is {next_number})"
            )
        if bank.name != normalized["name"] and bank.has_frozen_versions:
            problems.append(
                f"$.name: bank {bank.key!r} is named {bank.name!r} in its published versions; "
                "a version cannot rename it"
            )
        if problems:
            raise BankValidationError(problems)
        if bank.name != normalized["name"]:
            bank.name = normalized["name"]
            bank.save()
    else:
        bank = QuestionBank.objects.create(key=normalized["key"], name=normalized["name"])
    version = BankVersion.objects.create(
        bank=bank,
        number=normalized["version"],
        release_notes=normalized["release_notes"],
        parameters=normalized["parameters"],
        csoc_templates=normalized["csoc_templates"],
        created_by=_actor(actor),
    )
    _content_create(version, normalized)
    audit_event_record(action="bank.imported", actor=actor, obj=version, data={"version": version.label})
    if publish:
        return bank_version_publish(version=version, actor=actor)
    return version


@transaction.atomic
def bank_version_clone(*, version: BankVersion, actor: User | None) -> BankVersion:
    """A new draft of the same bank with the version's whole content, numbered after the bank's highest version."""
    bank = QuestionBank.objects.select_for_update().get(pk=version.bank_id)
    document = bank_document(version)
    number = (bank.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    clone = BankVersion.objects.create(
        bank=bank,
        number=number,
        parameters=document["parameters"],
        csoc_templates=document["csoc_templates"],
        created_by=_actor(actor),
    )
    _content_create(clone, document)
    audit_event_record(
        action="bank.cloned", actor=actor, obj=clone, data={"version": clone.label, "from": document_label(document)}
    )
    return clone


def document_label(document: dict[str, Any]) -> str:
    return f"{document['key']}@{document['version']}"


@transaction.atomic
def bank_version_publish(*, version: BankVersion, actor: User | None) -> BankVersion:
    """Validate a draft completely and freeze it, recording its checksum; raises `BankValidationError`."""
    from assessments.engine import bank_checksum

    version = BankVersion.objects.select_for_update().select_related("bank").get(pk=version.pk)
    if version.status != BankVersion.Status.DRAFT:
        raise BankValidationError([f"$: {version.label} is {version.status}; only a draft can be published"])
    document = bank_document(version)
    problems = bank_version_problems(version, document)
    if problems:
        raise BankValidationError(problems)
    version.checksum = bank_checksum(document)
    version.status = BankVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = _actor(actor)
    version.save()
    audit_event_record(
        action="bank.published", actor=actor, obj=version, data={"version": version.label, "checksum": version.checksum}
    )
    return version


@transaction.atomic
def bank_version_retire(*, version: BankVersion, actor: User | None) -> BankVersion:
    """Stop offering a published version to new assessments; existing ones keep it."""
    version = BankVersion.objects.select_for_update().select_related("bank").get(pk=version.pk)
    if version.status != BankVersion.Status.PUBLISHED:
        raise BankValidationError([f"$: {version.label} is {version.status}; only a published version can be retired"])
    version.status = BankVersion.Status.RETIRED
    version.retired_at = timezone.now()
    version.retired_by = _actor(actor)
    version.save()
    audit_event_record(action="bank.retired", actor=actor, obj=version, data={"version": version.label})
    return version


# ---------------------------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class DiffEntry:
    """One added, removed or changed thing; `kind` is one of DIFF_KINDS and `key` its natural key."""

    kind: str
    key: str
    change: str
    before: Any = None
    after: Any = None
    fields: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in self.fields],
        }


DIFF_KINDS = ("bank", "parameter", "section", "question", "choice", "rule", "csoc_template")


@dataclass(frozen=True)
class BankDiff:
    before: str
    after: str
    entries: tuple[DiffEntry, ...] = field(default=())

    def of_kind(self, kind: str) -> list[DiffEntry]:
        return [entry for entry in self.entries if entry.kind == kind]

    def by_kind(self) -> list[tuple[str, list[DiffEntry]]]:
        return [(kind, self.of_kind(kind)) for kind in DIFF_KINDS if self.of_kind(kind)]

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "entries": [entry.to_dict() for entry in self.entries]}


def _keyed(document: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Every comparable thing of a document by kind and natural key."""
    sections: dict[str, Any] = {}
    questions: dict[str, Any] = {}
    choices: dict[str, Any] = {}
    for section in document["sections"]:
        sections[section["key"]] = {name: value for name, value in section.items() if name != "questions"}
        for question in section["questions"]:
            body = {name: value for name, value in question.items() if name != "choices"}
            questions[question["key"]] = {**body, "section": section["key"]}
            for choice in question["choices"]:
                choices[f"{question['key']}.{choice['key']}"] = choice
    return {
        "bank": {"name": {"value": document["name"]}, "release_notes": {"value": document["release_notes"]}},
        "parameter": {name: {"value": value} for name, value in document["parameters"].items()},
        "section": sections,
        "question": questions,
        "choice": choices,
        "rule": {rule["id"]: rule for rule in document["rules"]},
        "csoc_template": {text: {"value": text} for text in document["csoc_templates"]},
    }


def bank_document_diff(before: dict[str, Any], after: dict[str, Any]) -> BankDiff:
    """What changed from one bank document to another, by natural key, in document order."""
    old, new = _keyed(before), _keyed(after)
    entries: list[DiffEntry] = []
    for kind in DIFF_KINDS:
        old_items, new_items = old[kind], new[kind]
        for key, item in old_items.items():
            if key not in new_items:
                entries.append(DiffEntry(kind, key, "removed", before=item))
                continue
            changes = tuple(
                FieldChange(name, item.get(name), new_items[key].get(name))
                for name in dict.fromkeys([*item, *new_items[key]])
                if item.get(name) != new_items[key].get(name)
            )
            if changes:
                entries.append(DiffEntry(kind, key, "changed", before=item, after=new_items[key], fields=changes))
        entries.extend(
            DiffEntry(kind, key, "added", after=item) for key, item in new_items.items() if key not in old_items
        )
    return BankDiff(before=document_label(before), after=document_label(after), entries=tuple(entries))


def bank_version_diff(a: BankVersion, b: BankVersion) -> BankDiff:
    """Questions, choices, conditions, rules and parameters added, removed or changed from version a to b."""
    return bank_document_diff(bank_document(a), bank_document(b))
