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
from assessments.services.banks import BankValidationError, bank_document_problems, bank_version_import

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

    The file is validated first, whatever the database holds, so a broken file is caught even when its
    key@version was published from an earlier, valid file: `BankValidationError`, and nothing is stored. A new
    version goes through the same import-and-publish path as any admin's file.
    """
    document = shipped_bank_document(path)
    normalized, problems = bank_document_problems(document)
    if problems:
        raise BankValidationError(problems)
    existing = (
        BankVersion.objects.select_related("bank")
        .filter(bank__key=document.get("key"), number=document.get("version"))
        .first()
    )
    if existing is None:
        return bank_version_import(document=document, actor=None, publish=True), []
    if existing.is_frozen and normalized != bank_document(existing):
        return existing, [
            f"{path.name}: differs from the published {existing.label}, which stays as it is; "
            "give the file a new version number to publish its changes"
        ]
    return existing, []


def reference_data_ensure(stderr: TextIO | None = None) -> None:
    """Runs after every `migrate`: loads the TSC catalogue, then publishes the shipped default bank.

    A shipped bank that fails validation raises `BankValidationError` (the post_migrate handler turns it into a
    `CommandError` that stops `migrate`); the bank's import is atomic, so none of it is stored. The catalogue does
    not depend on the bank and stays loaded. A shipped file edited without a new version number is only reported.
    """
    stderr = stderr or sys.stderr
    if TSC_CSV.exists():
        tsc_catalogue_ensure()
    if DEFAULT_BANK.exists():
        _, warnings = shipped_bank_ensure(DEFAULT_BANK)
        for line in warnings:
            stderr.write(line + "\n")
