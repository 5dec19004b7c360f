"""Loads the shipped reference data: the TSC catalogue and the default question bank."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TextIO

from django.db import transaction

from assessments.banks import BANKS_DIR, DEFAULT_BANK_PATH, shipped_bank_document
from assessments.models import BankVersion, TscCriterion
from assessments.selectors.banks import bank_document
from assessments.services.banks import BankValidationError, bank_document_normalize, bank_version_import

TSC_CSV = BANKS_DIR / "tsc-criteria.csv"
DEFAULT_BANK = DEFAULT_BANK_PATH


@transaction.atomic
def tsc_catalogue_ensure() -> int:
    """Create or refresh the 61 criteria from the shipped CSV; returns how many rows exist."""
    with TSC_CSV.open(encoding="utf-8", newline="") as handle:
        for position, row in enumerate(csv.DictReader(handle), start=1):
            TscCriterion.objects.update_or_create(
                code=row["id"],
                defaults={
                    "category": row["category"],
                    "group": row["group"],
                    "short_title": row["short_title"],
                    "coso_principle": row.get("coso_principle") or "",
                    "position": position,
                },
            )
    return TscCriterion.objects.count()


def shipped_bank_ensure(path: Path = DEFAULT_BANK) -> tuple[BankVersion, list[str]]:
    """Publish a shipped bank file unless its key@version is in the database already: (version, warnings).

    It goes through the same import-and-publish path as any admin's file, so an invalid shipped bank raises
    `BankValidationError` and nothing is stored.
    """
    document = shipped_bank_document(path)
    existing = (
        BankVersion.objects.select_related("bank")
        .filter(bank__key=document.get("key"), number=document.get("version"))
        .first()
    )
    if existing is None:
        return bank_version_import(document=document, actor=None, publish=True), []
    normalized, _ = bank_document_normalize(document)
    if existing.is_frozen and normalized != bank_document(existing):
        return existing, [
            f"{path.name}: differs from the published {existing.label}, which stays as it is; "
            "give the file a new version number to publish its changes"
        ]
    return existing, []


def reference_data_ensure(stderr: TextIO | None = None) -> None:
    """Runs after every `migrate`. A shipped bank that fails validation is reported, not half-loaded, and
    does not stop the migration: the TSC catalogue and the database schema do not depend on it."""
    stderr = stderr or sys.stderr
    if TSC_CSV.exists():
        tsc_catalogue_ensure()
    if DEFAULT_BANK.exists():
        try:
            _, warnings = shipped_bank_ensure(DEFAULT_BANK)
        except BankValidationError as error:
            warnings = [f"{DEFAULT_BANK.name} was not published:", *error.problems]
        for line in warnings:
            stderr.write(line + "\n")
