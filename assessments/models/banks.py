"""Versioned question banks: bank → version → sections → questions → choices, plus rules as data.

A version's content is exactly one `socscope.bank/1` document (docs/bank-format.md); these rows are
its editable form. Published and retired versions are frozen: the model layer refuses changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class FrozenVersionError(PermissionError):
    """Raised when something tries to change a published or retired bank version."""


class QuestionBank(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class BankVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    checksum = models.CharField(max_length=80, blank=True)
    release_notes = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    csoc_templates = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["bank__key", "-number"]
        constraints = [models.UniqueConstraint(fields=["bank", "number"], name="bankversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.bank.key}@{self.number} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        return f"{self.bank.key}@{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class Section(models.Model):
    class Level(models.TextChoices):
        ORGANIZATION = "organization", "Organization (asked once)"
        SERVICE = "service", "Service (asked per service)"

    version = models.ForeignKey(BankVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    level = models.CharField(max_length=20, choices=Level.choices)
    position = models.IntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="section_unique_key")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Type(models.TextChoices):
        YES_NO = "yes_no", "Yes / no"
        YES_NO_UNKNOWN = "yes_no_unknown", "Yes / no / don't know"
        SINGLE = "single", "Single choice"
        MULTI = "multi", "Multiple choice"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        TEXT = "text", "Text"

    version = models.ForeignKey(BankVersion, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=80)
    label = models.CharField(max_length=300)
    help_text = models.TextField(blank=True)
    reference = models.CharField(max_length=200, blank=True, help_text="The standard it rests on, e.g. AT-C 320.")
    type = models.CharField(max_length=20, choices=Type.choices)
    required = models.BooleanField(default=True)
    allow_unknown = models.BooleanField(default=False, help_text='Accept "don\'t know" as an answer.')
    min_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    condition = models.JSONField(null=True, blank=True, help_text="Show only when this condition holds.")
    position = models.IntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "section__position", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="question_unique_key")]

    def __str__(self) -> str:
        return self.key


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(max_length=80)
    label = models.CharField(max_length=200)
    position = models.IntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="choice_unique_key")]

    def __str__(self) -> str:
        return self.label


class Rule(models.Model):
    """One scoping rule as data: a condition over answers, an effect, and the sentence that explains it."""

    class Level(models.TextChoices):
        ORGANIZATION = "organization", "Organization"
        SERVICE = "service", "Service"

    version = models.ForeignKey(BankVersion, on_delete=models.CASCADE, related_name="rules")
    key = models.CharField(max_length=120, help_text="Rule id, cited in every reason it produces.")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.SERVICE)
    when = models.JSONField(help_text="Condition over answers (docs/bank-format.md).")
    requires = models.CharField(
        max_length=20,
        blank=True,
        choices=[("", "—"), ("triggered", "Family triggered"), ("not_triggered", "Family not triggered")],
    )
    effect = models.JSONField()
    explanation = models.CharField(max_length=400)
    position = models.IntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="rule_unique_key")]

    def __str__(self) -> str:
        return self.key


class TscCriterion(models.Model):
    """The 61 Trust Services Criteria by id, with our own short titles (never the AICPA text)."""

    code = models.CharField(max_length=10, unique=True)
    category = models.CharField(max_length=30, db_index=True)
    group = models.CharField(max_length=100)
    short_title = models.CharField(max_length=200)
    coso_principle = models.CharField(max_length=10, blank=True)
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = "TSC criterion"
        verbose_name_plural = "TSC criteria"

    def __str__(self) -> str:
        return f"{self.code} {self.short_title}"
