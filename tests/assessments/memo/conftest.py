from __future__ import annotations

import pytest

from assessments.models import Assessment, BankVersion, Service, SubserviceOrganization, User
from tests.assessments.intake.support import answers_set, scoping_bank_publish
from tests.assessments.memo.support import HOSTING_ANSWERS, ORG_ANSWERS, PAYROLL_ANSWERS


@pytest.fixture
def scoping_bank(db: None) -> BankVersion:
    """The default questionnaire with its rules, published as the newest default bank version."""
    return scoping_bank_publish()


@pytest.fixture
def answered(assessment: Assessment, manager: User, scoping_bank: BankVersion) -> Assessment:
    """The cast's assessment on the scoping bank: two services, two vendors, the memo support's answers."""
    assessment.bank_version = scoping_bank
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
