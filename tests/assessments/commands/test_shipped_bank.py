from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from assessments.banks import DEFAULT_BANK_PATH

pytestmark = pytest.mark.django_db


def test_the_shipped_default_bank_exports_byte_for_byte_as_shipped() -> None:
    out = io.StringIO()

    call_command("export_question_bank", "default@1", stdout=out)

    assert out.getvalue() == DEFAULT_BANK_PATH.read_text(encoding="utf-8")
