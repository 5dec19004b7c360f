"""factory_boy factories for the usual cast and their data."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from assessments.models import (
    Assessment,
    Assignment,
    BankVersion,
    Membership,
    Organization,
    QuestionBank,
    Service,
    SubserviceOrganization,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Service Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = Organization.Kind.SERVICE_ORG


class AuditFirmFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Audit Firm {n} LLP")
    slug = factory.Sequence(lambda n: f"firm-{n}")
    kind = Organization.Kind.AUDIT_FIRM


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MANAGER


class QuestionBankFactory(DjangoModelFactory):
    class Meta:
        model = QuestionBank
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"bank-{n}")
    name = factory.LazyAttribute(lambda b: f"Bank {b.key}")


class BankVersionFactory(DjangoModelFactory):
    class Meta:
        model = BankVersion

    bank = factory.SubFactory(QuestionBankFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = BankVersion.Status.PUBLISHED


def published_default_version() -> BankVersion:
    """The default bank's newest published version, as `migrate` leaves it; a bare one if none was seeded."""
    version = (
        BankVersion.objects.filter(bank__key="default", status=BankVersion.Status.PUBLISHED).order_by("-number").first()
    )
    return version or BankVersionFactory(bank=QuestionBankFactory(key="default", name="Default"))


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"FY2027 scoping {n}")
    as_of = dt.date(2026, 11, 26)
    bank_version = factory.LazyFunction(published_default_version)


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    assessment = factory.SubFactory(AssessmentFactory)
    key = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    position = factory.Sequence(lambda n: n * 10)


class SubserviceOrganizationFactory(DjangoModelFactory):
    class Meta:
        model = SubserviceOrganization

    assessment = factory.SubFactory(AssessmentFactory)
    name = factory.Sequence(lambda n: f"Vendor {n}")
    provides = "Infrastructure hosting"
    has_soc_report = SubserviceOrganization.Tristate.YES
    controls_required = SubserviceOrganization.Tristate.YES
    will_participate = SubserviceOrganization.Tristate.NO


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment

    assessment = factory.SubFactory(AssessmentFactory)
    auditor = None
    firm = None
