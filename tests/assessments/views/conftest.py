from __future__ import annotations

import pytest

from assessments.models import BankVersion
from tests.assessments.intake.support import scoping_bank_publish


@pytest.fixture(autouse=True)
def scoping_bank(db: None) -> BankVersion:
    """Published before the cast's assessment is made, so it uses this bank."""
    return scoping_bank_publish()
