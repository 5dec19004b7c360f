"""`sensitivity()`: which single answers would flip each conclusion."""

from __future__ import annotations

import json
from typing import Any

from assessments.engine import parse_profile, sensitivity

from .support import default_bank, examples


def analysed(name: str) -> dict[str, Any]:
    bank = default_bank()
    return sensitivity(bank, parse_profile(bank, dict(examples())[name]["profile"]))


def conclusion(analysis: dict[str, Any], conclusion_id: str) -> dict[str, Any]:
    return next(item for item in analysis["conclusions"] if item["id"] == conclusion_id)


def flips(entry: dict[str, Any]) -> set[tuple[str, Any, Any]]:
    return {
        (change["question"], json.dumps(change["answer"]), json.dumps(change["becomes"]))
        for change in entry["would_change_if"]
    }


def test_it_covers_every_service_conclusion_and_every_report_type() -> None:
    analysis = analysed("payroll-processor")
    ids = [item["id"] for item in analysis["conclusions"]]
    assert ids[:2] == ["services.payroll.soc1.strength", "services.payroll.soc2.strength"]
    assert "services.payroll.soc2.categories.privacy" in ids
    assert ids[-2:] == ["reports.soc1.type", "reports.soc2.type"]
    assert analysis["schema"] == "socscope.sensitivity/1"


def test_a_conclusion_holds_because_of_its_reasons() -> None:
    entry = conclusion(analysed("collaboration-saas"), "services.workspace.soc2.categories.availability")
    assert entry["value"] is True
    assert [reason["question"] for reason in entry["holds_because"]] == ["availability_commitments"]
    assert flips(entry) == {("availability_commitments", "false", "false")}
    assert "would become out of scope" in entry["would_change_if"][0]["sentence"]


def test_it_finds_the_threshold_that_turns_a_type2_into_a_type1() -> None:
    entry = conclusion(analysed("collaboration-saas"), "reports.soc2.type")
    assert ("controls_operating_months", "2", '"type1"') in flips(entry)
    assert ("controls_operating_months", '"unknown"', '"type1"') in flips(entry)
    assert ("controls_operating_months", "3", '"type1"') not in flips(entry)


def test_a_redundant_reason_is_not_a_deciding_answer() -> None:
    entry = conclusion(analysed("payroll-processor"), "services.payroll.soc1.strength")
    assert entry["value"] == "required"
    # Both the SEC registrants and the SOC 1 request make it required: neither change alone flips it.
    assert not [change for change in entry["would_change_if"] if change["question"] == "clients_sec_registrants"]


def test_a_report_that_would_disappear_becomes_no_report() -> None:
    entry = conclusion(analysed("collaboration-saas"), "reports.soc3.type")
    assert ("public_report_wanted", "false", "null") in flips(entry)


def test_it_names_the_single_change_that_would_indicate_a_report() -> None:
    entry = conclusion(analysed("on-premise-software-vendor"), "services.licence.soc2.strength")
    assert ("stores_customer_data", "true", '"recommended"') in flips(entry)
    change = next(item for item in entry["would_change_if"] if item["question"] == "stores_customer_data")
    assert change["service"] == "licence" and change["current_answer"] is False


def test_it_describes_a_toggled_choice() -> None:
    entry = conclusion(analysed("collaboration-saas"), "services.workspace.soc1.strength")
    sentences = [change["sentence"] for change in entry["would_change_if"]]
    assert any("“A SOC 1 report” were added to the answer to" in sentence for sentence in sentences)


def test_it_is_json_and_deterministic() -> None:
    assert json.dumps(analysed("payroll-processor")) == json.dumps(analysed("payroll-processor"))
