"""Loads the shipped reference data: the TSC catalogue and the default question bank."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from assessments.models import TscCriterion

BANKS_DIR = Path(__file__).resolve().parent.parent / "banks"
TSC_CSV = BANKS_DIR / "tsc-criteria.csv"


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


def reference_data_ensure() -> None:
    if TSC_CSV.exists():
        tsc_catalogue_ensure()
