"""The question bank the questionnaire tests run on, and helpers to fill in an assessment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Max

from assessments.banks import shipped_bank_document
from assessments.models import Answer, Assessment, BankVersion, Service, User
from assessments.services.banks import bank_version_import
from assessments.services.intake import assessment_progress_refresh

BANKS = Path(__file__).resolve().parents[3] / "assessments" / "banks"


def scoping_bank_document() -> dict[str, Any]:
    return shipped_bank_document()


def scoping_bank_publish() -> BankVersion:
    """Publish the questionnaire with rules as the newest version of the default bank."""
    document = scoping_bank_document()
    newest = BankVersion.objects.filter(bank__key=document["key"]).aggregate(top=Max("number"))["top"] or 0
    document["version"] = newest + 1
    return bank_version_import(document=document, actor=None, publish=True)


def answers_set(
    assessment: Assessment, answers: dict[str, Any], *, service: Service | None = None, by: User | None = None
) -> None:
    """Store answers directly (contract JSON values), as if saved earlier by `by` (else the assessment's creator),
    and the progress the dashboard shows with them, as the services would."""
    user: User | None = by or assessment.created_by
    for key, value in answers.items():
        Answer.objects.update_or_create(
            assessment=assessment, service=service, question_key=key, defaults={"value": value, "updated_by": user}
        )
    assessment_progress_refresh(assessment=assessment)


ORG_ANSWERS: dict[str, Any] = {
    "controls_operating_months": 14,
    "prior_reports": ["none"],
    "customer_requests": ["soc2"],
    "public_report_wanted": False,
    "client_fye_month": "dec",
    "clients_sec_registrants": "unknown",
    "system_name": "PayCore",
    "operating_locations": "Austin, Texas",
    "infrastructure_model": ["public_cloud"],
    "data_center_locations": "Cloud region us-east",
    "multiple_legal_entities": False,
    "other_frameworks": ["none"],
    "planned_system_changes": False,
    "significant_incidents_last_12_months": False,
    "management_owner_name": "Maria Manager",
    "management_owner_title": "Chief Operating Officer",
}
SERVICE_ANSWERS: dict[str, Any] = {
    "transaction_classes": ["payroll"],
    "transaction_processing_description": "Clients upload hours; we calculate pay.",
    "outputs_used_in_financials": True,
    "key_reports_description": "Payroll register.",
    "hosts_client_financial_systems": False,
    "stores_customer_data": True,
    "data_types": ["personal"],
    "availability_commitments": False,
    "processing_integrity_commitments": False,
    "confidentiality_commitments": False,
    "privacy_commitments": False,
    "service_infrastructure": "Virtual machines at Cloud IaaS Co.",
    "service_software": "PayCore web application.",
}
