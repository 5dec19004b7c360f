"""The shared example profiles (copied into tests/engine/examples) against their `expect` blocks."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from typing import Any

import pytest

from assessments.engine import ProfileError, parse_profile, result_json, scope

from .support import default_bank, examples

VALID = [(name, case) for name, case in examples() if "expect" in case]
INVALID = [(name, case) for name, case in examples() if "expect" not in case]


def months_of(period: dict[str, str]) -> tuple[int | None, str | None]:
    start, end = dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"])
    if start.day != 1:
        return None, f"period starts mid-month ({start})"
    if end.day != calendar.monthrange(end.year, end.month)[1]:
        return None, f"period ends mid-month ({end})"
    return (end.year - start.year) * 12 + end.month - start.month + 1, None


def check(result: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """The same comparison as ../shared/tools/check_scenarios.py's `check()`."""
    bad: list[str] = []
    if result.get("schema") != "socscope.result/1":
        bad.append(f"schema is {result.get('schema')!r}")
    reports = {report["report"]: report for report in result["reports"]}
    for family, wanted in expect.get("reports", {}).items():
        report = reports.get(family)
        if report is None:
            bad.append(f"missing {family} report")
            continue
        if not report["reasons"]:
            bad.append(f"{family} report has no reasons")
        if "type" in wanted and report["type"] != wanted["type"]:
            bad.append(f"{family} type {report['type']} != {wanted['type']}")
        if wanted.get("type") == "type1" and not report["as_of"]:
            bad.append(f"{family} Type 1 without as_of")
        if "categories" in wanted and list(report["categories"] or []) != wanted["categories"]:
            bad.append(f"{family} categories {report['categories']} != {wanted['categories']}")
        if "services" in wanted and sorted(report["services"]) != sorted(wanted["services"]):
            bad.append(f"{family} services {report['services']} != {wanted['services']}")
        if "period_months" in wanted or "period_end_month_in" in wanted:
            period = report["period"]
            if not period:
                bad.append(f"{family} has no period")
                continue
            months, error = months_of(period)
            if error:
                bad.append(f"{family} {error}")
            elif "period_months" in wanted and months != wanted["period_months"]:
                bad.append(f"{family} period is {months} months, expected {wanted['period_months']}")
            if "period_end_month_in" in wanted and int(period["end"][5:7]) not in wanted["period_end_month_in"]:
                bad.append(f"{family} period ends in month {period['end'][5:7]}")
    for family in expect.get("absent_reports", []):
        if family in reports:
            bad.append(f"unexpected {family} report")
    services = {service["key"]: service for service in result["services"]}
    for key, families in expect.get("service_strength", {}).items():
        service = services.get(key)
        if service is None:
            bad.append(f"service {key} missing")
            continue
        for family, strength in families.items():
            if service[family]["strength"] != strength:
                bad.append(f"{key}.{family} strength {service[family]['strength']} != {strength}")
            if strength != "not_applicable" and not service[family]["reasons"]:
                bad.append(f"{key}.{family} applicable without reasons")
    for key, needles in expect.get("control_objective_areas_include", {}).items():
        areas = " | ".join(services[key]["soc1"]["control_objective_areas"]).lower()
        bad.extend(f"{key} control objective areas lack '{needle}'" for needle in needles if needle not in areas)
    subservices = {sub["name"]: sub for sub in result["subservice_organizations"]}
    for name, method in expect.get("subservice_methods", {}).items():
        got = (subservices.get(name) or {}).get("method")
        if got != method:
            bad.append(f"subservice {name} method {got} != {method}")
    codes = {flag["code"] for flag in result["flags"]}
    bad.extend(f"flag {code} missing" for code in expect.get("flags_include", []) if code not in codes)
    bad.extend(f"flag {code} unexpected" for code in expect.get("flags_exclude", []) if code in codes)
    return bad


@pytest.mark.parametrize(("name", "case"), VALID, ids=[name for name, _ in VALID])
def test_each_example_meets_its_expectations(name: str, case: dict[str, Any]) -> None:
    bank = default_bank()
    # The CLI reads the profile from a file: go through JSON text exactly as it would.
    text = json.dumps(case["profile"], indent=1)
    output = result_json(scope(bank, parse_profile(bank, json.loads(text))))
    assert check(json.loads(output), case["expect"]) == []
    again = result_json(scope(bank, parse_profile(bank, json.loads(text))))
    assert again == output


@pytest.mark.parametrize(("name", "case"), INVALID, ids=[name for name, _ in INVALID])
def test_each_invalid_example_is_rejected_naming_the_key(name: str, case: dict[str, Any]) -> None:
    document = json.loads(case["profile"]) if case.get("raw") else case["profile"]
    with pytest.raises(ProfileError) as error:
        parse_profile(default_bank(), document)
    assert case["stderr_mentions"] in str(error.value)
    assert all(line.startswith("$") for line in error.value.problems)


def test_there_are_valid_and_invalid_examples() -> None:
    assert len(VALID) >= 5
    assert len(INVALID) >= 2
