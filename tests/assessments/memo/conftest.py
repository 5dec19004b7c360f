from __future__ import annotations

import pytest

from assessments.models import Assessment, BankVersion, User
from tests.assessments.intake.support import scoping_bank_publish
from tests.assessments.memo.support import acme_answers_store


@pytest.fixture
def scoping_bank(db: None) -> BankVersion:
    """The default questionnaire with its rules, published as the newest default bank version."""
    return scoping_bank_publish()


@pytest.fixture
def answered(assessment: Assessment, manager: User, scoping_bank: BankVersion) -> Assessment:
    """The cast's assessment on the scoping bank: two services, a vendor, the memo support's answers."""
    return acme_answers_store(assessment, scoping_bank)
