from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.http import QueryDict

from assessments.engine import Bank
from assessments.engine.model import Section
from assessments.forms import NumberOrUnknownWidget, SectionForm, section_form
from assessments.models import BankVersion
from assessments.selectors.banks import engine_bank


@pytest.fixture
def bank(scoping_bank: BankVersion) -> Bank:
    return engine_bank(scoping_bank)


def section_of(bank: Bank, key: str) -> Section:
    return next(section for section in bank.sections if section.key == key)


def org_form(bank: Bank, data: dict[str, Any] | None = None, answers: dict[str, Any] | None = None) -> SectionForm:
    query = None
    if data is not None:
        query = QueryDict(mutable=True)
        for key, value in data.items():
            query.setlist(key, value if isinstance(value, list) else [value])
    return section_form(
        bank=bank, section=section_of(bank, "organization_reports"), org_answers=answers or {}, data=query
    )


def test_each_question_type_gets_its_field(bank: Bank) -> None:
    form = org_form(bank)

    fields = form.fields
    assert isinstance(fields["public_report_wanted"].widget, forms.RadioSelect)
    assert [key for key, _ in fields["public_report_wanted"].choices] == ["yes", "no"]
    assert [key for key, _ in fields["clients_sec_registrants"].choices] == ["yes", "no", "unknown"]
    assert isinstance(fields["prior_reports"].widget, forms.CheckboxSelectMultiple)
    assert isinstance(fields["client_fye_month"].widget, forms.Select)
    assert isinstance(fields["controls_operating_months"].widget, NumberOrUnknownWidget)
    assert fields["report_needed_by"].widget.input_type == "date"
    assert not any(field.required for field in fields.values())


def test_text_questions_are_textareas_with_the_banks_maximum_length(bank: Bank) -> None:
    form = section_form(bank=bank, section=section_of(bank, "system_boundaries"), org_answers={})

    field = form.fields["operating_locations"]
    assert isinstance(field.widget, forms.Textarea)
    assert field.max_length == 2000


def test_a_single_choice_with_few_options_is_a_radio_group(bank: Bank) -> None:
    form = section_form(bank=bank, section=section_of(bank, "readiness_and_signoff"), org_answers={})

    assert isinstance(form.fields["readiness_assessment_status"].widget, forms.RadioSelect)


def test_labels_carry_help_text_and_reference(bank: Bank) -> None:
    field = org_form(bank).fields["controls_operating_months"]

    assert field.label.startswith("For how many months")
    assert "Reference: " in field.help_text
    assert "(optional)" in org_form(bank).fields["report_needed_by"].label


def test_hidden_follow_ups_are_not_fields(bank: Bank) -> None:
    assert "prior_report_period_end" not in org_form(bank).fields


def test_a_saved_answer_shows_its_follow_up(bank: Bank) -> None:
    form = org_form(bank, answers={"prior_reports": ["soc2_type2"]})

    assert "prior_report_period_end" in form.fields
    assert form.initial["prior_reports"] == ["soc2_type2"]


def test_a_posted_answer_decides_the_follow_up_over_the_saved_one(bank: Bank) -> None:
    form = org_form(bank, data={"prior_reports": ["none"]}, answers={"prior_reports": ["soc2_type2"]})

    assert "prior_report_period_end" not in form.fields


def test_answers_convert_to_contract_values(bank: Bank) -> None:
    form = org_form(
        bank,
        data={
            "controls_operating_months": "14",
            "prior_reports": ["soc2_type2", "soc1_type2"],
            "prior_report_period_end": "2026-06-30",
            "public_report_wanted": "no",
            "clients_sec_registrants": "unknown",
            "client_fye_month": "dec",
            "customer_requests": ["soc2"],
            "customer_request_details": "  Two prospects asked.  ",
        },
    )

    assert form.is_valid(), form.errors
    answers = form.answers()
    assert answers["controls_operating_months"] == 14
    assert isinstance(answers["controls_operating_months"], int)
    assert answers["prior_reports"] == ["soc1_type2", "soc2_type2"]
    assert answers["prior_report_period_end"] == "2026-06-30"
    assert answers["public_report_wanted"] is False
    assert answers["clients_sec_registrants"] == "unknown"
    assert answers["client_fye_month"] == "dec"
    assert answers["customer_request_details"] == "Two prospects asked."
    assert answers["report_needed_by"] is None


def test_a_fractional_number_stays_fractional(bank: Bank) -> None:
    form = org_form(bank, data={"controls_operating_months": "2.5"})

    assert form.is_valid()
    assert form.answers()["controls_operating_months"] == 2.5


def test_dont_know_is_an_answer_for_a_number_that_allows_it(bank: Bank) -> None:
    form = org_form(bank, data={"controls_operating_months": "", "controls_operating_months__unknown": "1"})

    assert form.is_valid()
    assert form.answers()["controls_operating_months"] == "unknown"


def test_a_number_and_dont_know_together_are_refused(bank: Bank) -> None:
    form = org_form(bank, data={"controls_operating_months": "4", "controls_operating_months__unknown": "1"})

    assert not form.is_valid()
    assert "not both" in form.errors["controls_operating_months"][0]


@pytest.mark.parametrize(
    ("value", "message"),
    [("900", "no greater than 600"), ("-1", "at least 0"), ("many", "Enter a number")],
)
def test_numbers_outside_the_banks_bounds_are_refused(bank: Bank, value: str, message: str) -> None:
    form = org_form(bank, data={"controls_operating_months": value})

    assert not form.is_valid()
    assert message in form.errors["controls_operating_months"][0]


@pytest.mark.parametrize(("value", "message"), [("2027-02-30", "real date"), ("3001-01-01", "before the year 3000")])
def test_impossible_dates_are_refused(bank: Bank, value: str, message: str) -> None:
    form = org_form(bank, data={"report_needed_by": value})

    assert not form.is_valid()
    assert message in form.errors["report_needed_by"][0]


def test_a_choice_the_question_does_not_offer_is_refused(bank: Bank) -> None:
    form = org_form(bank, data={"client_fye_month": "smarch"})

    assert not form.is_valid()
    assert "client_fye_month" in form.errors


def test_text_longer_than_the_bank_allows_is_refused(bank: Bank) -> None:
    form = section_form(
        bank=bank,
        section=section_of(bank, "system_boundaries"),
        org_answers={},
        data={"system_name": "x" * 201},
    )

    assert not form.is_valid()
    assert "system_name" in form.errors


def test_saved_answers_become_initial_values(bank: Bank) -> None:
    form = org_form(
        bank,
        answers={"public_report_wanted": True, "clients_sec_registrants": "unknown", "controls_operating_months": 7},
    )

    assert form.initial["public_report_wanted"] == "yes"
    assert form.initial["clients_sec_registrants"] == "unknown"
    assert form.initial["controls_operating_months"] == 7


def test_only_questions_the_page_showed_are_read(bank: Bank) -> None:
    form = org_form(bank, data={"_shown": ["public_report_wanted"], "public_report_wanted": "yes"})

    assert form.is_valid()
    assert form.answers() == {"public_report_wanted": True}


def test_the_slots_list_every_question_with_a_field_only_when_shown(bank: Bank) -> None:
    slots = org_form(bank).slots()

    assert [slot.key for slot in slots] == [q.key for q in section_of(bank, "organization_reports").questions]
    hidden = next(slot for slot in slots if slot.key == "prior_report_period_end")
    assert hidden.field is None
    assert next(slot for slot in slots if slot.key == "prior_reports").field is not None


def test_a_read_only_form_disables_every_field(bank: Bank) -> None:
    form = section_form(bank=bank, section=section_of(bank, "organization_reports"), org_answers={}, disabled=True)

    assert all(field.disabled for field in form.fields.values())
    assert "disabled" in str(form["controls_operating_months"])
