"""Local demo accounts, one per role, so a fresh `make run` can be tried at once."""

from __future__ import annotations

from django.db import transaction

from assessments.models import Membership, Organization, User

DEMO_PASSWORD = "socscope-demo-2026"  # noqa: S105  (local demo accounts, debug only)


@transaction.atomic
def demo_accounts_ensure() -> list[tuple[str, str]]:
    """Create (or reset) the demo organizations and accounts; returns (username, role description) pairs."""
    company, _ = Organization.objects.get_or_create(
        slug="demo-payroll", defaults={"name": "Demo Payroll Co", "kind": Organization.Kind.SERVICE_ORG}
    )
    firm, _ = Organization.objects.get_or_create(
        slug="demo-audit", defaults={"name": "Demo Audit LLP", "kind": Organization.Kind.AUDIT_FIRM}
    )
    people = [
        ("manager", "Maria Manager", company, Membership.Role.MANAGER, False, "compliance manager, Demo Payroll Co"),
        ("viewer", "Victor Viewer", company, Membership.Role.VIEWER, False, "viewer, Demo Payroll Co"),
        ("auditor", "Ada Auditor", firm, Membership.Role.AUDITOR, False, "auditor, Demo Audit LLP"),
        ("admin", "Alex Admin", None, None, True, "staff admin (Django admin, question banks)"),
    ]
    accounts = []
    for username, full_name, org, role, staff, description in people:
        user, _ = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        user.full_name = full_name
        user.email = f"{username}@demo.socscope.local"
        user.is_staff = staff
        user.is_superuser = staff
        user.set_password(DEMO_PASSWORD)
        user.save()
        if org is not None:
            Membership.objects.update_or_create(user=user, organization=org, defaults={"role": role})
        accounts.append((username, description))
    return accounts
