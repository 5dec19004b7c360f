"""Reading a `socscope.profile/1` document against a bank (contract section 1).

A profile is rejected as a whole, with one line per problem, each starting with its JSON path. Any JSON-like
input, however malformed, ends in a `Profile` or a `ProfileError`, never in another exception.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .conditions import AnswerValue
from .contract import ORGANIZATION, PROFILE_SCHEMA, SERVICE, UNKNOWN
from .model import Bank, Organization, Profile, ProfileError, Question, Service, SubserviceOrganization
from .reading import DocumentReader
from .values import join, parse_date, show

_TOP = (("schema", "as_of", "organization", "services"), ("subservice_organizations",))
_ORGANIZATION = (("name",), ("answers",))
_SERVICE = (("key", "name"), ("description", "answers"))
_SUBSERVICE = (("name",), ("service", "services", "has_soc_report", "controls_required", "will_participate"))
_SUBSERVICE_FLAGS = ("has_soc_report", "controls_required", "will_participate")
# Beyond any bound a bank sets: numbers this large are typing mistakes and would not survive date arithmetic.
_NUMBER_LIMIT = 10**9
_YEARS = (1900, 2999)


def parse_profile(bank: Bank, doc: object) -> Profile:
    reader = _ProfileReader(bank)
    profile = reader.read(doc)
    if profile is None or reader.problems:
        raise ProfileError(reader.problems)
    return profile


def normalise_answer(question: Question, value: Any) -> tuple[AnswerValue | None, list[tuple[str, str]]]:
    """Check one answer against its question.

    Returns the normalised value (None when unanswered or wrong) and the problems as (path suffix, message)
    pairs: only the caller knows the path, and building it for every valid answer would be wasted work.
    """
    if value is None:
        return None, []
    kind = question.type
    if value == UNKNOWN and kind != "text":
        if question.allow_unknown:
            return UNKNOWN, []
        return None, [("", f'"unknown" is not accepted for {show(question.key)}')]
    if kind in ("yes_no", "yes_no_unknown"):
        if isinstance(value, bool):
            return value, []
        expected = 'true, false or "unknown"' if question.allow_unknown else "true or false"
        return None, [("", f"{show(question.key)} is a yes/no question: expected {expected}, got {show(value)}")]
    if kind == "single":
        if isinstance(value, str) and value in question.choice_keys:
            return value, []
        return None, [("", _not_a_choice(question, value))]
    if kind == "multi":
        return _normalise_multi(question, value)
    if kind == "number":
        return _normalise_number(question, value)
    if kind == "date":
        problem = date_problem(value)
        return (None, [("", f"{show(question.key)} {problem}")]) if problem else (value, [])
    if not isinstance(value, str):
        return None, [("", f"{show(question.key)} takes text, got {show(value)}")]
    if not value.strip():
        return None, []
    if question.max_length is not None and len(value) > question.max_length:
        return None, [("", f"the answer to {show(question.key)} is longer than {question.max_length} characters")]
    return value, []


def _not_a_choice(question: Question, value: Any) -> str:
    offered = ", ".join(question.choice_keys)
    if not isinstance(value, str):
        return f"{show(question.key)} takes a choice key (one of {offered}), got {show(value)}"
    return f"{show(value)} is not a choice of {show(question.key)} (choices: {offered})"


def _normalise_multi(question: Question, value: Any) -> tuple[AnswerValue | None, list[tuple[str, str]]]:
    if not isinstance(value, list):
        return None, [("", f"{show(question.key)} takes a list of choice keys, got {show(value)}")]
    # Nothing chosen is unanswered, as in the questionnaire: the bank offers "none" for "none of these", and
    # reading an empty list as "none" would hide the gap instead of flagging it as missing.
    if not value:
        return None, []
    offered = question.choice_keys
    problems = [
        (f"[{index}]", _not_a_choice(question, item))
        for index, item in enumerate(value)
        if not isinstance(item, str) or item not in offered
    ]
    if problems:
        return None, problems
    chosen = set(value)
    # Choice order, not typing order: the same selection always normalises (and checksums) the same way.
    return tuple(key for key in offered if key in chosen), []


def _normalise_number(question: Question, value: Any) -> tuple[AnswerValue | None, list[tuple[str, str]]]:
    name = show(question.key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None, [("", f"{name} takes a number, got {show(value)}")]
    if isinstance(value, float) and not math.isfinite(value):
        return None, [("", f"{name} takes a finite number, got {show(value)}")]
    if value < 0:
        return None, [("", f"{name} must not be negative, got {show(value)}")]
    if question.min_value is not None and value < question.min_value:
        return None, [("", f"{name} must be at least {show(question.min_value)}, got {show(value)}")]
    if question.max_value is not None and value > question.max_value:
        return None, [("", f"{name} must be at most {show(question.max_value)}, got {show(value)}")]
    if value > _NUMBER_LIMIT:
        return None, [("", f"{name} is implausibly large ({show(value)})")]
    if isinstance(value, float) and value.is_integer():
        return int(value), []
    return value, []


def date_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"takes a date written YYYY-MM-DD, got {show(value)}"
    date = parse_date(value)
    if date is None:
        digits = value.replace("-", "")
        if len(value) == 10 and value[4] == "-" and value[7] == "-" and digits.isascii() and digits.isdigit():
            return f"has an impossible date {show(value)}"
        return f"takes a date written YYYY-MM-DD, got {show(value)}"
    if not _YEARS[0] <= date.year <= _YEARS[1]:
        return f"has a date outside the years {_YEARS[0]}-{_YEARS[1]}: {show(value)}"
    return None


class _ProfileReader(DocumentReader):
    names_non_objects = True
    null_is_missing = True

    def __init__(self, bank: Bank) -> None:
        super().__init__()
        self.bank = bank

    def name(self, value: Any, path: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.add(path, f"must be a non-empty string, got {show(value)}")
            return ""
        return value

    def read(self, doc: object) -> Profile | None:
        if not self.object(doc, "$", _TOP, "a profile"):
            return None
        assert isinstance(doc, dict)
        if doc.get("schema") is not None and doc["schema"] != PROFILE_SCHEMA:
            self.add("$.schema", f"must be {show(PROFILE_SCHEMA)}, got {show(doc['schema'])}")
        as_of = None
        if doc.get("as_of") is not None:
            problem = date_problem(doc["as_of"])
            if problem:
                self.add("$.as_of", f"the scoping date {problem}")
            else:
                as_of = parse_date(doc["as_of"])
        organization = self.organization(doc.get("organization"))
        services = self.services(doc.get("services"))
        keys = {service.key for service in services}
        subservices = self.subservices(doc.get("subservice_organizations"), keys)
        if as_of is None or organization is None or self.problems:
            return None
        return Profile(as_of, organization, tuple(services), tuple(subservices))

    def organization(self, raw: Any) -> Organization | None:
        path = "$.organization"
        if raw is None or not self.object(raw, path, _ORGANIZATION, "the organization"):
            return None
        name = self.name(raw.get("name"), f"{path}.name")
        return Organization(name, self.answers(raw.get("answers"), f"{path}.answers", ORGANIZATION))

    def services(self, raw: Any) -> list[Service]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not raw:
            self.add("$.services", f"must be a non-empty list of services, got {show(raw)}")
            return []
        services: list[Service] = []
        seen: dict[str, str] = {}
        for index, item in enumerate(raw):
            path = f"$.services[{index}]"
            if not self.object(item, path, _SERVICE, "a service"):
                continue
            key = self.name(item.get("key"), f"{path}.key")
            # A missing or blank key is already reported; it is not also "used twice".
            if key and key in seen:
                self.add(f"{path}.key", f"service key {show(key)} is used twice (also {seen[key]})")
            seen.setdefault(key, path)
            name = self.name(item.get("name"), f"{path}.name")
            description = item.get("description")
            if description is not None and not isinstance(description, str):
                self.add(f"{path}.description", f"must be a string, got {show(description)}")
                description = None
            answers = self.answers(item.get("answers"), f"{path}.answers", SERVICE)
            services.append(Service(key, name, description, answers))
        return services

    def answers(self, raw: Any, path: str, level: str) -> Mapping[str, AnswerValue]:
        if raw is None:
            return MappingProxyType({})
        if not isinstance(raw, dict):
            self.add(path, f"answers must be a JSON object, got {show(raw)}")
            return MappingProxyType({})
        answers: dict[str, AnswerValue] = {}
        questions = self.bank.questions
        for key, value in raw.items():
            question = questions.get(key) if isinstance(key, str) else None
            if question is None:
                self.add(join(path, key), f"unknown question {show(key)}")
            elif question.level != level:
                self.add(join(path, key), _wrong_level(question))
            else:
                normalised, problems = normalise_answer(question, value)
                for suffix, message in problems:
                    self.add(join(path, key) + suffix, message)
                if normalised is not None:
                    answers[key] = normalised
        return MappingProxyType(answers)

    def subservices(self, raw: Any, service_keys: set[str]) -> list[SubserviceOrganization]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add("$.subservice_organizations", f"must be a list, got {show(raw)}")
            return []
        subservices: list[SubserviceOrganization] = []
        for index, item in enumerate(raw):
            path = f"$.subservice_organizations[{index}]"
            if not self.object(item, path, _SUBSERVICE, "a subservice organization"):
                continue
            name = self.name(item.get("name"), f"{path}.name")
            service = item.get("service")
            if service is not None and not isinstance(service, str):
                self.add(f"{path}.service", f"must be a string, got {show(service)}")
                service = None
            flags = {field: self.subservice_flag(item.get(field), f"{path}.{field}") for field in _SUBSERVICE_FLAGS}
            subservices.append(
                SubserviceOrganization(
                    name, service, self.subservice_services(item.get("services"), path, service_keys), **flags
                )
            )
        return subservices

    def subservice_services(self, raw: Any, path: str, service_keys: set[str]) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.add(f"{path}.services", f"must be a list of service keys, got {show(raw)}")
            return ()
        named: list[str] = []
        for index, key in enumerate(raw):
            if not isinstance(key, str) or key not in service_keys:
                self.add(f"{path}.services[{index}]", f"{show(key)} is not a service of this profile")
            elif key not in named:
                named.append(key)
        return tuple(named)

    def subservice_flag(self, value: Any, path: str) -> bool | str | None:
        if value is None or isinstance(value, bool) or value == UNKNOWN:
            return value
        self.add(path, f'must be true, false or "unknown", got {show(value)}')
        return None


def _wrong_level(question: Question) -> str:
    if question.level == SERVICE:
        return f"{show(question.key)} is a service-level question: answer it in each service's answers"
    return f"{show(question.key)} is an organization-level question: answer it once in $.organization.answers"
