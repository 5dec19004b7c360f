"""A reviewer's pass over contract sections 1, 3 and 4: the edges the other engine tests leave open."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from assessments.engine import ProfileError, parse_profile, result_json, scope
from assessments.engine.canonical import sha256_checksum

from .support import ROOT, default_bank, examples, org_answers, profile_doc, service_answers

REASON_KEYS = ["question", "service", "answer", "rule", "effect"]


def run(
    org: dict[str, Any] | None = None,
    services: list[dict[str, Any]] | None = None,
    subservices: list[dict[str, Any]] | None = None,
    as_of: str = "2026-11-26",
) -> dict[str, Any]:
    bank = default_bank()
    return scope(bank, parse_profile(bank, profile_doc(org, services, subservices, as_of))).to_dict()


def service(key: str = "svc", **answers: Any) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "answers": service_answers(**answers)}


def only(result: dict[str, Any], key: str = "svc") -> dict[str, Any]:
    return next(item for item in result["services"] if item["key"] == key)


def report(result: dict[str, Any], family: str) -> dict[str, Any]:
    return next(item for item in result["reports"] if item["report"] == family)


def flagged(result: dict[str, Any], code: str) -> list[tuple[str | None, str | None]]:
    return [(flag["question"], flag["service"]) for flag in result["flags"] if flag["code"] == code]


def problems(doc: Any) -> list[str]:
    with pytest.raises(ProfileError) as error:
        parse_profile(default_bank(), doc)
    return error.value.problems


def soc2_type(as_of: str, deadline: str) -> str:
    result = run(
        org=org_answers(controls_operating_months=12, report_needed_by=deadline),
        services=[service(stores_customer_data=True)],
        as_of=as_of,
    )
    return report(result, "soc2")["type"]


# ---------------------------------------------------------------------------------------------------- profile


def test_a_null_schema_is_one_problem_not_two() -> None:
    doc = profile_doc()
    doc["schema"] = None
    assert problems(doc) == ["$.schema: is required"]


def test_services_without_keys_are_not_also_reported_as_duplicates() -> None:
    found = problems(profile_doc(services=[{"name": "A"}, {"name": "B"}]))
    assert found == ["$.services[0].key: is required", "$.services[1].key: is required"]


def test_a_date_in_non_ascii_digits_is_a_format_problem_not_an_impossible_date() -> None:
    doc = profile_doc(org=org_answers(report_needed_by="２０２６-02-03"))
    [line] = problems(doc)
    assert line.startswith("$.organization.answers.report_needed_by: ") and "YYYY-MM-DD" in line


@pytest.mark.parametrize(
    ("answers", "path"),
    [
        ({"report_needed_by": "unknown"}, "$.organization.answers.report_needed_by"),
        ({"prior_reports": ["unknown"]}, "$.organization.answers.prior_reports[0]"),
        ({"customer_requests": "unknown"}, "$.organization.answers.customer_requests"),
        ({"controls_operating_months": False}, "$.organization.answers.controls_operating_months"),
        ({"public_report_wanted": "no"}, "$.organization.answers.public_report_wanted"),
    ],
)
def test_it_refuses_unknown_and_look_alike_values_where_the_contract_does_not_allow_them(
    answers: dict[str, Any], path: str
) -> None:
    found = problems(profile_doc(org=org_answers(**answers)))
    assert len(found) == 1 and found[0].startswith(path + ": "), found


def test_nothing_chosen_and_blank_text_are_unanswered() -> None:
    bank = default_bank()
    absent = service_answers()
    del absent["transaction_classes"]
    empty = service_answers(transaction_classes=[], service_infrastructure="   ")
    results = [
        scope(bank, parse_profile(bank, profile_doc(services=[{"key": "svc", "name": "S", "answers": answers}])))
        for answers in (absent, empty)
    ]
    assert results[0].input_checksum == results[1].input_checksum
    missing = flagged(results[1].to_dict(), "missing_answer")
    assert ("transaction_classes", "svc") in missing
    assert ("service_infrastructure", "svc") in missing


def test_the_input_checksum_is_taken_over_the_normalised_profile() -> None:
    bank = default_bank()
    plain = profile_doc(org=org_answers(controls_operating_months=14))
    spelled = profile_doc(org=org_answers(controls_operating_months=14.0, report_needed_by=None))
    spelled["services"][0]["description"] = None
    profile = parse_profile(bank, plain)
    checksum = scope(bank, profile).input_checksum
    assert checksum == sha256_checksum(profile.to_dict())
    assert checksum == scope(bank, parse_profile(bank, spelled)).input_checksum
    other = profile_doc(org=org_answers(controls_operating_months=15))
    assert checksum != scope(bank, parse_profile(bank, other)).input_checksum


# ---------------------------------------------------------------------------------------------------- SOC 1


def test_a_soc1_request_reaches_every_service_and_flags_only_those_without_a_trigger() -> None:
    result = run(
        org=org_answers(customer_requests=["soc1"]),
        services=[service("pay", transaction_classes=["payroll"]), service("docs")],
    )
    assert only(result, "pay")["soc1"]["strength"] == "required"
    assert only(result, "docs")["soc1"]["strength"] == "recommended"
    assert flagged(result, "requested_without_icfr_relevance") == [("customer_requests", "docs")]
    assert report(result, "soc1")["services"] == ["pay", "docs"]


def test_unknown_sec_registrants_make_a_triggered_soc1_required_and_the_reason_says_so() -> None:
    result = run(org=org_answers(clients_sec_registrants="unknown"), services=[service(transaction_classes=["tax"])])
    soc1 = only(result)["soc1"]
    assert soc1["strength"] == "required"
    [reason] = [reason for reason in soc1["reasons"] if reason["question"] == "clients_sec_registrants"]
    assert reason["answer"] == "unknown" and reason["service"] is None
    assert "don't know" in reason["effect"]


def test_unanswered_sec_registrants_leave_soc1_recommended_and_are_flagged_once() -> None:
    org = org_answers()
    del org["clients_sec_registrants"]
    taxes = [service("a", transaction_classes=["tax"]), service("b", transaction_classes=["tax"])]
    result = run(org=org, services=taxes)
    assert only(result, "a")["soc1"]["strength"] == "recommended"
    assert flagged(result, "missing_answer").count(("clients_sec_registrants", None)) == 1


def test_none_alone_or_no_transaction_classes_do_not_trigger_soc1() -> None:
    absent = service_answers()
    del absent["transaction_classes"]
    for answers in (service_answers(transaction_classes=["none"]), absent):
        result = run(services=[{"key": "svc", "name": "S", "answers": answers}])
        assert only(result)["soc1"]["strength"] == "not_applicable"
        assert not any(entry["report"] == "soc1" for entry in result["reports"])


# ---------------------------------------------------------------------------------------------------- SOC 2


@pytest.mark.parametrize("category", ["availability", "processing_integrity", "confidentiality", "privacy"])
def test_an_unknown_commitment_includes_its_category_and_flags_question_and_service(category: str) -> None:
    question = f"{category}_commitments"
    result = run(services=[service(**{question: "unknown"})])
    soc2 = only(result)["soc2"]
    assert soc2["strength"] == "recommended"
    assert list(soc2["categories"]) == ["security", category]
    [reason] = soc2["categories"][category]
    assert (reason["question"], reason["service"], reason["answer"]) == (question, "svc", "unknown")
    assert "don't know" in reason["effect"]
    assert flagged(result, "unknown_answer") == [(question, "svc")]


def test_a_soc3_request_alone_makes_soc2_required_even_without_a_public_report() -> None:
    result = run(org=org_answers(customer_requests=["soc3"], public_report_wanted=False))
    assert only(result)["soc2"]["strength"] == "required"
    assert [entry["report"] for entry in result["reports"]] == ["soc2"]


def test_confidential_business_data_brings_in_confidentiality_when_soc2_applies_only_by_request() -> None:
    result = run(org=org_answers(customer_requests=["soc2"]), services=[service(data_types=["confidential_business"])])
    confidentiality = only(result)["soc2"]["categories"]["confidentiality"]
    assert [(reason["question"], reason["answer"]) for reason in confidentiality] == [
        ("data_types", ["confidential_business"])
    ]
    assert report(result, "soc2")["categories"] == ["security", "confidentiality"]


@pytest.mark.parametrize(
    ("data_types", "privacy", "expected"),
    [
        (["health"], False, True),
        (["personal", "financial"], None, True),
        (["cardholder", "financial", "confidential_business"], False, False),
        (["health"], True, False),
    ],
)
def test_consider_privacy_follows_personal_or_health_data_without_privacy_commitments(
    data_types: list[str], privacy: bool | None, expected: bool
) -> None:
    result = run(services=[service(stores_customer_data=True, data_types=data_types, privacy_commitments=privacy)])
    assert (("data_types", "svc") in flagged(result, "consider_privacy")) is expected


# ---------------------------------------------------------------------------------------------------- report type


def test_a_prior_report_of_the_other_family_counts_neither_for_the_type_nor_the_period() -> None:
    result = run(
        org=org_answers(prior_reports=["soc1_type2"], controls_operating_months=30, report_needed_by="2027-01-15"),
        services=[service(transaction_classes=["payroll"], stores_customer_data=True)],
    )
    soc1, soc2 = report(result, "soc1"), report(result, "soc2")
    assert soc1["type"] == "type2"
    assert "engine.period.renewal" in [reason["rule"] for reason in soc1["reasons"]]
    assert soc2["type"] == "type1"
    assert {reason["rule"] for reason in soc2["reasons"]} == {"engine.type.type1_deadline"}


def test_a_prior_type1_avoids_the_deadline_type1_but_is_no_renewal() -> None:
    result = run(
        org=org_answers(prior_reports=["soc2_type1"], controls_operating_months=8, report_needed_by="2026-12-15"),
        services=[service(stores_customer_data=True)],
    )
    soc2 = report(result, "soc2")
    assert soc2["type"] == "type2"
    assert soc2["period"] == {"start": "2026-05-01", "end": "2026-10-31"}
    assert "engine.period.renewal" not in [reason["rule"] for reason in soc2["reasons"]]


@pytest.mark.parametrize(
    ("as_of", "deadline", "expected"),
    [
        ("2027-02-28", "2027-05-27", "type1"),
        ("2027-02-28", "2027-05-28", "type2"),
        ("2027-11-29", "2028-02-28", "type1"),
        ("2027-11-29", "2028-02-29", "type2"),
        ("2026-08-31", "2026-11-29", "type1"),
        ("2026-08-31", "2026-11-30", "type2"),
        ("2026-11-26", "2026-11-26", "type1"),
        ("2026-11-26", "2026-01-01", "type1"),
    ],
)
def test_the_deadline_horizon_counts_calendar_months_clamped_at_month_ends(
    as_of: str, deadline: str, expected: str
) -> None:
    assert soc2_type(as_of, deadline) == expected


def test_without_a_deadline_a_first_report_is_a_type2_and_the_reason_says_there_is_time() -> None:
    soc2 = report(run(services=[service(stores_customer_data=True)]), "soc2")
    assert soc2["type"] == "type2"
    [reason] = [reason for reason in soc2["reasons"] if reason["question"] == "report_needed_by"]
    assert reason["answer"] is None and "No date" in reason["effect"]


def test_an_unanswered_fiscal_year_end_is_not_reported_as_mixed() -> None:
    org = org_answers(controls_operating_months=30)
    del org["client_fye_month"]
    result = run(org=org, services=[service(transaction_classes=["payroll"])])
    soc1 = report(result, "soc1")
    assert soc1["bridge_letter"] is None
    assert not any("do not end in one month" in step for step in soc1["next_steps"])
    assert any("Find out in which month" in step for step in soc1["next_steps"])
    assert ("client_fye_month", None) in flagged(result, "missing_answer")


def test_a_soc1_type1_has_an_as_of_date_and_no_bridge_letter_even_with_one_fiscal_year_end() -> None:
    result = run(
        org=org_answers(controls_operating_months=1, client_fye_month="dec"),
        services=[service(transaction_classes=["payroll"])],
    )
    soc1 = report(result, "soc1")
    assert (soc1["type"], soc1["as_of"], soc1["period"], soc1["bridge_letter"]) == ("type1", "2026-12-31", None, None)


def test_a_soc1_period_ending_in_its_fiscal_year_end_month_needs_no_bridge_but_one_before_does() -> None:
    def soc1(fye: str) -> dict[str, Any]:
        org = org_answers(controls_operating_months=30, prior_reports=["soc1_type2"], client_fye_month=fye)
        return report(run(org=org, services=[service(transaction_classes=["payroll"])]), "soc1")

    october = soc1("oct")
    assert october["period"] == {"start": "2025-11-01", "end": "2026-10-31"}
    assert october["bridge_letter"] is None
    november = soc1("nov")
    assert november["period"]["end"] == "2026-10-31"
    assert november["bridge_letter"] == {"start": "2026-11-01", "end": "2026-11-30"}


# ---------------------------------------------------------------------------------------------------- vendors


def vendor(**fields: Any) -> dict[str, Any]:
    return {"name": "Vendor", "service": "Hosting", "services": ["svc"], **fields}


def test_a_participating_vendor_that_may_have_a_report_is_carved_out_and_the_reasons_say_why() -> None:
    result = run(subservices=[vendor(controls_required=True, has_soc_report="unknown", will_participate=True)])
    [sub] = result["subservice_organizations"]
    assert sub["method"] == "carve_out" and sub["csocs"]
    settled = [reason["effect"] for reason in sub["reasons"] if reason["question"] == "has_soc_report"]
    assert settled and "not settled" in settled[0]
    [without] = [flag for flag in result["flags"] if flag["code"] == "subservice_without_report"]
    assert "may have no SOC report" in without["message"]
    assert any("has_soc_report" in flag["message"] for flag in result["flags"] if flag["code"] == "unknown_answer")


def test_a_vendor_whose_need_is_unanswered_is_assumed_needed_and_the_reason_says_so() -> None:
    [sub] = run(subservices=[vendor(has_soc_report=True, will_participate=False)])["subservice_organizations"]
    assert sub["method"] == "carve_out"
    [needed] = [reason for reason in sub["reasons"] if reason["question"] == "controls_required"]
    assert needed["answer"] is None and "not answered" in needed["effect"]


def test_an_excluded_vendor_has_no_csocs_and_raises_no_report_flag() -> None:
    result = run(subservices=[vendor(controls_required=False, has_soc_report=False, will_participate=False)])
    [sub] = result["subservice_organizations"]
    assert (sub["method"], sub["csocs"]) == ("excluded", [])
    assert not flagged(result, "subservice_without_report")


# ---------------------------------------------------------------------------------------------------- CUECs


def test_each_family_applicable_only_by_request_still_assumes_user_access_administration() -> None:
    result = run(org=org_answers(customer_requests=["soc1", "soc2"]))
    access = [cuec for cuec in result["cuecs"] if "administers its own users' access" in cuec["text"]]
    assert [(cuec["report"], cuec["services"]) for cuec in access] == [("soc1", ["svc"]), ("soc2", ["svc"])]


def test_transaction_class_cuecs_cover_only_the_services_with_that_class() -> None:
    result = run(
        services=[service("pay", transaction_classes=["payroll"]), service("ledger", transaction_classes=["loans"])]
    )
    by_text = {cuec["text"]: cuec for cuec in result["cuecs"]}
    payroll = next(text for text in by_text if "payroll registers" in text)
    loans = next(text for text in by_text if "loan servicing reports" in text)
    assert by_text[payroll]["services"] == ["pay"] and by_text[loans]["services"] == ["ledger"]
    assert by_text[payroll]["report"] == by_text[loans]["report"] == "soc1"


# ---------------------------------------------------------------------------------------------------- gaps


def test_an_unanswered_organization_question_is_flagged_once_however_many_services() -> None:
    org = org_answers()
    del org["customer_requests"]
    result = run(org=org, services=[service("a"), service("b"), service("c")])
    assert flagged(result, "missing_answer").count(("customer_requests", None)) == 1


# ---------------------------------------------------------------------------------------------------- result


def every_reason(result: dict[str, Any]) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = []
    for item in result["services"]:
        reasons += item["soc1"]["reasons"] + item["soc2"]["reasons"]
        for category_reasons in item["soc2"]["categories"].values():
            reasons += category_reasons
    for entry in result["reports"] + result["subservice_organizations"]:
        reasons += entry["reasons"]
    return reasons


@pytest.mark.parametrize("name", [name for name, case in examples() if "expect" in case])
def test_every_reason_has_the_contract_shape_and_every_next_step_is_a_sentence(name: str) -> None:
    bank = default_bank()
    result = scope(bank, parse_profile(bank, dict(examples())[name]["profile"])).to_dict()
    reasons = every_reason(result)
    assert reasons or result["reports"] == []
    keys = {item["key"] for item in result["services"]}
    for reason in reasons:
        assert list(reason) == REASON_KEYS
        assert reason["rule"] and isinstance(reason["effect"], str) and reason["effect"].strip()
        assert reason["service"] is None or reason["service"] in keys
    for entry in result["reports"]:
        assert all(isinstance(step, str) and step.endswith(".") for step in entry["next_steps"])


def test_the_soc3_entry_is_the_soc2_type2_without_an_as_of_or_a_bridge_letter() -> None:
    result = run(
        org=org_answers(public_report_wanted=True, client_fye_month="dec"),
        services=[service(stores_customer_data=True, transaction_classes=["payroll"])],
    )
    soc2, soc3 = report(result, "soc2"), report(result, "soc3")
    assert (soc3["type"], soc3["as_of"], soc3["bridge_letter"]) == ("type2", None, None)
    assert (soc3["services"], soc3["period"], soc3["categories"]) == (
        soc2["services"],
        soc2["period"],
        soc2["categories"],
    )


_SUBPROCESS = """
import json, sys
from assessments.engine import parse_profile, result_json, scope
from tests.engine.support import default_bank
bank = default_bank()
sys.stdout.write(result_json(scope(bank, parse_profile(bank, json.load(sys.stdin)))))
"""


def test_the_output_is_byte_identical_whatever_the_hash_seed() -> None:
    profile = dict(examples())["payroll-processor"]["profile"]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _SUBPROCESS],
            input=json.dumps(profile),
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    bank = default_bank()
    assert outputs == {result_json(scope(bank, parse_profile(bank, profile)))}
