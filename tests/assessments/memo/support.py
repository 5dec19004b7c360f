"""A rich profile, its result under the default bank, and PDF text helpers for the memo tests."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
from typing import Any

from pypdf import PdfReader

from assessments import engine
from assessments.memo import MemoContext, MemoMeta, Signature, memo_context_build
from assessments.memo.pdf import static_url
from assessments.models import Assessment, BankVersion, Service, SubserviceOrganization
from assessments.services.reference import TSC_CSV
from tests.assessments.intake.support import answers_set
from tests.engine.support import default_bank

AS_OF = "2026-11-26"
RENDERED_AT = dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC)
ZERO_WIDTH_SPACE = "\u200b"
# What a memo render may fetch: its stylesheet and the fonts shipped in static/, by URL.
STATIC_FETCHES = {
    static_url(name)
    for name in (
        "css/memo.css",
        "fonts/DejaVuSans.ttf",
        "fonts/DejaVuSans-Bold.ttf",
        "fonts/DejaVuSans-Oblique.ttf",
        "fonts/DejaVuSerif-Bold.ttf",
    )
}

ORG_ANSWERS: dict[str, Any] = {
    "controls_operating_months": 14,
    "prior_reports": ["soc1_type2"],
    "prior_report_period_end": "2026-09-30",
    "customer_requests": ["soc1", "soc2", "type2"],
    "customer_request_details": "Two enterprise prospects asked for a SOC 2 Type 2 during procurement.",
    "international_standard_needed": True,
    "public_report_wanted": False,
    "client_fye_month": "dec",
    "clients_sec_registrants": "unknown",
    "system_name": "PayCore platform",
    "operating_locations": "Head office in Austin, Texas; support centre in Leeds, United Kingdom.",
    "infrastructure_model": ["public_cloud", "third_party_saas"],
    "data_center_locations": "Cloud regions us-east-1 and eu-west-2 (backups).",
    "multiple_legal_entities": True,
    "legal_entities_description": "Acme Payroll Inc. runs the platform; Acme Payroll Ltd. provides UK support.",
    "out_of_scope_description": "The marketing website and the sales CRM.",
    "other_frameworks": ["iso27001"],
    "soc2_plus_wanted": False,
    "planned_system_changes": True,
    "planned_system_changes_description": "Migration of the tax engine to a new database in March 2027.",
    "significant_incidents_last_12_months": False,
    "readiness_assessment_status": "in_progress",
    "known_control_gaps": "Quarterly access reviews are not yet evidenced for the support tools.",
    "management_owner_name": "Maria Manager",
    "management_owner_title": "Chief Operating Officer",
    "service_auditor_firm": "Prudent & Partners LLP",
}
PAYROLL_ANSWERS: dict[str, Any] = {
    "transaction_classes": ["payroll", "tax"],
    "transaction_processing_description": "Clients upload hours; PayCore calculates pay, files taxes, pays staff.",
    "outputs_used_in_financials": True,
    "key_reports_description": "Payroll register, tax filing summary and general-ledger journal export.",
    "hosts_client_financial_systems": False,
    "stores_customer_data": True,
    "data_types": ["financial", "confidential_business"],
    "availability_commitments": False,
    "processing_integrity_commitments": True,
    "confidentiality_commitments": True,
    "privacy_commitments": False,
    "commitment_documents": "Master services agreement, section 7.",
    "service_infrastructure": "Containers at Cloud IaaS Co.",
    "service_software": "PayCore web application and tax engine.",
    "service_people": "Payroll operations (12 people) and platform engineering (8).",
    "service_out_of_scope": "The legacy desktop client.",
    "client_responsibilities": ["access_administration", "output_review"],
}
HOSTING_ANSWERS: dict[str, Any] = {
    "transaction_classes": ["none"],
    "outputs_used_in_financials": False,
    "hosts_client_financial_systems": False,
    "stores_customer_data": True,
    "data_types": ["financial"],
    "availability_commitments": True,
    "availability_commitment_details": "99.9% monthly uptime; four-hour recovery time objective.",
    "processing_integrity_commitments": False,
    "confidentiality_commitments": "unknown",
    "privacy_commitments": False,
    "service_infrastructure": "Managed Kubernetes at Cloud IaaS Co.",
    "service_software": "Customer-hosted PayCore instances.",
}
SUBSERVICES: list[dict[str, Any]] = [
    {
        "name": "Cloud IaaS Co",
        "service": "Infrastructure hosting",
        "services": ["payroll", "hosting"],
        "has_soc_report": True,
        "controls_required": True,
        "will_participate": False,
    },
    {
        "name": "Office Supplies Ltd",
        "service": "Stationery",
        "services": [],
        "has_soc_report": False,
        "controls_required": False,
        "will_participate": False,
    },
]


def profile_document(**changes: Any) -> dict[str, Any]:
    """The Acme Payroll profile: SOC 1 and SOC 2 (every category but Privacy), a carve-out and an excluded vendor."""
    doc = {
        "schema": "socscope.profile/1",
        "as_of": AS_OF,
        "organization": {"name": "Acme Payroll Inc.", "answers": copy.deepcopy(ORG_ANSWERS)},
        "services": [
            {
                "key": "payroll",
                "name": "Payroll processing",
                "description": "Payroll and payroll tax for mid-size employers.",
                "answers": copy.deepcopy(PAYROLL_ANSWERS),
            },
            {"key": "hosting", "name": "Managed hosting", "answers": copy.deepcopy(HOSTING_ANSWERS)},
        ],
        "subservice_organizations": copy.deepcopy(SUBSERVICES),
    }
    doc.update(changes)
    return doc


def criteria_from_csv() -> list[dict[str, str]]:
    with TSC_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {"code": row["id"], "category": row["category"], "group": row["group"], "short_title": row["short_title"]}
            for row in csv.DictReader(handle)
        ]


def meta(**changes: Any) -> MemoMeta:
    values: dict[str, Any] = {
        "assessment": "FY2027 SOC scoping",
        "status": "Submitted for review",
        "rendered_at": RENDERED_AT,
        "number": 3,
        "prepared_by": Signature("Maria Manager", dt.date(2026, 11, 26)),
    }
    values.update(changes)
    return MemoMeta(**values)


def scoped(profile_doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(normalised profile, result, sensitivity) of a profile under the default bank."""
    bank = default_bank()
    profile = engine.parse_profile(bank, profile_doc)
    return profile.to_dict(), engine.scope(bank, profile).to_dict(), engine.sensitivity(bank, profile)


def context_for(
    profile_doc: dict[str, Any], *, overrides: list[dict[str, Any]] | None = None, **meta_changes: Any
) -> MemoContext:
    profile, result, sensitivity = scoped(profile_doc)
    return memo_context_build(
        profile=profile,
        result=result,
        bank=default_bank(),
        sensitivity=sensitivity,
        criteria=criteria_from_csv(),
        overrides=overrides or [],
        meta=meta(**meta_changes),
    )


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def squashed(text: str) -> str:
    """Text without whitespace or zero-width spaces, so line and token breaks do not matter."""
    return re.sub(r"[\s\u200b]+", "", text)


def has_code(text: str, code: str) -> bool:
    """Whether a criterion id occurs as a whole id (C1.1 is not inside CC1.1, CC1.1 not inside CC1.10)."""
    return re.search(rf"(?<![A-Z0-9.]){re.escape(code)}(?![0-9])", text) is not None


def acme_answers_store(assessment: Assessment, bank_version: BankVersion) -> Assessment:
    """Put `assessment` on `bank_version` with the profile's two services, its carved-out vendor and its answers."""
    assessment.bank_version = bank_version
    assessment.save(update_fields=["bank_version"])
    payroll = Service.objects.create(
        assessment=assessment,
        key="payroll",
        name="Payroll processing",
        description="Payroll and payroll tax for mid-size employers.",
        position=10,
    )
    hosting = Service.objects.create(assessment=assessment, key="hosting", name="Managed hosting", position=20)
    cloud = SubserviceOrganization.objects.create(
        assessment=assessment,
        name="Cloud IaaS Co",
        provides="Infrastructure hosting",
        has_soc_report="yes",
        controls_required="yes",
        will_participate="no",
    )
    cloud.services.set([payroll, hosting])
    answers_set(assessment, ORG_ANSWERS)
    answers_set(assessment, PAYROLL_ANSWERS, service=payroll)
    answers_set(assessment, HOSTING_ANSWERS, service=hosting)
    return assessment
