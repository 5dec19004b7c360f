"""Report type, Type 2 periods, Type 1 dates and bridge letters, at the edges of the calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assessments.engine import load_bank, parse_profile, scope
from assessments.engine.periods import add_months, first_month_start_on_or_after, month_end

from .support import default_bank, minimal_bank_doc, org_answers, profile_doc, service_answers

SOC1_SERVICE = [{"key": "pay", "name": "Payroll", "answers": service_answers(transaction_classes=["payroll"])}]
SOC2_SERVICE = [{"key": "app", "name": "App", "answers": service_answers(stores_customer_data=True)}]


def report(family: str, as_of: str = "2026-11-26", bank: Any = None, **answers: Any) -> dict[str, Any]:
    services = SOC1_SERVICE if family == "soc1" else SOC2_SERVICE
    bank = bank or default_bank()
    doc = profile_doc(org=org_answers(**answers), services=services, as_of=as_of)
    result = scope(bank, parse_profile(bank, doc)).to_dict()
    return next(item for item in result["reports"] if item["report"] == family)


def period(entry: dict[str, Any]) -> tuple[str, str]:
    return entry["period"]["start"], entry["period"]["end"]


def rules_cited(entry: dict[str, Any]) -> list[str]:
    return [reason["rule"] for reason in entry["reasons"]]


def bank_with(**parameters: int) -> Any:
    doc = minimal_bank_doc()
    doc["parameters"].update(parameters)
    return load_bank(doc)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),
        ("2028-02-29", -12, "2027-02-28"),
        ("2026-11-26", -13, "2025-10-26"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-03-31", -1, "2026-02-28"),
    ],
)
def test_it_adds_calendar_months_clamping_the_day(day: str, months: int, expected: str) -> None:
    assert add_months(dt.date.fromisoformat(day), months).isoformat() == expected


def test_it_finds_month_ends_and_starts() -> None:
    assert month_end(dt.date(2028, 2, 3)) == dt.date(2028, 2, 29)
    assert month_end(dt.date(2027, 12, 31)) == dt.date(2027, 12, 31)
    assert first_month_start_on_or_after(dt.date(2026, 11, 1)) == dt.date(2026, 11, 1)
    assert first_month_start_on_or_after(dt.date(2026, 12, 2)) == dt.date(2027, 1, 1)


def test_a_renewal_covers_twelve_months_ending_at_the_last_month_end() -> None:
    entry = report("soc2", controls_operating_months=30, prior_reports=["soc2_type2"])
    assert period(entry) == ("2025-11-01", "2026-10-31")
    assert "engine.period.renewal" in rules_cited(entry)


def test_established_controls_get_six_months_and_new_ones_three() -> None:
    assert period(report("soc2", controls_operating_months=8)) == ("2026-05-01", "2026-10-31")
    assert period(report("soc2", controls_operating_months=4)) == ("2026-08-01", "2026-10-31")


def test_a_period_on_an_as_of_that_is_the_first_ends_the_month_before() -> None:
    entry = report("soc2", as_of="2026-11-01", controls_operating_months=12)
    assert period(entry) == ("2026-05-01", "2026-10-31")


def test_a_period_on_an_as_of_that_is_a_month_end_includes_that_month() -> None:
    assert period(report("soc2", as_of="2026-12-31", controls_operating_months=12)) == ("2026-07-01", "2026-12-31")
    assert period(report("soc2", as_of="2026-10-31", controls_operating_months=3)) == ("2026-08-01", "2026-10-31")


def test_a_period_ends_on_the_29th_of_february_in_a_leap_year() -> None:
    assert period(report("soc2", as_of="2028-02-29", controls_operating_months=12)) == ("2027-09-01", "2028-02-29")
    assert period(report("soc2", as_of="2027-03-15", controls_operating_months=12)) == ("2026-09-01", "2027-02-28")


def test_a_period_reaches_back_only_over_months_with_evidence() -> None:
    entry = report("soc2", controls_operating_months=3)
    # Evidence since 26 August: September is the first whole month, so the period cannot start in August.
    assert period(entry) == ("2026-09-01", "2026-11-30")
    placement = next(reason for reason in entry["reasons"] if reason["rule"] == "engine.period.reach_back")
    assert placement["question"] == "controls_operating_months" and placement["answer"] == 3


def test_a_period_without_evidence_starts_on_or_after_as_of() -> None:
    bank = bank_with(type2_min_months=0)
    entry = report("soc2", bank=bank, controls_operating_months=0)
    assert entry["type"] == "type2"
    assert period(entry) == ("2026-12-01", "2027-02-28")
    assert "engine.period.start_after" in rules_cited(entry)
    on_the_first = report("soc2", as_of="2026-12-01", bank=bank, controls_operating_months=0)
    assert period(on_the_first) == ("2026-12-01", "2027-02-28")


def test_a_soc1_period_ends_in_the_fiscal_year_end_window_with_a_bridge_letter() -> None:
    entry = report("soc1", controls_operating_months=30, prior_reports=["soc1_type2"], client_fye_month="dec")
    assert period(entry) == ("2025-11-01", "2026-10-31")
    assert entry["bridge_letter"] == {"start": "2026-11-01", "end": "2026-12-31"}
    assert "engine.period.fye_alignment" in rules_cited(entry)


def test_a_soc1_period_ending_in_the_fiscal_year_end_month_needs_no_bridge_letter() -> None:
    entry = report("soc1", as_of="2027-01-10", controls_operating_months=30, client_fye_month="dec")
    assert period(entry) == ("2026-07-01", "2026-12-31")
    assert entry["bridge_letter"] is None


def test_a_bridge_letter_crosses_the_year_boundary_to_a_january_year_end() -> None:
    entry = report("soc1", controls_operating_months=30, prior_reports=["soc1_type2"], client_fye_month="jan")
    assert period(entry) == ("2025-11-01", "2026-10-31")
    assert entry["bridge_letter"] == {"start": "2026-11-01", "end": "2027-01-31"}


def test_a_soc1_period_moves_forward_into_the_window_across_the_year_end() -> None:
    entry = report("soc1", controls_operating_months=30, prior_reports=["soc1_type2"], client_fye_month="mar")
    assert period(entry) == ("2026-01-01", "2026-12-31")
    assert entry["bridge_letter"] == {"start": "2027-01-01", "end": "2027-03-31"}
    feb = report("soc1", controls_operating_months=30, prior_reports=["soc1_type2"], client_fye_month="feb")
    assert feb["bridge_letter"] == {"start": "2026-12-01", "end": "2027-02-28"}


def test_alignment_may_push_a_period_after_as_of_and_the_reason_says_why() -> None:
    entry = report("soc1", controls_operating_months=4, client_fye_month="jun")
    assert period(entry) == ("2027-01-01", "2027-03-31")
    placement = next(reason for reason in entry["reasons"] if reason["rule"] == "engine.period.start_after")
    assert placement["question"] == "client_fye_month"


def test_mixed_fiscal_year_ends_give_no_alignment_and_no_bridge_letter() -> None:
    entry = report("soc1", controls_operating_months=30, prior_reports=["soc1_type2"], client_fye_month="mixed")
    assert entry["bridge_letter"] is None
    assert any("more often than yearly" in step for step in entry["next_steps"])


def test_a_soc2_report_never_has_a_bridge_letter() -> None:
    entry = report("soc2", controls_operating_months=30, prior_reports=["soc2_type2"], client_fye_month="dec")
    assert entry["bridge_letter"] is None


def test_immature_controls_give_a_type1_dated_at_the_next_month_end() -> None:
    entry = report("soc2", controls_operating_months=2)
    assert entry["type"] == "type1"
    assert entry["as_of"] == "2026-12-31"
    assert entry["period"] is None
    assert rules_cited(entry)[0] == "engine.type.type1_immature_controls"
    assert entry["next_steps"][0].startswith("Follow the Type 1 with a SOC 2 Type 2")


def test_a_type1_is_dated_no_later_than_the_deadline_and_never_before_as_of() -> None:
    assert report("soc2", controls_operating_months=1, report_needed_by="2026-12-10")["as_of"] == "2026-12-10"
    assert report("soc2", controls_operating_months=1, report_needed_by="2026-11-01")["as_of"] == "2026-11-26"


def test_a_type1_date_crosses_february_in_a_leap_year() -> None:
    assert report("soc2", as_of="2028-01-31", controls_operating_months=0)["as_of"] == "2028-02-29"


def test_a_near_deadline_makes_a_first_report_a_type1() -> None:
    entry = report("soc2", as_of="2026-11-30", controls_operating_months=12, report_needed_by="2027-02-27")
    assert entry["type"] == "type1"
    assert {reason["question"] for reason in entry["reasons"]} >= {
        "report_needed_by",
        "prior_reports",
        "customer_requests",
    }


def test_a_deadline_exactly_at_the_horizon_leaves_time_for_a_type2() -> None:
    entry = report("soc2", as_of="2026-11-30", controls_operating_months=12, report_needed_by="2027-02-28")
    assert entry["type"] == "type2"


def test_a_near_deadline_does_not_override_a_prior_report_or_a_type2_request() -> None:
    near = {"controls_operating_months": 12, "report_needed_by": "2026-12-15"}
    assert report("soc2", prior_reports=["soc2_type1"], **near)["type"] == "type2"
    assert report("soc2", customer_requests=["soc2", "type2"], **near)["type"] == "type2"


def test_a_late_report_gets_a_next_step_about_the_deadline() -> None:
    entry = report("soc2", controls_operating_months=12, customer_requests=["type2"], report_needed_by="2026-12-15")
    assert any("after 2026-12-15" in step for step in entry["next_steps"])


def test_a_type2_request_with_immature_controls_is_flagged_and_followed_up() -> None:
    bank = default_bank()
    doc = profile_doc(
        org=org_answers(controls_operating_months=1, customer_requests=["soc2", "type2"]), services=SOC2_SERVICE
    )
    result = scope(bank, parse_profile(bank, doc)).to_dict()
    entry = result["reports"][0]
    assert entry["type"] == "type1"
    assert any(flag["code"] == "type2_requested_but_controls_immature" for flag in result["flags"])
    assert "Type 2" in entry["next_steps"][0]


@pytest.mark.parametrize("months", ["unknown", None])
def test_unknown_or_missing_months_count_as_zero(months: Any) -> None:
    bank = default_bank()
    doc = profile_doc(org=org_answers(controls_operating_months=months), services=SOC2_SERVICE)
    result = scope(bank, parse_profile(bank, doc)).to_dict()
    assert result["reports"][0]["type"] == "type1"
    code = "unknown_answer" if months else "missing_answer"
    assert any(f["code"] == code and f["question"] == "controls_operating_months" for f in result["flags"])


def test_the_timeline_runs_from_observation_through_fieldwork_to_the_report() -> None:
    entry = report("soc2", controls_operating_months=3)
    steps = [step["step"] for step in entry["timeline"]]
    assert steps == ["observation", "fieldwork", "report"]
    fieldwork = entry["timeline"][1]
    assert fieldwork["start"] == "2026-12-01"
    assert fieldwork["end"] == "2027-01-11"


def test_a_type1_timeline_starts_with_readiness() -> None:
    entry = report("soc2", controls_operating_months=1)
    assert [step["step"] for step in entry["timeline"]] == ["readiness", "type1_date", "fieldwork", "report"]
