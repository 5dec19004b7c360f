"""`parse_profile`: contract section 1, one line per problem, each starting with its JSON path."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.engine import ProfileError, parse_profile

from .support import default_bank, org_answers, profile_doc, service_answers


def problems(doc: Any) -> list[str]:
    with pytest.raises(ProfileError) as error:
        parse_profile(default_bank(), doc)
    assert error.value.problems, "a ProfileError always says why"
    assert all(line.startswith("$") for line in error.value.problems)
    return error.value.problems


def assert_problem(doc: Any, path: str, *words: str) -> None:
    found = problems(doc)
    matching = [line for line in found if line.startswith(path + ":")]
    assert matching, f"no problem at {path}: {found}"
    assert any(all(word in line for word in words) for line in matching), matching


def with_org(**answers: Any) -> dict[str, Any]:
    return profile_doc(org=org_answers(**answers))


def with_service(**answers: Any) -> dict[str, Any]:
    return profile_doc(services=[{"key": "svc", "name": "Service", "answers": service_answers(**answers)}])


def test_it_reads_a_valid_profile() -> None:
    profile = parse_profile(default_bank(), profile_doc())
    assert profile.as_of.isoformat() == "2026-11-26"
    assert profile.services[0].key == "svc"
    assert profile.organization.answers["controls_operating_months"] == 12
    assert "report_needed_by" not in profile.organization.answers, "null means unanswered"


@pytest.mark.parametrize("doc", [None, [], "profile", 3, True, [{"schema": "socscope.profile/1"}]])
def test_it_refuses_a_profile_that_is_not_an_object(doc: Any) -> None:
    assert problems(doc)[0].startswith("$: a profile must be a JSON object")


def test_it_refuses_any_other_schema_string() -> None:
    doc = profile_doc()
    doc["schema"] = "socscope.profile/2"
    assert_problem(doc, "$.schema", "socscope.profile/1")


@pytest.mark.parametrize("key", ["schema", "as_of", "organization", "services"])
def test_it_requires_the_top_level_fields(key: str) -> None:
    doc = profile_doc()
    del doc[key]
    assert_problem(doc, f"$.{key}", "required")


def test_it_requires_the_organization_name() -> None:
    doc = profile_doc()
    del doc["organization"]["name"]
    assert_problem(doc, "$.organization.name", "required")


def test_it_requires_at_least_one_service() -> None:
    doc = profile_doc(services=[])
    assert_problem(doc, "$.services", "non-empty list")


def test_it_requires_each_service_key_and_name() -> None:
    doc = profile_doc(services=[{"answers": {}}])
    assert_problem(doc, "$.services[0].key", "required")
    assert_problem(doc, "$.services[0].name", "required")


def test_it_requires_each_subservice_organization_name() -> None:
    doc = profile_doc(subservices=[{"service": "Hosting"}])
    assert_problem(doc, "$.subservice_organizations[0].name", "required")


def test_it_refuses_unknown_keys_at_every_level() -> None:
    doc = profile_doc(subservices=[{"name": "Vendor", "soc": True}])
    doc["extra"] = 1
    doc["organization"]["size"] = "large"
    doc["services"][0]["owner"] = "me"
    found = problems(doc)
    for path in ("$.extra", "$.organization.size", "$.services[0].owner", "$.subservice_organizations[0].soc"):
        assert any(line.startswith(path + ": unknown key") for line in found), (path, found)


def test_it_refuses_an_unknown_question() -> None:
    assert_problem(with_org(favourite_colour="blue"), "$.organization.answers.favourite_colour", "unknown question")


def test_it_refuses_a_service_question_at_organization_level() -> None:
    assert_problem(
        with_org(stores_customer_data=True),
        "$.organization.answers.stores_customer_data",
        "service-level question",
    )


def test_it_refuses_an_organization_question_at_service_level() -> None:
    assert_problem(
        with_service(customer_requests=["soc2"]),
        "$.services[0].answers.customer_requests",
        "organization-level question",
    )


def test_it_refuses_a_choice_the_question_does_not_offer() -> None:
    assert_problem(with_org(client_fye_month="june"), "$.organization.answers.client_fye_month", "'june'")
    assert_problem(with_service(data_types=["personal", "dna"]), "$.services[0].answers.data_types[1]", "'dna'")


@pytest.mark.parametrize(
    ("answers", "path"),
    [
        ({"controls_operating_months": True}, "$.organization.answers.controls_operating_months"),
        ({"controls_operating_months": "12"}, "$.organization.answers.controls_operating_months"),
        ({"public_report_wanted": 1}, "$.organization.answers.public_report_wanted"),
        ({"public_report_wanted": "yes"}, "$.organization.answers.public_report_wanted"),
        ({"prior_reports": "none"}, "$.organization.answers.prior_reports"),
        ({"prior_reports": [1]}, "$.organization.answers.prior_reports[0]"),
        ({"client_fye_month": ["dec"]}, "$.organization.answers.client_fye_month"),
        ({"report_needed_by": 20270101}, "$.organization.answers.report_needed_by"),
    ],
)
def test_it_refuses_a_value_of_the_wrong_type(answers: dict[str, Any], path: str) -> None:
    assert_problem(with_org(**answers), path)


def test_it_accepts_unknown_only_where_the_contract_allows_it() -> None:
    parse_profile(default_bank(), with_org(controls_operating_months="unknown", clients_sec_registrants="unknown"))
    parse_profile(default_bank(), with_service(stores_customer_data="unknown"))
    assert_problem(with_org(public_report_wanted="unknown"), "$.organization.answers.public_report_wanted", "unknown")
    assert_problem(with_org(client_fye_month="unknown"), "$.organization.answers.client_fye_month", "unknown")
    assert_problem(with_service(data_types="unknown"), "$.services[0].answers.data_types", "unknown")


@pytest.mark.parametrize("value", ["2027-02-29", "2026-13-01", "2026-04-31", "2026-00-10"])
def test_it_refuses_an_impossible_date(value: str) -> None:
    assert_problem(with_org(report_needed_by=value), "$.organization.answers.report_needed_by", "impossible date")


@pytest.mark.parametrize("value", ["2026-1-5", "26-11-2026", "2026/11/26", "20261126", "2026-11-26T00:00"])
def test_it_refuses_a_date_not_written_yyyy_mm_dd(value: str) -> None:
    assert_problem(with_org(report_needed_by=value), "$.organization.answers.report_needed_by", "YYYY-MM-DD")


def test_it_accepts_the_29th_of_february_in_a_leap_year() -> None:
    profile = parse_profile(default_bank(), with_org(report_needed_by="2028-02-29"))
    assert profile.organization.answers["report_needed_by"] == "2028-02-29"


def test_it_refuses_an_impossible_scoping_date() -> None:
    assert_problem(profile_doc(as_of="2026-02-30"), "$.as_of", "impossible date")


def test_it_refuses_a_negative_number() -> None:
    assert_problem(
        with_org(controls_operating_months=-4), "$.organization.answers.controls_operating_months", "negative"
    )


def test_it_refuses_a_number_above_the_question_maximum() -> None:
    maximum = default_bank().questions["controls_operating_months"].max_value
    assert maximum is not None
    assert_problem(
        with_org(controls_operating_months=maximum + 1), "$.organization.answers.controls_operating_months", "at most"
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400, 1e300])
def test_it_refuses_numbers_that_are_not_finite_or_plausible(value: float) -> None:
    assert_problem(with_org(controls_operating_months=value), "$.organization.answers.controls_operating_months")


def test_it_refuses_a_service_key_used_twice() -> None:
    services = [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}, {"key": "a", "name": "A again"}]
    assert_problem(profile_doc(services=services), "$.services[2].key", "used twice", "$.services[0]")


def test_it_refuses_a_subservice_naming_an_unknown_service() -> None:
    doc = profile_doc(subservices=[{"name": "Vendor", "services": ["svc", "ghost"]}])
    assert_problem(doc, "$.subservice_organizations[0].services[1]", "'ghost'")


@pytest.mark.parametrize("value", ["yes", 1, [], {}])
def test_it_refuses_a_subservice_flag_that_is_not_true_false_or_unknown(value: Any) -> None:
    doc = profile_doc(subservices=[{"name": "Vendor", "has_soc_report": value}])
    assert_problem(doc, "$.subservice_organizations[0].has_soc_report", '"unknown"')


def test_it_refuses_answers_that_are_not_an_object() -> None:
    doc = profile_doc()
    doc["services"][0]["answers"] = [["stores_customer_data", True]]
    assert_problem(doc, "$.services[0].answers", "JSON object")


def test_it_refuses_text_longer_than_the_question_allows() -> None:
    text_question = next(q for q in default_bank().questions.values() if q.type == "text" and q.level == "service")
    assert text_question.max_length is not None
    doc = with_service(**{text_question.key: "x" * (text_question.max_length + 1)})
    assert_problem(doc, f"$.services[0].answers.{text_question.key}", "longer than")


def test_it_lists_every_problem_at_once() -> None:
    doc = with_org(controls_operating_months=-1, client_fye_month="june")
    doc["services"][0]["answers"]["data_types"] = ["dna"]
    assert len(problems(doc)) == 3


def test_it_normalises_multiple_choices_into_choice_order_without_repeats() -> None:
    profile = parse_profile(default_bank(), with_service(data_types=["financial", "personal", "financial"]))
    assert profile.services[0].answers["data_types"] == ("personal", "financial")


def test_it_normalises_whole_floats_to_integers() -> None:
    profile = parse_profile(default_bank(), with_org(controls_operating_months=14.0))
    assert profile.organization.answers["controls_operating_months"] == 14
    assert isinstance(profile.organization.answers["controls_operating_months"], int)


def test_the_profile_is_immutable() -> None:
    profile = parse_profile(default_bank(), profile_doc())
    with pytest.raises(AttributeError):
        profile.as_of = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        profile.organization.answers["controls_operating_months"] = 1  # type: ignore[index]
