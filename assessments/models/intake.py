"""What a compliance manager fills in: an assessment, its services, subservice organizations and answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        RESUBMITTED = "resubmitted", "Resubmitted"
        APPROVED = "approved", "Approved"

    EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)

    organization = models.ForeignKey("assessments.Organization", on_delete=models.PROTECT, related_name="assessments")
    name = models.CharField(max_length=200)
    as_of = models.DateField()
    bank_version = models.ForeignKey("assessments.BankVersion", on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    answered_count = models.PositiveIntegerField(
        default=0,
        help_text="Required questions answered: a copy of the questionnaire's progress, kept by the intake "
        "services so lists need not read the answers.",
    )
    required_count = models.PositiveIntegerField(
        default=0,
        help_text="Required questions shown: a copy of the questionnaire's progress, kept by the intake services "
        "so lists need not read the answers.",
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organization", "-updated_at"], name="assessment_org_updated")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


class Service(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="services")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["assessment", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "key"], name="service_unique_key")]

    def __str__(self) -> str:
        return self.name


class SubserviceOrganization(models.Model):
    class Tristate(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNKNOWN = "unknown", "Don't know"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="subservice_organizations")
    name = models.CharField(max_length=200)
    provides = models.CharField("what it provides", max_length=300, blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="subservice_organizations")
    has_soc_report = models.CharField(max_length=10, choices=Tristate.choices, default=Tristate.UNKNOWN)
    controls_required = models.CharField(max_length=10, choices=Tristate.choices, default=Tristate.UNKNOWN)
    will_participate = models.CharField(max_length=10, choices=Tristate.choices, default=Tristate.UNKNOWN)
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["assessment", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    """One answer per (assessment, service or none, question key); JSON value as in the scoping contract."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    question_key = models.CharField(max_length=80)
    value = models.JSONField(null=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question_key"],
                condition=models.Q(service__isnull=True),
                name="answer_unique_org_question",
            ),
            models.UniqueConstraint(
                fields=["assessment", "service", "question_key"],
                condition=models.Q(service__isnull=False),
                name="answer_unique_service_question",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_key}={self.value!r}"


class SectionState(models.Model):
    """Optimistic lock per questionnaire section: a save must name the version it started from."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="section_states")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    section_key = models.CharField(max_length=80)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "section_key"],
                condition=models.Q(service__isnull=True),
                name="sectionstate_unique_org",
            ),
            models.UniqueConstraint(
                fields=["assessment", "service", "section_key"],
                condition=models.Q(service__isnull=False),
                name="sectionstate_unique_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_key} v{self.version}"
