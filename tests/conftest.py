"""The usual cast: manager, colleague, viewer, outsider from another org, assigned and unassigned auditor."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from assessments.models import Assessment, Membership, Organization, User
from tests.factories import (
    AssessmentFactory,
    AssignmentFactory,
    AuditFirmFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run beside one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated_media(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = False


@dataclass
class Cast:
    org: Organization
    other_org: Organization
    firm: Organization
    manager: User
    colleague: User
    viewer: User
    outsider: User
    auditor: User
    unassigned_auditor: User
    assessment: Assessment


def member(org: Organization, role: str, **user_fields: object) -> User:
    return MembershipFactory(organization=org, role=role, user=UserFactory(**user_fields)).user


@pytest.fixture
def org(db: None) -> Organization:
    return OrganizationFactory(name="Acme Payroll Inc.")


@pytest.fixture
def other_org(db: None) -> Organization:
    return OrganizationFactory(name="Globex Hosting")


@pytest.fixture
def firm(db: None) -> Organization:
    return AuditFirmFactory(name="Prudent & Partners LLP")


@pytest.fixture
def manager(org: Organization) -> User:
    return member(org, Membership.Role.MANAGER, username="maria", full_name="Maria Manager")


@pytest.fixture
def colleague(org: Organization) -> User:
    return member(org, Membership.Role.MANAGER, username="colin", full_name="Colin Colleague")


@pytest.fixture
def viewer(org: Organization) -> User:
    return member(org, Membership.Role.VIEWER, username="vera", full_name="Vera Viewer")


@pytest.fixture
def outsider(other_org: Organization) -> User:
    return member(other_org, Membership.Role.MANAGER, username="oscar", full_name="Oscar Outsider")


@pytest.fixture
def assessment(org: Organization, manager: User) -> Assessment:
    return AssessmentFactory(organization=org, created_by=manager, updated_by=manager, name="FY2027 SOC scoping")


@pytest.fixture
def auditor(firm: Organization, assessment: Assessment) -> User:
    user = member(firm, Membership.Role.AUDITOR, username="ada", full_name="Ada Auditor")
    AssignmentFactory(assessment=assessment, auditor=user)
    return user


@pytest.fixture
def unassigned_auditor(firm: Organization) -> User:
    return member(firm, Membership.Role.AUDITOR, username="uma", full_name="Uma Unassigned")


@pytest.fixture
def cast(
    org: Organization,
    other_org: Organization,
    firm: Organization,
    manager: User,
    colleague: User,
    viewer: User,
    outsider: User,
    auditor: User,
    unassigned_auditor: User,
    assessment: Assessment,
) -> Cast:
    return Cast(org, other_org, firm, manager, colleague, viewer, outsider, auditor, unassigned_auditor, assessment)
