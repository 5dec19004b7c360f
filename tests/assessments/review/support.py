"""A fully answered assessment for the review tests (unit, view and browser)."""

from __future__ import annotations

from typing import Any

from assessments.models import Answer, Assessment, Service, SubserviceOrganization, User
from assessments.selectors.intake import intake_load

ORG_ANSWERS: dict[str, Any] = {
    "controls_operating_months": 30,
    "prior_reports": ["soc1_type2"],
    "customer_requests": ["soc1", "type2"],
    "public_report_wanted": False,
    "client_fye_month": "dec",
    "clients_sec_registrants": True,
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
    "transaction_classes": ["payroll", "tax"],
    "transaction_processing_description": "Clients upload hours; we calculate pay and file taxes.",
    "outputs_used_in_financials": True,
    "key_reports_description": "Payroll register and tax filings.",
    "hosts_client_financial_systems": False,
    "stores_customer_data": True,
    "data_types": ["personal", "financial"],
    "availability_commitments": False,
    "processing_integrity_commitments": True,
    "confidentiality_commitments": True,
    "privacy_commitments": False,
    "service_infrastructure": "Cloud IaaS Co. virtual machines and managed database.",
    "service_software": "PayCore web application.",
}


def answer_everything(assessment: Assessment, user: User) -> Service:
    """Give `assessment` one service, one vendor and every required answer; returns the service."""
    service = Service.objects.create(assessment=assessment, key="payroll", name="Payroll processing", position=10)
    vendor = SubserviceOrganization.objects.create(
        assessment=assessment,
        name="Cloud IaaS Co.",
        provides="Infrastructure hosting",
        has_soc_report="yes",
        controls_required="yes",
        will_participate="no",
    )
    vendor.services.set([service])
    for key, value in ORG_ANSWERS.items():
        Answer.objects.create(assessment=assessment, question_key=key, value=value, updated_by=user)
    for key, value in SERVICE_ANSWERS.items():
        Answer.objects.create(assessment=assessment, service=service, question_key=key, value=value, updated_by=user)
    intake = intake_load(assessment)
    assert [item.question.key for item in intake.open_items() if not item.unknown] == []
    return service
