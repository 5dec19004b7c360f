"""`scope()`: the default rules of contract section 3, the result shape of section 4, rules as data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assessments.engine import ENGINE_VERSION, Bank, load_bank, parse_profile, result_json, scope, visible_questions
from assessments.engine.contract import CATEGORIES

from .support import default_bank, minimal_bank_doc, org_answers, profile_doc, rules_doc, service_answers


def run(
    org: dict[str, Any] | None = None,
    services: list[dict[str, Any]] | None = None,
    subservices: list[dict[str, Any]] | None = None,
    bank: Bank | None = None,
) -> dict[str, Any]:
    bank = bank or default_bank()
    return scope(bank, parse_profile(bank, profile_doc(org, services, subservices))).to_dict()


def service(key: str = "svc", **answers: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "answers": service_answers(**answers)}


def only(result: dict[str, Any], key: str = "svc") -> dict[str, Any]:
    return next(item for item in result["services"] if item["key"] == key)


def flags(result: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [flag for flag in result["flags"] if flag["code"] == code]


def reports(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["report"]: entry for entry in result["reports"]}


# ---------------------------------------------------------------------------------------------------- SOC 1


@pytest.mark.parametrize(
    "answers",
    [
        {"transaction_classes": ["payroll"]},
        {"outputs_used_in_financials": True},
        {"hosts_client_financial_systems": True},
    ],
)
def test_each_soc1_trigger_makes_soc1_recommended(answers: dict[str, Any]) -> None:
    soc1 = only(run(services=[service(**answers)]))["soc1"]
    assert soc1["strength"] == "recommended" and soc1["applicable"] is True
    assert soc1["reasons"][0]["question"] == next(iter(answers))
    assert soc1["reasons"][0]["service"] == "svc"


@pytest.mark.parametrize(
    "org", [{"clients_sec_registrants": True}, {"customer_requests": ["soc1"]}], ids=["sec", "requested"]
)
def test_a_triggered_soc1_is_required_for_audited_clients_or_on_request(org: dict[str, Any]) -> None:
    soc1 = only(run(org=org_answers(**org), services=[service(transaction_classes=["claims"])]))["soc1"]
    assert soc1["strength"] == "required"
    assert any(reason["service"] is None and reason["question"] in org for reason in soc1["reasons"])


def test_a_soc1_request_without_a_trigger_is_recommended_and_flagged() -> None:
    result = run(org=org_answers(customer_requests=["soc1"]))
    assert only(result)["soc1"]["strength"] == "recommended"
    assert only(result)["soc1"]["control_objective_areas"] == [
        "Logical access",
        "Change management",
        "Computer operations",
    ]
    [flag] = flags(result, "requested_without_icfr_relevance")
    assert flag["service"] == "svc" and flag["question"] == "customer_requests"


def test_a_service_without_triggers_has_no_soc1_and_no_areas() -> None:
    soc1 = only(run())["soc1"]
    assert soc1 == {"applicable": False, "strength": "not_applicable", "reasons": [], "control_objective_areas": []}


def test_control_objective_areas_follow_transaction_classes_then_itgc_families() -> None:
    soc1 = only(run(services=[service(transaction_classes=["tax", "payroll"])]))["soc1"]
    assert soc1["control_objective_areas"] == [
        "Client setup and master data changes",
        "Payroll processing",
        "Payroll tax filing and payment",
        "Logical access",
        "Change management",
        "Computer operations",
    ]


def test_hosting_financial_systems_adds_physical_and_environmental_security() -> None:
    areas = only(run(services=[service(hosts_client_financial_systems=True)]))["soc1"]["control_objective_areas"]
    assert "Physical and environmental security" in areas


# ---------------------------------------------------------------------------------------------------- SOC 2


def test_stored_customer_data_makes_soc2_recommended_with_security() -> None:
    soc2 = only(run(services=[service(stores_customer_data=True)]))["soc2"]
    assert soc2["strength"] == "recommended"
    assert list(soc2["categories"]) == ["security"]
    assert soc2["categories"]["security"] == soc2["reasons"]


@pytest.mark.parametrize("request_key", ["soc2", "soc3"])
def test_a_soc2_or_soc3_request_makes_soc2_required_for_every_service(request_key: str) -> None:
    result = run(
        org=org_answers(customer_requests=[request_key]),
        services=[service("a", stores_customer_data=True), service("b")],
    )
    for key in ("a", "b"):
        soc2 = only(result, key)["soc2"]
        assert soc2["strength"] == "required"
        assert soc2["categories"]["security"], "security cites the answers that made SOC 2 apply"


@pytest.mark.parametrize(
    ("answers", "category"),
    [
        ({"availability_commitments": True}, "availability"),
        ({"processing_integrity_commitments": True}, "processing_integrity"),
        ({"confidentiality_commitments": True}, "confidentiality"),
        ({"privacy_commitments": True}, "privacy"),
        ({"stores_customer_data": True, "data_types": ["confidential_business"]}, "confidentiality"),
    ],
)
def test_each_commitment_brings_in_its_category(answers: dict[str, Any], category: str) -> None:
    categories = only(run(services=[service(**answers)]))["soc2"]["categories"]
    assert list(categories) == ["security", category]
    assert categories[category][0]["rule"] == f"soc2.category.{category}"


def test_categories_keep_the_contract_order() -> None:
    everything = {key: True for key in service_answers() if key.endswith("_commitments")}
    categories = only(run(services=[service(**everything)]))["soc2"]["categories"]
    assert list(categories) == list(CATEGORIES)


def test_personal_data_without_privacy_commitments_suggests_privacy() -> None:
    result = run(services=[service(stores_customer_data=True, data_types=["health"])])
    [flag] = flags(result, "consider_privacy")
    assert flag["service"] == "svc" and flag["question"] == "data_types"
    assert not flags(run(services=[service(data_types=["personal"], privacy_commitments=True)]), "consider_privacy")


def test_an_unknown_privacy_commitment_includes_privacy_instead_of_suggesting_it() -> None:
    result = run(services=[service(stores_customer_data=True, data_types=["personal"], privacy_commitments="unknown")])
    assert "privacy" in only(result)["soc2"]["categories"]
    assert not flags(result, "consider_privacy")


# ---------------------------------------------------------------------------------------------------- unknowns and gaps


def test_an_unknown_trigger_answer_includes_the_scope_says_so_and_is_flagged_once() -> None:
    result = run(services=[service(stores_customer_data="unknown")])
    soc2 = only(result)["soc2"]
    assert soc2["strength"] == "recommended"
    assert soc2["reasons"][0]["answer"] == "unknown"
    assert "don't know" in soc2["reasons"][0]["effect"]
    unknown = flags(result, "unknown_answer")
    assert [(flag["question"], flag["service"]) for flag in unknown] == [("stores_customer_data", "svc")]


def test_unknown_answers_are_flagged_per_service() -> None:
    result = run(
        services=[
            service("a", outputs_used_in_financials="unknown"),
            service("b", outputs_used_in_financials="unknown"),
        ]
    )
    assert [(flag["question"], flag["service"]) for flag in flags(result, "unknown_answer")] == [
        ("outputs_used_in_financials", "a"),
        ("outputs_used_in_financials", "b"),
    ]


def test_an_unknown_organization_answer_is_flagged_without_a_service() -> None:
    result = run(org=org_answers(clients_sec_registrants="unknown"), services=[service(transaction_classes=["loans"])])
    assert only(result)["soc1"]["strength"] == "required"
    [flag] = flags(result, "unknown_answer")
    assert flag["service"] is None and flag["question"] == "clients_sec_registrants"


def test_a_missing_answer_reads_as_less_scope_and_is_flagged_per_service() -> None:
    answers = service_answers()
    del answers["stores_customer_data"]
    result = run(
        services=[{"key": "a", "name": "A", "answers": answers}, {"key": "b", "name": "B", "answers": answers}]
    )
    assert only(result, "a")["soc2"]["strength"] == "not_applicable"
    missing = [(flag["question"], flag["service"]) for flag in flags(result, "missing_answer")]
    assert [item for item in missing if item[0] == "stores_customer_data"] == [
        ("stores_customer_data", "a"),
        ("stores_customer_data", "b"),
    ]


def test_no_deadline_is_an_answer_not_a_gap() -> None:
    assert not [flag for flag in flags(run(), "missing_answer") if flag["question"] == "report_needed_by"]


def test_contradictory_answers_are_flagged() -> None:
    result = run(
        org=org_answers(prior_reports=["none", "soc2_type2"]),
        services=[service(stores_customer_data=False, data_types=["personal"])],
    )
    found = {(flag["question"], flag["service"]) for flag in flags(result, "contradictory_answer")}
    assert found == {("prior_reports", None), ("stores_customer_data", "svc")}


# ---------------------------------------------------------------------------------------------------- reports


def test_reports_aggregate_services_and_categories_in_order() -> None:
    result = run(
        org=org_answers(public_report_wanted=True, prior_reports=["soc2_type2"]),
        services=[
            service("pay", transaction_classes=["payroll"], stores_customer_data=True, privacy_commitments=True),
            service("docs", stores_customer_data=True, availability_commitments=True),
            service("brochure"),
        ],
    )
    assert [entry["report"] for entry in result["reports"]] == ["soc1", "soc2", "soc3"]
    by_family = reports(result)
    assert by_family["soc1"]["services"] == ["pay"] and by_family["soc1"]["categories"] is None
    assert by_family["soc2"]["services"] == ["pay", "docs"]
    assert by_family["soc2"]["categories"] == ["security", "availability", "privacy"]
    soc3 = by_family["soc3"]
    assert (soc3["services"], soc3["period"], soc3["categories"]) == (
        by_family["soc2"]["services"],
        by_family["soc2"]["period"],
        by_family["soc2"]["categories"],
    )
    assert soc3["reasons"][0]["question"] == "public_report_wanted"


def test_a_public_report_needs_a_soc2_type2() -> None:
    result = run(
        org=org_answers(public_report_wanted=True, controls_operating_months=1),
        services=[service(stores_customer_data=True)],
    )
    assert "soc3" not in reports(result)
    assert flags(result, "soc3_needs_type2")
    without_soc2 = run(org=org_answers(public_report_wanted=True))
    assert flags(without_soc2, "soc3_needs_type2") and flags(without_soc2, "no_report_indicated")


def test_no_applicable_family_means_no_report() -> None:
    result = run()
    assert result["reports"] == []
    assert [flag["code"] for flag in result["flags"]].count("no_report_indicated") == 1


# ---------------------------------------------------------------------------------------------------- vendors


def vendor(**fields: Any) -> dict[str, Any]:
    return {"name": "Vendor", "service": "Hosting", "services": ["svc"], **fields}


@pytest.mark.parametrize(
    ("fields", "method"),
    [
        ({"controls_required": False, "has_soc_report": False, "will_participate": True}, "excluded"),
        ({"controls_required": True, "has_soc_report": False, "will_participate": True}, "inclusive"),
        ({"controls_required": True, "has_soc_report": True, "will_participate": False}, "carve_out"),
        ({"controls_required": True, "has_soc_report": True, "will_participate": True}, "carve_out"),
        ({"controls_required": "unknown", "has_soc_report": False, "will_participate": True}, "inclusive"),
        ({}, "carve_out"),
    ],
)
def test_it_chooses_the_subservice_method(fields: dict[str, Any], method: str) -> None:
    [sub] = run(subservices=[vendor(**fields)])["subservice_organizations"]
    assert sub["method"] == method
    assert sub["reasons"]
    assert bool(sub["csocs"]) is (method == "carve_out")


def test_a_carve_out_lists_csocs_from_the_templates() -> None:
    [sub] = run(subservices=[vendor(controls_required=True, has_soc_report=True, will_participate=False)])[
        "subservice_organizations"
    ]
    assert len(sub["csocs"]) == len(rules_doc()["csoc_templates"])
    assert all("Vendor" in text for text in sub["csocs"])
    assert any("Hosting" in text for text in sub["csocs"])


def test_a_carved_out_vendor_without_its_own_report_is_flagged() -> None:
    result = run(subservices=[vendor(controls_required=True, has_soc_report=False, will_participate=False)])
    assert len(flags(result, "subservice_without_report")) == 1
    assert not flags(
        run(subservices=[vendor(controls_required=True, has_soc_report=True)]), "subservice_without_report"
    )


def test_each_unsettled_vendor_answer_is_flagged() -> None:
    result = run(subservices=[vendor(controls_required="unknown", has_soc_report="unknown")])
    assert len(flags(result, "unknown_answer")) == 2
    assert len(flags(result, "subservice_without_report")) == 1


# ---------------------------------------------------------------------------------------------------- CUECs


def test_cuecs_are_aggregated_per_report_and_text_across_services() -> None:
    result = run(
        services=[
            service("a", transaction_classes=["payroll"], stores_customer_data=True),
            service("b", transaction_classes=["payroll"]),
        ]
    )
    cuecs = result["cuecs"]
    soc1_access = [cuec for cuec in cuecs if cuec["report"] == "soc1" and "access" in cuec["text"]]
    assert len(soc1_access) == 1 and soc1_access[0]["services"] == ["a", "b"]
    assert soc1_access[0]["relates_to"] == ["Logical access"]
    payroll = [cuec for cuec in cuecs if "payroll registers" in cuec["text"]]
    assert payroll and payroll[0]["services"] == ["a", "b"]
    soc2 = [cuec for cuec in cuecs if cuec["report"] == "soc2"]
    assert soc2 and all(cuec["services"] == ["a"] for cuec in soc2)
    assert [cuec["report"] for cuec in cuecs] == sorted(cuec["report"] for cuec in cuecs)


def test_there_are_no_cuecs_without_an_applicable_family() -> None:
    assert run()["cuecs"] == []


# ---------------------------------------------------------------------------------------------------- result


def test_the_result_is_stamped_and_keeps_the_contract_shape() -> None:
    bank = default_bank()
    result = run()
    assert list(result) == [
        "schema",
        "engine_version",
        "bank",
        "as_of",
        "input_checksum",
        "services",
        "reports",
        "subservice_organizations",
        "cuecs",
        "flags",
    ]
    assert result["engine_version"] == ENGINE_VERSION
    assert result["bank"] == {"key": bank.key, "version": bank.version, "checksum": bank.checksum}
    assert result["input_checksum"].startswith("sha256:")
    assert all(list(flag) == ["code", "service", "question", "message"] for flag in result["flags"])


def test_the_input_checksum_follows_the_answers_not_their_spelling() -> None:
    bank = default_bank()
    one = profile_doc(services=[service(data_types=["personal", "financial"])])
    two = profile_doc(services=[service(data_types=["financial", "personal", "personal"])])
    three = profile_doc(services=[service(data_types=["financial"])])
    checksums = [scope(bank, parse_profile(bank, doc)).input_checksum for doc in (one, two, three)]
    assert checksums[0] == checksums[1] != checksums[2]


def test_result_json_is_the_indented_result_with_a_newline() -> None:
    bank = default_bank()
    result = scope(bank, parse_profile(bank, profile_doc(services=[service(stores_customer_data=True)])))
    text = result_json(result)
    assert text.endswith("}\n")
    assert json.loads(text) == result.to_dict()
    assert text == json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------------- rules as data


def bank_without(rule_id: str) -> Bank:
    doc = minimal_bank_doc()
    doc["rules"] = [rule for rule in doc["rules"] if rule["id"] != rule_id]
    return load_bank(doc)


def test_removing_the_availability_rule_removes_the_category() -> None:
    commitments = [service(stores_customer_data=True, availability_commitments=True)]
    assert "availability" in only(run(services=commitments, bank=load_bank(minimal_bank_doc())))["soc2"]["categories"]
    categories = only(run(services=commitments, bank=bank_without("soc2.category.availability")))["soc2"]["categories"]
    assert "availability" not in categories


def test_raising_the_type2_threshold_turns_a_type2_into_a_type1() -> None:
    doc = minimal_bank_doc()
    services = [service(stores_customer_data=True)]
    assert reports(run(services=services, bank=load_bank(doc)))["soc2"]["type"] == "type2"
    doc["parameters"]["type2_min_months"] = 13
    doc["parameters"]["established_min_months"] = 13
    assert reports(run(services=services, bank=load_bank(doc)))["soc2"]["type"] == "type1"


def test_a_new_rule_and_a_reworded_explanation_show_up_in_the_result() -> None:
    doc = minimal_bank_doc()
    doc["rules"].append(
        {
            "id": "house.soc1.cardholder",
            "level": "service",
            "position": 5,
            "when": {"q": "data_types", "op": "contains", "value": "cardholder"},
            "effect": {"type": "trigger", "family": "soc1"},
            "explanation": "House rule: card data counts as financial.",
        }
    )
    next(rule for rule in doc["rules"] if rule["id"] == "soc2.trigger.stores_customer_data")["explanation"] = (
        "Reworded."
    )
    result = run(services=[service(stores_customer_data=True, data_types=["cardholder"])], bank=load_bank(doc))
    assert only(result)["soc1"]["reasons"][0]["rule"] == "house.soc1.cardholder"
    assert only(result)["soc2"]["reasons"][0]["effect"] == "Reworded."


# ---------------------------------------------------------------------------------------------------- visibility


def bank_with_conditional_question() -> Bank:
    doc = minimal_bank_doc()
    doc["sections"][1]["questions"].append(
        {
            "key": "shares_data_with_partners",
            "label": "Shares customer data with partners?",
            "type": "yes_no_unknown",
            "allow_unknown": True,
            "position": 999,
            "condition": {"q": "stores_customer_data", "op": "is_true"},
        }
    )
    doc["rules"].append(
        {
            "id": "house.confidentiality.partners",
            "level": "service",
            "position": 5,
            "when": {"q": "shares_data_with_partners", "op": "is_true"},
            "effect": {"type": "category", "category": "confidentiality"},
            "explanation": "Sharing data with partners brings in confidentiality.",
        }
    )
    return load_bank(doc)


def test_hidden_questions_answers_are_ignored() -> None:
    bank = bank_with_conditional_question()
    shown = run(services=[service(stores_customer_data=True, shares_data_with_partners=True)], bank=bank)
    assert "confidentiality" in only(shown)["soc2"]["categories"]
    hidden = run(
        org=org_answers(customer_requests=["soc2"]),
        services=[service(stores_customer_data=False, shares_data_with_partners=True)],
        bank=bank,
    )
    assert "confidentiality" not in only(hidden)["soc2"]["categories"]


def test_visible_questions_shows_a_question_whose_condition_is_unknown() -> None:
    bank = bank_with_conditional_question()

    def keys(answers: dict[str, Any]) -> list[str]:
        return [question.key for question in visible_questions(bank, "service", {}, answers)]

    assert "shares_data_with_partners" in keys({"stores_customer_data": True})
    assert "shares_data_with_partners" in keys({"stores_customer_data": "unknown"})
    assert "shares_data_with_partners" not in keys({"stores_customer_data": False})
    assert "shares_data_with_partners" not in keys({})
    assert "shares_data_with_partners" not in keys({"stores_customer_data": "not a boolean"})


def test_visible_questions_keeps_the_bank_order() -> None:
    bank = bank_with_conditional_question()
    organization = [question.key for question in visible_questions(bank, "organization", {})]
    assert organization == [question.key for question in bank.questions_at("organization")]
    service_keys = [question.key for question in visible_questions(bank, "service", {}, {"stores_customer_data": True})]
    assert service_keys == [question.key for question in bank.questions_at("service")]
    with pytest.raises(ValueError, match="level"):
        visible_questions(bank, "team", {})


def test_a_service_question_may_depend_on_an_organization_answer() -> None:
    doc = minimal_bank_doc()
    doc["sections"][1]["questions"].append(
        {
            "key": "public_page",
            "label": "Where will the public report be published?",
            "type": "text",
            "position": 999,
            "condition": {"q": "public_report_wanted", "op": "is_true"},
        }
    )
    bank = load_bank(doc)
    shown = visible_questions(bank, "service", {"public_report_wanted": True}, {})
    hidden = visible_questions(bank, "service", {"public_report_wanted": False}, {})
    assert "public_page" in [question.key for question in shown]
    assert "public_page" not in [question.key for question in hidden]
