from __future__ import annotations

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "SOC scoping"

    def ready(self) -> None:
        from assessments import signals  # noqa: F401  (connects post_migrate seeding and the sign-in stamp)
