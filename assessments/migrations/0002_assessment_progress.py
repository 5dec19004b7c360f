from __future__ import annotations

from typing import Any

from django.db import migrations, models


def progress_store(apps: Any, schema_editor: Any) -> None:
    """Fill the new copy of each assessment's progress from its answers as they are now.

    This uses the app's current selector code rather than the historical models alone: the figures come from the
    bank's visibility conditions, which only the engine evaluates, and the selectors are what feeds it an
    assessment's answers. Should a later migration change the models this code reads, this one must be revisited.
    """
    from assessments.engine import BankError
    from assessments.models import Assessment as CurrentAssessment
    from assessments.selectors.intake import intake_load

    Assessment = apps.get_model("assessments", "Assessment")
    rows = CurrentAssessment.objects.only("pk", "bank_version").select_related("bank_version").order_by("pk")
    for assessment in rows.iterator(chunk_size=200):
        try:
            progress = intake_load(assessment).progress()
        except BankError:
            # An unreadable bank version cannot say which questions are shown; its rows keep 0 of 0 until the
            # bank is fixed and the next save writes the figures.
            continue
        Assessment.objects.filter(pk=assessment.pk).update(
            answered_count=progress.answered, required_count=progress.required
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="answered_count",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Required questions answered: a copy of the questionnaire's progress, kept by the intake "
                "services so lists need not read the answers.",
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="required_count",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Required questions shown: a copy of the questionnaire's progress, kept by the intake "
                "services so lists need not read the answers.",
            ),
        ),
        migrations.RunPython(progress_store, migrations.RunPython.noop),
    ]
