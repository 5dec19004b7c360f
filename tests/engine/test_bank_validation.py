"""`validate_bank` / `load_bank`: one test per kind of problem, each naming its JSON path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from assessments.engine import BankError, bank_checksum, canonical_json, load_bank, validate_bank

from .support import default_bank_doc, minimal_bank_doc

Doc = dict[str, Any]


def problems_after(change: Callable[[Doc], object]) -> list[str]:
    doc = minimal_bank_doc()
    change(doc)
    return validate_bank(doc)


def org_questions(doc: Doc) -> list[Doc]:
    return doc["sections"][0]["questions"]


def service_questions(doc: Doc) -> list[Doc]:
    return doc["sections"][1]["questions"]


def rule(doc: Doc, rule_id: str) -> Doc:
    return next(item for item in doc["rules"] if item["id"] == rule_id)


def extra_question(**fields: Any) -> Doc:
    question = {"key": "extra", "label": "Extra?", "type": "yes_no", "position": 999, "condition": None}
    question.update(fields)
    return question


def add_org_question(doc: Doc, **fields: Any) -> None:
    org_questions(doc).append(extra_question(**fields))


def assert_one(problems: list[str], path: str, *words: str) -> None:
    matching = [line for line in problems if line.startswith(path + ":")]
    assert matching, f"no problem at {path}: {problems}"
    assert any(all(word in line for word in words) for line in matching), matching


def test_the_default_bank_is_valid() -> None:
    assert validate_bank(default_bank_doc()) == []
    assert validate_bank(minimal_bank_doc()) == []


def test_it_stamps_the_bank_with_the_checksum_of_its_canonical_json() -> None:
    doc = minimal_bank_doc()
    bank = load_bank(doc)
    assert bank.checksum == bank_checksum(doc)
    assert bank.checksum.startswith("sha256:") and len(bank.checksum) == 7 + 64
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'


def test_the_checksum_ignores_key_order_but_not_content() -> None:
    doc = minimal_bank_doc()
    reordered = dict(reversed(list(copy.deepcopy(doc).items())))
    assert bank_checksum(reordered) == bank_checksum(doc)
    doc["version"] = 2
    assert bank_checksum(reordered) != bank_checksum(doc)


def test_it_raises_with_every_problem_listed() -> None:
    doc = minimal_bank_doc()
    doc["schema"] = "socscope.bank/0"
    doc["version"] = 0
    with pytest.raises(BankError) as error:
        load_bank(doc)
    assert len(error.value.problems) == 2
    assert error.value.problems == validate_bank(doc)


def test_it_refuses_something_that_is_not_an_object() -> None:
    assert validate_bank([]) == ["$: a bank must be a JSON object"]  # type: ignore[arg-type]


def test_it_refuses_a_wrong_schema_string() -> None:
    assert_one(problems_after(lambda doc: doc.update(schema="socscope.bank/2")), "$.schema", "socscope.bank/1")


def test_it_refuses_unknown_keys_at_any_level() -> None:
    problems = problems_after(
        lambda doc: (doc.update(extra=1), org_questions(doc)[0].update(hint="x"), doc["rules"][0].update(note="x"))
    )
    assert_one(problems, "$.extra", "unknown key")
    assert_one(problems, "$.sections[0].questions[0].hint", "unknown key")
    assert_one(problems, "$.rules[0].note", "unknown key")


def test_it_refuses_missing_required_keys() -> None:
    assert_one(problems_after(lambda doc: doc.pop("rules")), "$.rules", "required")
    assert_one(problems_after(lambda doc: org_questions(doc)[0].pop("label")), "$.sections[0].questions[0].label")


def test_it_refuses_a_section_key_used_twice() -> None:
    problems = problems_after(lambda doc: doc["sections"][1].update(key=doc["sections"][0]["key"]))
    assert_one(problems, "$.sections[1].key", "used twice")


def test_it_refuses_a_question_key_used_twice_across_sections() -> None:
    problems = problems_after(lambda doc: service_questions(doc).append(extra_question(key="prior_reports")))
    assert_one(problems, "$.sections[1].questions[9].key", "'prior_reports'", "used twice")


def test_it_refuses_a_choice_key_used_twice() -> None:
    problems = problems_after(lambda doc: org_questions(doc)[1]["choices"][1].update(key="soc1_type1"))
    assert_one(problems, "$.sections[0].questions[1].choices[1].key", "used twice")


def test_it_refuses_the_reserved_choice_key_unknown() -> None:
    problems = problems_after(lambda doc: org_questions(doc)[1]["choices"][0].update(key="unknown"))
    assert_one(problems, "$.sections[0].questions[1].choices[0].key", "reserved")


def test_it_refuses_a_rule_id_used_twice() -> None:
    problems = problems_after(lambda doc: doc["rules"][1].update(id=doc["rules"][0]["id"]))
    assert_one(problems, "$.rules[1].id", "used twice")


def test_it_refuses_rule_ids_reserved_for_the_engine() -> None:
    assert_one(problems_after(lambda doc: doc["rules"][0].update(id="engine.mine")), "$.rules[0].id", "reserved")


def test_it_refuses_an_unknown_question_type() -> None:
    assert_one(problems_after(lambda doc: add_org_question(doc, type="slider")), "$.sections[0].questions[7].type")


def test_it_refuses_choices_on_a_question_that_has_none() -> None:
    problems = problems_after(lambda doc: add_org_question(doc, choices=[{"key": "a", "label": "A", "position": 1}]))
    assert_one(problems, "$.sections[0].questions[7].choices", "only single and multi")


def test_it_refuses_a_choice_question_without_choices() -> None:
    problems = problems_after(lambda doc: add_org_question(doc, type="single", choices=[]))
    assert_one(problems, "$.sections[0].questions[7].choices", "at least one choice")


def test_it_refuses_bounds_that_cross() -> None:
    problems = problems_after(lambda doc: add_org_question(doc, type="number", min_value=5, max_value=1))
    assert_one(problems, "$.sections[0].questions[7].max_value", "below min_value")


def test_it_refuses_bounds_on_a_question_that_is_not_a_number() -> None:
    assert_one(problems_after(lambda doc: add_org_question(doc, min_value=1)), "$.sections[0].questions[7].min_value")


def test_it_refuses_a_yes_no_unknown_question_that_would_not_accept_unknown() -> None:
    problems = problems_after(lambda doc: add_org_question(doc, type="yes_no_unknown", allow_unknown=False))
    assert_one(problems, "$.sections[0].questions[7].allow_unknown", "always accepts")


def test_it_refuses_unknown_on_a_choice_question() -> None:
    problems = problems_after(
        lambda doc: add_org_question(
            doc, type="single", allow_unknown=True, choices=[{"key": "a", "label": "A", "position": 1}]
        )
    )
    assert_one(problems, "$.sections[0].questions[7].allow_unknown", "only accepted")


def test_it_refuses_a_condition_on_an_unknown_question() -> None:
    problems = problems_after(lambda doc: add_org_question(doc, condition={"q": "x", "op": "is_true"}))
    assert problems == ["$.sections[0].questions[7].condition.q: unknown question 'x'"]


def test_it_refuses_a_rule_on_an_unknown_question() -> None:
    problems = problems_after(lambda doc: doc["rules"][0].update(when={"q": "nope", "op": "is_true"}))
    assert problems == ["$.rules[0].when.q: unknown question 'nope'"]


def test_it_refuses_a_choice_the_question_does_not_offer() -> None:
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "prior_reports", "op": "contains", "value": "soc9"})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.value", "'soc9'", "not a choice")


def test_it_refuses_contains_on_a_question_that_is_not_multiple_choice() -> None:
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "client_fye_month", "op": "contains", "value": "jan"})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.value", "multiple-choice")


def test_it_refuses_an_ordering_on_a_yes_no_question() -> None:
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "public_report_wanted", "op": "gt", "value": 1})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.value", "number and date")


def test_it_refuses_a_value_of_the_wrong_type() -> None:
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "controls_operating_months", "op": "eq", "value": True})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.value", "not a number")
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "report_needed_by", "op": "lt", "value": "2026-02-30"})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.value", "not a date")


def test_it_refuses_is_unknown_where_unknown_cannot_be_answered() -> None:
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "public_report_wanted", "op": "is_unknown"})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.op", "could never hold")


def test_it_refuses_a_value_on_an_operator_that_takes_none() -> None:
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "public_report_wanted", "op": "is_true", "value": True})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.value", "takes no value")


def test_it_refuses_an_unknown_operator() -> None:
    problems = problems_after(lambda doc: add_org_question(doc, condition={"q": "public_report_wanted", "op": "is"}))
    assert_one(problems, "$.sections[0].questions[7].condition.op", "unknown operator")


def test_it_refuses_an_empty_group() -> None:
    assert_one(
        problems_after(lambda doc: add_org_question(doc, condition={"all": []})),
        "$.sections[0].questions[7].condition.all",
    )


def test_it_names_the_path_inside_nested_conditions() -> None:
    condition = {"any": [{"q": "public_report_wanted", "op": "is_true"}, {"not": {"q": "ghost", "op": "is_true"}}]}
    problems = problems_after(lambda doc: add_org_question(doc, condition=condition))
    assert problems == ["$.sections[0].questions[7].condition.any[1].not.q: unknown question 'ghost'"]


def test_it_refuses_an_organization_question_whose_condition_reads_a_service_answer() -> None:
    problems = problems_after(
        lambda doc: add_org_question(doc, condition={"q": "stores_customer_data", "op": "is_true"})
    )
    assert_one(problems, "$.sections[0].questions[7].condition.q", "organization-level", "service-level")


def test_it_refuses_an_organization_rule_that_reads_a_service_answer() -> None:
    problems = problems_after(
        lambda doc: rule(doc, "soc1.required.sec_registrants").update(
            when={"q": "stores_customer_data", "op": "is_true"}
        )
    )
    index = [item["id"] for item in minimal_bank_doc()["rules"]].index("soc1.required.sec_registrants")
    assert_one(problems, f"$.rules[{index}].when.q", "service-level")


def test_it_refuses_a_visibility_cycle() -> None:
    def make_cycle(doc: Doc) -> None:
        org_questions(doc).append(extra_question(key="a", condition={"q": "b", "op": "is_true"}))
        org_questions(doc).append(extra_question(key="b", condition={"q": "a", "op": "is_true"}))

    problems = problems_after(make_cycle)
    assert problems == ["$.sections[0].questions[7].condition: visibility cycle: a -> b -> a"]


def test_it_refuses_a_question_whose_condition_reads_itself() -> None:
    problems = problems_after(lambda doc: add_org_question(doc, condition={"q": "extra", "op": "is_true"}))
    assert problems == ["$.sections[0].questions[7].condition: visibility cycle: extra -> extra"]


def test_it_accepts_a_question_that_depends_on_a_later_one() -> None:
    def forward(doc: Doc) -> None:
        org_questions(doc).insert(0, extra_question(key="early", condition={"q": "late", "op": "is_true"}))
        org_questions(doc).append(extra_question(key="late"))

    assert problems_after(forward) == []


def test_it_refuses_an_unknown_effect_type() -> None:
    assert_one(problems_after(lambda doc: doc["rules"][0]["effect"].update(type="boost")), "$.rules[0].effect.type")


def test_it_refuses_an_unknown_family() -> None:
    problems = problems_after(lambda doc: doc["rules"][0]["effect"].update(family="soc4"))
    assert_one(problems, "$.rules[0].effect.family", "'soc4'")


def test_it_refuses_an_unknown_category() -> None:
    problems = problems_after(lambda doc: rule(doc, "soc2.category.privacy")["effect"].update(category="safety"))
    assert any("effect.category" in line and "'safety'" in line for line in problems)


def test_it_refuses_an_unknown_strength() -> None:
    problems = problems_after(lambda doc: rule(doc, "soc2.required.requested")["effect"].update(strength="maybe"))
    assert any("effect.strength" in line for line in problems)


def test_it_refuses_a_trigger_that_requires_its_own_trigger() -> None:
    assert_one(problems_after(lambda doc: doc["rules"][0].update(requires="triggered")), "$.rules[0].requires")


def test_it_refuses_a_flag_that_requires_a_trigger_without_naming_the_family() -> None:
    problems = problems_after(
        lambda doc: rule(doc, "soc1.flag.requested_without_icfr_relevance")["effect"].pop("family")
    )
    assert any(line.endswith("needs a family to look at: give the flag effect a 'family'") for line in problems)


def test_it_refuses_a_reasoned_rule_without_a_condition() -> None:
    assert_one(problems_after(lambda doc: doc["rules"][0].update(when=None)), "$.rules[0].when", "needs a condition")


def test_it_refuses_incomplete_parameters() -> None:
    assert_one(problems_after(lambda doc: doc["parameters"].pop("report_weeks")), "$.parameters.report_weeks")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("type2_min_months", -1, "at least 0"),
        ("period_months_first", 0, "at least 1"),
        ("fye_alignment_months", 12, "at most 11"),
        ("report_weeks", True, "whole number"),
        ("fieldwork_weeks", 1.5, "whole number"),
    ],
)
def test_it_refuses_parameters_that_are_not_sane(name: str, value: Any, words: str) -> None:
    assert_one(problems_after(lambda doc: doc["parameters"].update({name: value})), f"$.parameters.{name}", words)


def test_it_refuses_period_lengths_that_shrink_as_controls_mature() -> None:
    problems = problems_after(lambda doc: doc["parameters"].update(period_months_first=9))
    assert_one(problems, "$.parameters", "must not shrink")


def test_it_refuses_an_unknown_parameter() -> None:
    assert_one(problems_after(lambda doc: doc["parameters"].update(speed=1)), "$.parameters.speed", "unknown key")


def test_it_refuses_a_csoc_template_with_an_unknown_placeholder() -> None:
    problems = problems_after(lambda doc: doc["csoc_templates"].append("{vendor} keeps backups."))
    assert_one(problems, f"$.csoc_templates[{len(minimal_bank_doc()['csoc_templates'])}]", "{vendor}")


def test_it_refuses_a_csoc_template_with_unbalanced_braces() -> None:
    problems = problems_after(lambda doc: doc["csoc_templates"].append("{name keeps backups."))
    assert any("unbalanced braces" in line for line in problems)


def test_it_refuses_a_bank_without_a_canonical_question() -> None:
    problems = problems_after(lambda doc: org_questions(doc).pop(6))
    assert any("canonical question 'clients_sec_registrants'" in line and "missing" in line for line in problems)


def test_it_refuses_a_canonical_question_of_the_wrong_type() -> None:
    problems = problems_after(lambda doc: org_questions(doc)[4].update(type="yes_no_unknown", allow_unknown=True))
    assert_one(problems, "$.sections[0].questions[4].type", "yes_no")


def test_it_refuses_a_canonical_question_at_the_wrong_level() -> None:
    def move(doc: Doc) -> None:
        service_questions(doc).append(org_questions(doc).pop(4))

    problems = problems_after(move)
    assert any("'public_report_wanted' must be asked at organization level" in line for line in problems)


def test_it_refuses_a_canonical_question_missing_a_contract_choice() -> None:
    problems = problems_after(lambda doc: org_questions(doc)[3]["choices"].pop(3))
    assert_one(problems, "$.sections[0].questions[3].choices", "type2")
