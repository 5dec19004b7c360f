from __future__ import annotations

from django.http import HttpRequest

from assessments.models import Membership


def navigation(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's roles, so the navigation shows only what they can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return {
        "nav_is_manager": Membership.Role.MANAGER in roles,
        "nav_is_auditor": Membership.Role.AUDITOR in roles,
    }
