"""`assessments.overrides`: the one function that applies auditor overrides to a result, and its target rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from assessments.overrides import (
    OverrideError,
    override_target,
    override_targets,
    override_value_clean,
    result_with_overrides,
    value_at,
)


def engine_result() -> dict[str, Any]:
    """A trimmed `socscope.result/1` document: two services, SOC 1 and SOC 2 Type 2 reports, one vendor."""
    return {
        "schema": "socscope.result/1",
        "as_of": "2026-11-26",
        "services": [
            {
                "key": "payroll",
                "name": "Payroll processing",
                "soc1": {"applicable": True, "strength": "required", "reasons": [{"rule": "r1"}]},
                "soc2": {
                    "applicable": True,
                    "strength": "recommended",
                    "reasons": [{"rule": "r2"}],
                    "categories": {"security": [{"rule": "r3"}], "confidentiality": [{"rule": "r4"}]},
                },
            },
            {
                "key": "portal",
                "name": "Client portal",
                "soc1": {"applicable": False, "strength": "not_applicable", "reasons": []},
                "soc2": {
                    "applicable": True,
                    "strength": "required",
                    "reasons": [{"rule": "r5"}],
                    "categories": {"security": [{"rule": "r6"}]},
                },
            },
        ],
        "reports": [
            {
                "report": "soc1",
                "type": "type2",
                "services": ["payroll"],
                "as_of": None,
                "period": {"start": "2025-11-01", "end": "2026-10-31"},
                "bridge_letter": {"start": "2026-11-01", "end": "2026-12-31"},
                "categories": None,
                "reasons": [],
                "next_steps": [],
                "timeline": [
                    {"step": "observation", "start": "2025-11-01", "end": "2026-10-31", "description": "o"},
                    {"step": "fieldwork", "start": "2026-11-26", "end": "2027-01-06", "description": "f"},
                    {"step": "report", "start": "2027-01-07", "end": "2027-02-03", "description": "r"},
                ],
            },
            {
                "report": "soc2",
                "type": "type2",
                "services": ["payroll", "portal"],
                "as_of": None,
                "period": {"start": "2026-05-01", "end": "2026-10-31"},
                "bridge_letter": None,
                "categories": ["security", "confidentiality"],
                "reasons": [],
                "next_steps": [],
            },
            {
                "report": "soc3",
                "type": "type2",
                "services": ["payroll", "portal"],
                "as_of": None,
                "period": {"start": "2026-05-01", "end": "2026-10-31"},
                "bridge_letter": None,
                "categories": ["security", "confidentiality"],
                "reasons": [],
                "next_steps": [],
            },
        ],
        "subservice_organizations": [
            {"name": "Cloud IaaS Co.", "method": "carve_out", "reasons": [], "csocs": []},
        ],
        "flags": [],
    }


def override(target: str, value: Any, engine_value: Any = None, reason: str = "the client said so") -> dict[str, Any]:
    return {"target": target, "value": value, "engine_value": engine_value, "reason": reason, "author": "Ada"}


def report(result: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((r for r in result["reports"] if r["report"] == name), None)


def test_it_leaves_the_engine_result_untouched() -> None:
    result = engine_result()
    before = copy.deepcopy(result)

    shown = result_with_overrides(result, [override("reports.soc2.type", "type1", "type2")])

    assert result == before
    assert report(shown, "soc2")["type"] == "type1"


def test_without_overrides_it_returns_the_same_conclusions_and_an_empty_override_list() -> None:
    shown = result_with_overrides(engine_result(), [])

    assert shown["overrides"] == []
    assert shown["services"] == engine_result()["services"]


def test_adding_a_category_adds_it_to_the_service_the_soc2_report_and_the_soc3_report() -> None:
    shown = result_with_overrides(
        engine_result(), [override("services.payroll.soc2.categories.availability", True, False)]
    )

    assert list(shown["services"][0]["soc2"]["categories"]) == ["security", "availability", "confidentiality"]
    assert report(shown, "soc2")["categories"] == ["security", "availability", "confidentiality"]
    assert report(shown, "soc3")["categories"] == ["security", "availability", "confidentiality"]
    assert "availability" in shown["services"][0]["soc2"]["overridden"]


def test_removing_a_category_drops_it_from_the_report_when_no_other_service_has_it() -> None:
    shown = result_with_overrides(
        engine_result(), [override("services.payroll.soc2.categories.confidentiality", False, True)]
    )

    assert "confidentiality" not in shown["services"][0]["soc2"]["categories"]
    assert report(shown, "soc2")["categories"] == ["security"]


def test_raising_soc1_for_a_service_adds_it_to_the_soc1_report() -> None:
    shown = result_with_overrides(
        engine_result(), [override("services.portal.soc1.strength", "recommended", "not_applicable")]
    )

    assert shown["services"][1]["soc1"]["applicable"] is True
    assert report(shown, "soc1")["services"] == ["payroll", "portal"]


def test_making_soc1_not_applicable_everywhere_removes_the_soc1_report() -> None:
    shown = result_with_overrides(
        engine_result(), [override("services.payroll.soc1.strength", "not_applicable", "required")]
    )

    assert report(shown, "soc1") is None
    assert shown["services"][0]["soc1"]["applicable"] is False


def test_choosing_type1_replaces_the_period_with_an_as_of_date_and_drops_the_bridge_letter() -> None:
    shown = result_with_overrides(engine_result(), [override("reports.soc1.type", "type1", "type2")])

    soc1 = report(shown, "soc1")
    assert (soc1["type"], soc1["period"], soc1["as_of"], soc1["bridge_letter"]) == ("type1", None, "2026-11-26", None)
    assert [step["step"] for step in soc1["timeline"]] == ["type1_date", "fieldwork", "report"]
    assert soc1["overridden"]["type"]["value_display"] == "Type 1"


def test_a_new_period_moves_the_bridge_letter_and_the_timeline() -> None:
    shown = result_with_overrides(
        engine_result(), [override("reports.soc1.period", {"start": "2026-01-01", "end": "2026-09-30"})]
    )

    soc1 = report(shown, "soc1")
    assert soc1["period"] == {"start": "2026-01-01", "end": "2026-09-30"}
    assert soc1["bridge_letter"] == {"start": "2026-10-01", "end": "2026-12-31"}
    assert soc1["timeline"][0] == {
        "step": "observation",
        "start": "2026-01-01",
        "end": "2026-09-30",
        "description": "Observation period: controls operate, evidence is kept.",
    }


def test_the_soc3_report_follows_a_new_soc2_period() -> None:
    period = {"start": "2026-01-01", "end": "2026-12-31"}

    shown = result_with_overrides(engine_result(), [override("reports.soc2.period", period)])

    assert report(shown, "soc3")["period"] == period


def test_a_vendor_name_with_dots_is_one_target() -> None:
    shown = result_with_overrides(
        engine_result(), [override("subservice_organizations.Cloud IaaS Co..method", "inclusive", "carve_out")]
    )

    assert shown["subservice_organizations"][0]["method"] == "inclusive"
    assert shown["overrides"][0]["applied"] is True


def test_each_override_reads_as_engine_recommended_auditor_decided_because() -> None:
    shown = result_with_overrides(
        engine_result(),
        [override("services.payroll.soc2.strength", "required", "recommended", "customers demand it.")],
    )

    assert shown["overrides"][0]["sentence"] == (
        "Payroll processing · SOC 2 strength: the engine recommended Recommended; "
        "the auditor decided Required because customers demand it."
    )


def test_an_override_whose_conclusion_is_gone_is_listed_but_not_applied() -> None:
    shown = result_with_overrides(engine_result(), [override("services.billing.soc1.strength", "required")])

    assert shown["overrides"][0]["applied"] is False
    assert [s["key"] for s in shown["services"]] == ["payroll", "portal"]


def test_a_period_override_applies_after_a_type_override_whatever_their_order() -> None:
    period = {"start": "2027-01-01", "end": "2027-06-30"}
    result = engine_result()
    result["reports"][1]["type"], result["reports"][1]["period"] = "type1", None

    shown = result_with_overrides(
        result, [override("reports.soc2.period", period), override("reports.soc2.type", "type2", "type1")]
    )

    assert report(shown, "soc2")["period"] == period


def test_targets_list_every_conclusion_the_auditor_may_override() -> None:
    result = engine_result()

    paths = [t.path for t in override_targets(result, result_with_overrides(result, []))]

    assert "services.payroll.soc1.strength" in paths
    assert "services.portal.soc2.categories.privacy" in paths
    assert "reports.soc1.period" in paths
    assert "reports.soc1.as_of" not in paths
    assert "subservice_organizations.Cloud IaaS Co..method" in paths


def test_a_period_cannot_be_overridden_on_a_type1_report() -> None:
    result = engine_result()
    shown = result_with_overrides(result, [override("reports.soc1.type", "type1", "type2")])

    with pytest.raises(OverrideError, match="only a Type 2 report has a period"):
        override_target(result, shown, "reports.soc1.period")


def test_the_target_keeps_the_engine_value_when_an_override_changed_what_is_shown() -> None:
    result = engine_result()
    shown = result_with_overrides(result, [override("reports.soc1.type", "type1", "type2")])

    target = override_target(result, shown, "reports.soc1.type")

    assert (target.engine_value, target.current_value) == ("type2", "type1")


@pytest.mark.parametrize(
    "path",
    ["services.payroll.soc1", "reports.soc4.type", "services.payroll.soc2.categories.speed", "flags.0", ""],
)
def test_it_refuses_paths_that_name_no_conclusion(path: str) -> None:
    with pytest.raises(OverrideError):
        value_at(engine_result(), path)


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("strength", "mandatory", "Choose one of"),
        ("type", "type3", "Choose one of"),
        ("period", {"start": "2027-06-30", "end": "2027-01-01"}, "must end after it starts"),
        ("period", {"start": "2027-02-30", "end": "2027-06-30"}, "YYYY-MM-DD"),
        ("as_of", "tomorrow", "YYYY-MM-DD"),
        ("category", "maybe", "included"),
    ],
)
def test_it_refuses_values_that_do_not_fit(kind: str, raw: Any, message: str) -> None:
    with pytest.raises(OverrideError, match=message):
        override_value_clean(kind, raw)


def test_it_reads_form_values_as_json_values() -> None:
    assert override_value_clean("category", "true") is True
    assert override_value_clean("category", "false") is False
    assert override_value_clean("period", {"start": "2027-01-01", "end": "2027-06-30"}) == {
        "start": "2027-01-01",
        "end": "2027-06-30",
    }
