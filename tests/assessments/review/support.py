"""A fully answered assessment for the review tests (unit, view and browser)."""

from __future__ import annotations

from typing import Any

from assessments.models import Assessment, Service, SubserviceOrganization, User
from assessments.selectors.intake import intake_load
from tests.assessments.intake import support as intake_support

# The questionnaire tests' company, a few years on: established, and asked for Type 2 reports.
ORG_ANSWERS: dict[str, Any] = {
    **intake_support.ORG_ANSWERS,
    "controls_operating_months": 30,
    "prior_reports": ["soc1_type2"],
    "customer_requests": ["soc1", "type2"],
    "clients_sec_registrants": True,
}
SERVICE_ANSWERS: dict[str, Any] = {
    **intake_support.SERVICE_ANSWERS,
    "transaction_classes": ["payroll", "tax"],
    "transaction_processing_description": "Clients upload hours; we calculate pay and file taxes.",
    "key_reports_description": "Payroll register and tax filings.",
    "data_types": ["personal", "financial"],
    "processing_integrity_commitments": True,
    "confidentiality_commitments": True,
    "service_infrastructure": "Cloud IaaS Co. virtual machines and managed database.",
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
    intake_support.answers_set(assessment, ORG_ANSWERS, by=user)
    intake_support.answers_set(assessment, SERVICE_ANSWERS, service=service, by=user)
    intake = intake_load(assessment)
    assert [item.question.key for item in intake.open_items() if not item.unknown] == []
    return service
