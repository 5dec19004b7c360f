"""A complete bank (the shipped questionnaire plus the shipped rules) under its own key, published and drafted."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from assessments.banks import shipped_bank_document
from assessments.models import BankVersion, User
from assessments.services.banks import bank_version_clone, bank_version_import
from tests.factories import UserFactory

BANKS = Path(__file__).resolve().parents[3] / "assessments" / "banks"


def complete_document(key: str = "acme") -> dict[str, Any]:
    """The shipped default bank under a key of its own."""
    document = shipped_bank_document()
    document.update(key=key, name="Acme scoping bank", version=1)
    return document


def find_question(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for section in document["sections"] for q in section["questions"] if q["key"] == key)


@pytest.fixture
def bank_doc() -> dict[str, Any]:
    return copy.deepcopy(complete_document())


@pytest.fixture
def published(db: None, bank_doc: dict[str, Any]) -> BankVersion:
    return bank_version_import(document=bank_doc, actor=None, publish=True)


@pytest.fixture
def draft(published: BankVersion) -> BankVersion:
    return bank_version_clone(version=published, actor=None)


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory(username="alice", full_name="Alice Admin", is_staff=True, is_superuser=True)
