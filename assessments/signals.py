"""Reference data that every installation needs, loaded after `migrate` (idempotent); the idle-timeout clock
started at sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from socscope.middleware import session_stamp_at_sign_in

user_logged_in.connect(session_stamp_at_sign_in, dispatch_uid="socscope.session_stamp_at_sign_in")


@receiver(post_migrate, dispatch_uid="assessments.seed_reference_data")
def seed_reference_data(sender: Any, app_config: Any = None, using: str = "default", **kwargs: Any) -> None:
    if app_config is None or app_config.label != "assessments":
        return
    from django.core.management import CommandError

    from assessments.services.banks import BankValidationError
    from assessments.services.reference import DEFAULT_BANK, reference_data_ensure

    try:
        reference_data_ensure()
    except BankValidationError as error:
        # A broken shipped bank is a broken release: migrate stops, naming every problem.
        problems = "\n".join(f"  {problem}" for problem in error.problems)
        raise CommandError(
            f"The shipped question bank {DEFAULT_BANK} is invalid and was not published; "
            f"fix these problems and run migrate again:\n{problems}"
        ) from error
