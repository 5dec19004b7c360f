"""Reference data that every installation needs, loaded after `migrate` (idempotent)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate, dispatch_uid="assessments.seed_reference_data")
def seed_reference_data(sender: Any, app_config: Any = None, using: str = "default", **kwargs: Any) -> None:
    if app_config is None or app_config.label != "assessments":
        return
    from assessments.services.reference import reference_data_ensure

    reference_data_ensure()
