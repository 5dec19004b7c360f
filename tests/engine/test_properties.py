"""Property tests over random profiles built from the bank's own questions."""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.engine import (
    BankError,
    ProfileError,
    Question,
    deciding,
    load_bank,
    parse_profile,
    result_json,
    scope,
    sensitivity,
    validate_bank,
)
from assessments.engine.conditions import atoms
from assessments.engine.periods import add_months, first_month_start_on_or_after

from .support import default_bank, minimal_bank_doc

BANK = default_bank()
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SERVICE_KEYS = ["pay", "docs", "colo", "api", "crm"]
FLAG_VALUES = [True, False, "unknown"]


def answer_strategy(question: Question) -> st.SearchStrategy[Any]:
    kind = question.type
    if kind in ("yes_no", "yes_no_unknown"):
        values: st.SearchStrategy[Any] = st.booleans()
    elif kind == "single":
        values = st.sampled_from(question.choice_keys)
    elif kind == "multi":
        values = st.lists(st.sampled_from(question.choice_keys), max_size=len(question.choice_keys))
    elif kind == "number":
        low = max(0, question.min_value or 0)
        high = question.max_value if question.max_value is not None else 600
        values = st.integers(min_value=math.ceil(low), max_value=math.floor(high)) | st.floats(
            min_value=low, max_value=high, allow_nan=False
        )
    elif kind == "date":
        values = st.dates(dt.date(2020, 1, 1), dt.date(2032, 12, 31)).map(dt.date.isoformat)
    else:
        values = st.text(max_size=question.max_length or 30)
    if question.allow_unknown:
        values = values | st.just("unknown")
    return st.none() | values


def answers_strategy(level: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={q.key: answer_strategy(q) for q in BANK.questions_at(level)})


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(SERVICE_KEYS), min_size=1, max_size=4, unique=True))
    services = [{"key": key, "name": key.upper(), "answers": draw(answers_strategy("service"))} for key in keys]
    subservices = []
    for index in range(draw(st.integers(0, 3))):
        sub: dict[str, Any] = {
            "name": f"Vendor {index}",
            "services": draw(st.lists(st.sampled_from(keys), unique=True)),
        }
        for field in ("has_soc_report", "controls_required", "will_participate"):
            if draw(st.booleans()):
                sub[field] = draw(st.sampled_from(FLAG_VALUES))
        subservices.append(sub)
    return {
        "schema": "socscope.profile/1",
        "as_of": draw(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))).isoformat(),
        "organization": {"name": "Random Org", "answers": draw(answers_strategy("organization"))},
        "services": services,
        "subservice_organizations": subservices,
    }


def is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


@SETTINGS
@given(profiles())
def test_scoping_a_valid_profile_never_fails_and_is_deterministic(doc: dict[str, Any]) -> None:
    first = result_json(scope(BANK, parse_profile(BANK, copy.deepcopy(doc))))
    second = result_json(scope(BANK, parse_profile(BANK, json.loads(json.dumps(doc)))))
    assert first == second


@SETTINGS
@given(profiles())
def test_every_conclusion_is_reasoned(doc: dict[str, Any]) -> None:
    result = scope(BANK, parse_profile(BANK, doc)).to_dict()
    for service in result["services"]:
        for family in ("soc1", "soc2"):
            conclusion = service[family]
            assert conclusion["applicable"] == (conclusion["strength"] != "not_applicable")
            if conclusion["applicable"]:
                assert conclusion["reasons"], (service["key"], family)
        soc2 = service["soc2"]
        if soc2["applicable"]:
            assert "security" in soc2["categories"]
            assert soc2["categories"]["security"]
            assert all(reasons for reasons in soc2["categories"].values())
        else:
            assert soc2["categories"] == {}
    for report in result["reports"]:
        assert report["reasons"], report["report"]
        assert all(reason["rule"] and reason["effect"] for reason in report["reasons"])
    assert [entry["report"] for entry in result["reports"]] == sorted(entry["report"] for entry in result["reports"])


@SETTINGS
@given(profiles())
def test_types_periods_and_bridge_letters_keep_their_shape(doc: dict[str, Any]) -> None:
    profile = parse_profile(BANK, doc)
    result = scope(BANK, profile)
    months = profile.organization.answers.get("controls_operating_months")
    months = months if isinstance(months, int | float) else 0
    for report in result.reports:
        if report.type == "type1":
            assert report.period is None and report.bridge_letter is None
            assert report.as_of is not None and report.as_of >= profile.as_of
            continue
        assert report.as_of is None and report.period is not None
        start, end = report.period.start, report.period.end
        assert start.day == 1 and is_month_end(end) and start < end
        # A period reaches back before as_of only over whole months with evidence.
        assert start >= min(profile.as_of, first_month_start_on_or_after(add_months(profile.as_of, -int(months))))
        if report.bridge_letter is not None:
            assert report.report == "soc1"
            fye = profile.organization.answers.get("client_fye_month")
            assert fye not in (None, "mixed")
            assert report.bridge_letter.start == end + dt.timedelta(days=1)
            assert is_month_end(report.bridge_letter.end)
            assert report.bridge_letter.end.strftime("%b").lower() == fye
            assert (report.bridge_letter.end - end).days <= 31 * 3
    soc2 = result.report("soc2")
    wants_public = profile.organization.answers.get("public_report_wanted") is True
    assert (result.report("soc3") is not None) == (wants_public and soc2 is not None and soc2.type == "type2")


@SETTINGS
@given(profiles())
def test_flags_have_the_contract_shape(doc: dict[str, Any]) -> None:
    result = scope(BANK, parse_profile(BANK, doc)).to_dict()
    keys = {service["key"] for service in result["services"]}
    for flag in result["flags"]:
        assert list(flag) == ["code", "service", "question", "message"]
        assert flag["service"] is None or flag["service"] in keys
        assert flag["question"] is None or flag["question"] in BANK.questions
        assert flag["message"]
    pairs = [
        (f["code"], f["service"], f["question"])
        for f in result["flags"]
        if f["code"] == "unknown_answer" and f["question"]
    ]
    assert len(pairs) == len(set(pairs)), "unknown_answer once per question and service"
    assert ("no_report_indicated" in {f["code"] for f in result["flags"]}) == (not result["reports"])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_sensitivity_never_fails_and_is_json(doc: dict[str, Any]) -> None:
    profile = parse_profile(BANK, doc)
    first = json.dumps(sensitivity(BANK, profile), sort_keys=True)
    assert first == json.dumps(sensitivity(BANK, profile), sort_keys=True)


# ---------------------------------------------------------------------------------------------------- invalid


def _services_question(kind: str) -> str:
    return next(q.key for q in BANK.questions_at("service") if q.type == kind)


MUTATIONS: dict[str, Any] = {
    "unknown top-level key": lambda doc, i: (doc.__setitem__("colour", "red"), "$.colour"),
    "unknown organization key": lambda doc, i: (doc["organization"].__setitem__("size", 3), "$.organization.size"),
    "unknown service key": lambda doc, i: (doc["services"][i].__setitem__("owner", "x"), f"$.services[{i}].owner"),
    "unknown question": lambda doc, i: (
        doc["organization"]["answers"].__setitem__("favourite", 1),
        "$.organization.answers.favourite",
    ),
    "service question at organization level": lambda doc, i: (
        doc["organization"]["answers"].__setitem__("stores_customer_data", True),
        "$.organization.answers.stores_customer_data",
    ),
    "wrong type for a number": lambda doc, i: (
        doc["organization"]["answers"].__setitem__("controls_operating_months", True),
        "$.organization.answers.controls_operating_months",
    ),
    "wrong type for a yes/no": lambda doc, i: (
        doc["services"][i].setdefault("answers", {}).__setitem__("stores_customer_data", 1),
        f"$.services[{i}].answers.stores_customer_data",
    ),
    "impossible date": lambda doc, i: (
        doc["organization"]["answers"].__setitem__("report_needed_by", "2027-02-29"),
        "$.organization.answers.report_needed_by",
    ),
    "impossible scoping date": lambda doc, i: (doc.__setitem__("as_of", "2026-06-31"), "$.as_of"),
    "negative number": lambda doc, i: (
        doc["organization"]["answers"].__setitem__("controls_operating_months", -3),
        "$.organization.answers.controls_operating_months",
    ),
    "bad single choice": lambda doc, i: (
        doc["organization"]["answers"].__setitem__("client_fye_month", "smarch"),
        "$.organization.answers.client_fye_month",
    ),
    "bad multi choice": lambda doc, i: (
        doc["services"][i].setdefault("answers", {}).__setitem__("data_types", ["personal", "dna"]),
        f"$.services[{i}].answers.data_types[1]",
    ),
    "unknown where not allowed": lambda doc, i: (
        doc["services"][i].setdefault("answers", {}).__setitem__(_services_question("multi"), "unknown"),
        f"$.services[{i}].answers.{_services_question('multi')}",
    ),
    "duplicate service key": lambda doc, i: (
        doc["services"].append(copy.deepcopy(doc["services"][i])),
        f"$.services[{len(doc['services']) - 1}].key",
    ),
    "subservice naming an unknown service": lambda doc, i: (
        doc["subservice_organizations"].append({"name": "Ghost vendor", "services": ["nowhere"]}),
        f"$.subservice_organizations[{len(doc['subservice_organizations']) - 1}].services[0]",
    ),
    "bad subservice flag": lambda doc, i: (
        doc["subservice_organizations"].append({"name": "Vendor", "will_participate": "maybe"}),
        f"$.subservice_organizations[{len(doc['subservice_organizations']) - 1}].will_participate",
    ),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(), st.sampled_from(sorted(MUTATIONS)), st.data())
def test_a_mutated_profile_is_rejected_naming_the_mutated_path(
    doc: dict[str, Any], mutation: str, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(doc["services"]) - 1))
    _, path = MUTATIONS[mutation](doc, index)
    try:
        parse_profile(BANK, doc)
    except ProfileError as error:
        assert all(line.startswith("$.") for line in error.problems), error.problems
        assert any(line.startswith(path + ":") for line in error.problems), (path, error.problems)
    else:
        raise AssertionError(f"{mutation} was accepted")


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(JSON_LIKE)
def test_any_json_like_input_is_either_a_profile_or_a_profile_error(doc: Any) -> None:
    try:
        parse_profile(BANK, doc)
    except ProfileError as error:
        assert error.problems and all(line.startswith("$") for line in error.problems)


@settings(max_examples=150, deadline=None)
@given(profiles(), st.sampled_from(["organization", "services", "subservice_organizations", "as_of"]), JSON_LIKE)
def test_any_json_like_part_of_a_profile_is_accepted_or_refused_cleanly(
    doc: dict[str, Any], part: str, junk: Any
) -> None:
    doc[part] = junk
    try:
        parse_profile(BANK, doc)
    except ProfileError as error:
        assert error.problems and all(line.startswith("$") for line in error.problems)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*path, index)))
    return found


BANK_DOC = minimal_bank_doc()
BANK_PATHS = _paths(BANK_DOC)[1:]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BANK_PATHS), JSON_LIKE)
def test_validating_a_damaged_bank_lists_problems_and_never_fails(path: tuple[Any, ...], junk: Any) -> None:
    doc = copy.deepcopy(BANK_DOC)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = junk
    problems = validate_bank(doc)
    assert all(line.startswith("$") for line in problems)
    if problems:
        try:
            load_bank(doc)
        except BankError as error:
            assert error.problems == problems
        else:
            raise AssertionError("load_bank accepted a bank validate_bank refused")
    else:
        load_bank(doc)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_sensitivity_shortcuts_agree_with_scoping_the_whole_changed_profile(doc: dict[str, Any]) -> None:
    profile = parse_profile(BANK, doc)
    base = scope(BANK, profile)
    base_values = deciding._values(base)
    for variant in deciding.variants(BANK, profile):
        whole = deciding._values(scope(BANK, variant.profile))
        shortcut = deciding.values_after(BANK, base, base_values, variant)
        assert {key: shortcut.get(key) for key in base_values} == {key: whole.get(key) for key in base_values}


NOT_DECIDING = sorted(
    key
    for key, question in BANK.questions.items()
    if key not in BANK.read_keys
    and not any(
        atom.q == key for other in BANK.questions.values() if other.condition for atom in atoms(other.condition)
    )
)


@SETTINGS
@given(profiles(), st.data())
def test_answers_no_rule_or_condition_reads_change_no_conclusion(doc: dict[str, Any], data: st.DataObject) -> None:
    before = deciding._values(scope(BANK, parse_profile(BANK, doc)))
    for key in NOT_DECIDING:
        question = BANK.questions[key]
        holder = doc["organization"] if question.level == "organization" else doc["services"][0]
        holder.setdefault("answers", {})[key] = data.draw(answer_strategy(question))
    assert deciding._values(scope(BANK, parse_profile(BANK, doc))) == before
