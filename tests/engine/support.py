"""Banks and profiles for the engine tests.

The default bank is the shipped `assessments/banks/default.json`. The minimal bank holds exactly the
canonical questions of the contract with the default rules, small enough to mutate freely.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from assessments.banks import shipped_bank_document
from assessments.engine import Bank, load_bank
from assessments.engine.contract import CANONICAL_QUESTIONS, ORGANIZATION, SERVICE

ROOT = Path(__file__).resolve().parents[2]
BANKS = ROOT / "assessments" / "banks"
EXAMPLES = Path(__file__).resolve().parent / "examples"
AS_OF = "2026-11-26"


def canonical_sections() -> list[dict[str, Any]]:
    sections = []
    for position, level in enumerate((ORGANIZATION, SERVICE), start=1):
        questions = []
        for index, (key, (question_level, kind, allow_unknown, choices)) in enumerate(CANONICAL_QUESTIONS.items()):
            if question_level != level:
                continue
            questions.append(
                {
                    "key": key,
                    "label": key.replace("_", " ").capitalize() + "?",
                    "type": kind,
                    "required": key != "report_needed_by",
                    "allow_unknown": allow_unknown,
                    "min_value": 0 if kind == "number" else None,
                    "max_value": 600 if kind == "number" else None,
                    "position": index * 10,
                    "condition": None,
                    "choices": [
                        {"key": choice, "label": choice.replace("_", " "), "position": (n + 1) * 10}
                        for n, choice in enumerate(choices)
                    ],
                }
            )
        sections.append(
            {
                "key": f"{level}_questions",
                "level": level,
                "title": level.title(),
                "position": position * 10,
                "questions": questions,
            }
        )
    return sections


def rules_doc() -> dict[str, Any]:
    """The default bank's parameters, rules and CSOC templates."""
    doc = shipped_bank_document()
    return {key: doc[key] for key in ("parameters", "rules", "csoc_templates")}


def default_bank_doc() -> dict[str, Any]:
    return shipped_bank_document()


@functools.cache
def _default_bank() -> Bank:
    return load_bank(default_bank_doc())


def default_bank() -> Bank:
    return _default_bank()


def minimal_bank_doc() -> dict[str, Any]:
    """The canonical questions and the default rules: small enough to mutate freely in a test."""
    doc = {
        "schema": "socscope.bank/1",
        "key": "minimal",
        "name": "Minimal bank",
        "version": 1,
        "release_notes": "",
        "sections": canonical_sections(),
    }
    doc.update(rules_doc())
    return doc


def examples() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, json.loads(path.read_text(encoding="utf-8"))) for path in sorted(EXAMPLES.glob("*.json"))]


def org_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "controls_operating_months": 12,
        "prior_reports": ["none"],
        "report_needed_by": None,
        "customer_requests": ["none"],
        "public_report_wanted": False,
        "client_fye_month": "mixed",
        "clients_sec_registrants": False,
    }
    answers.update(overrides)
    return answers


def service_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "transaction_classes": ["none"],
        "outputs_used_in_financials": False,
        "hosts_client_financial_systems": False,
        "stores_customer_data": False,
        "data_types": ["none"],
        "availability_commitments": False,
        "processing_integrity_commitments": False,
        "confidentiality_commitments": False,
        "privacy_commitments": False,
    }
    answers.update(overrides)
    return answers


def profile_doc(
    org: dict[str, Any] | None = None,
    services: list[dict[str, Any]] | None = None,
    subservices: list[dict[str, Any]] | None = None,
    as_of: str = AS_OF,
) -> dict[str, Any]:
    return {
        "schema": "socscope.profile/1",
        "as_of": as_of,
        "organization": {"name": "Example Org", "answers": org_answers() if org is None else org},
        "services": copy.deepcopy(services)
        if services is not None
        else [{"key": "svc", "name": "The service", "answers": service_answers()}],
        "subservice_organizations": subservices or [],
    }
