"""Versioned question banks: bank → version → sections → questions → choices, plus rules as data.

A version's content is exactly one `socscope.bank/1` document (docs/bank-format.md); these rows are
its editable form. Published and retired versions are frozen: the model layer refuses changes, through
`save()`, `delete()` and the querysets' `update()`, `delete()` and `bulk_create()`, so no code path (admin,
shell, services) can alter what an issued memo was scoped with.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class FrozenVersionError(PermissionError):
    """Raised when something tries to change a published or retired bank version."""


DRAFT = "draft"
PUBLISHED = "published"
RETIRED = "retired"
FROZEN_STATUSES = (PUBLISHED, RETIRED)
# A version only moves forward: draft → published → retired.
STATUS_MOVES = {DRAFT: {DRAFT, PUBLISHED}, PUBLISHED: {PUBLISHED, RETIRED}, RETIRED: {RETIRED}}


def _refuse_if_frozen(*where: Q) -> None:
    """Raise when any bank version matching one of `where` is published or retired (one query)."""
    if BankVersion.objects.filter(reduce(or_, where)).filter(status__in=FROZEN_STATUSES).exists():
        raise FrozenVersionError("This bank version is published or retired; clone it to a new draft to change it.")


class QuestionBankQuerySet(models.QuerySet["QuestionBank"]):
    def update(self, **kwargs: Any) -> int:
        if {"key", "name"} & kwargs.keys():
            _refuse_if_frozen(Q(bank__in=self.values("pk")))
        return super().update(**kwargs)


class QuestionBank(models.Model):
    """A bank's key and name appear in every version's document, so they are frozen with its first release."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = QuestionBankQuerySet.as_manager()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = QuestionBank.objects.filter(pk=self.pk).values("key", "name").first()
            if stored and (stored["key"], stored["name"]) != (self.key, self.name) and self.has_frozen_versions:
                raise FrozenVersionError("The bank's key and name are part of its published versions.")
        super().save(*args, **kwargs)

    @property
    def has_frozen_versions(self) -> bool:
        return self.pk is not None and self.versions.filter(status__in=FROZEN_STATUSES).exists()


class BankVersionQuerySet(models.QuerySet["BankVersion"]):
    def update(self, **kwargs: Any) -> int:
        if "status" in kwargs:
            raise FrozenVersionError("A version's status changes only through publish and retire.")
        if self.filter(status__in=FROZEN_STATUSES).exists():
            raise FrozenVersionError("Published and retired bank versions cannot be changed.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status__in=FROZEN_STATUSES).exists():
            raise FrozenVersionError("Published and retired bank versions cannot be deleted.")
        return super().delete()

    def frozen(self) -> BankVersionQuerySet:
        return self.filter(status__in=FROZEN_STATUSES)


class BankVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = DRAFT, "Draft"
        PUBLISHED = PUBLISHED, "Published"
        RETIRED = RETIRED, "Retired"

    # All a published version may still change is its retirement.
    RETIREMENT_FIELDS: ClassVar[tuple[str, ...]] = ("retired_at", "retired_by_id")
    CONTENT_FIELDS: ClassVar[tuple[str, ...]] = (
        "bank_id",
        "number",
        "checksum",
        "release_notes",
        "parameters",
        "csoc_templates",
        "created_by_id",
        "created_at",
        "published_at",
        "published_by_id",
        "retired_at",
        "retired_by_id",
    )

    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    checksum = models.CharField(max_length=80, blank=True, help_text="Set on publishing: sha256 of the document.")
    release_notes = models.TextField(blank=True)
    parameters = models.JSONField(
        default=dict, blank=True, help_text="Report type and period thresholds (docs/bank-format.md)."
    )
    csoc_templates = models.JSONField(
        default=list, blank=True, help_text="Sentences with {name} and {service}, listed for each carved-out vendor."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    objects = BankVersionQuerySet.as_manager()

    class Meta:
        ordering = ["bank__key", "-number"]
        constraints = [models.UniqueConstraint(fields=["bank", "number"], name="bankversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.bank.key}@{self.number} ({self.get_status_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            self._check_change()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse_if_frozen(Q(pk=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.bank.key}@{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT

    def _check_change(self) -> None:
        stored = BankVersion.objects.filter(pk=self.pk).values("status", *self.CONTENT_FIELDS).first()
        if stored is None:
            return
        old, new = stored["status"], self.status
        if new not in STATUS_MOVES[old]:
            raise FrozenVersionError(f"A bank version cannot move from {old} to {new}.")
        if old == DRAFT:
            return
        allowed = self.RETIREMENT_FIELDS if (old, new) == (PUBLISHED, RETIRED) else ()
        changed = [name for name in self.CONTENT_FIELDS if name not in allowed and getattr(self, name) != stored[name]]
        if changed:
            raise FrozenVersionError(f"A {old} bank version cannot change ({', '.join(changed)}).")


class VersionContentQuerySet(models.QuerySet):
    """Refuses bulk writes that touch a frozen version's rows, or move rows into one."""

    # Lookup from this model to its BankVersion, and how each parent field names a version.
    version_path: ClassVar[str] = "version"
    parent_lookups: ClassVar[dict[str, str]] = {"version": "pk", "version_id": "pk"}

    def _refuse_for_rows(self) -> None:
        if self.filter(**{f"{self.version_path}__status__in": FROZEN_STATUSES}).exists():
            raise FrozenVersionError("Rows of a published or retired bank version cannot be changed.")

    def _refuse_for_targets(self, values: dict[str, Any]) -> None:
        where = [Q(**{lookup: _pk(values[field])}) for field, lookup in self.parent_lookups.items() if field in values]
        if where:
            _refuse_if_frozen(*where)

    def update(self, **kwargs: Any) -> int:
        self._refuse_for_rows()
        self._refuse_for_targets(kwargs)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_for_rows()
        return super().delete()

    def bulk_create(self, objs: Iterable[models.Model], *args: Any, **kwargs: Any) -> list[models.Model]:
        objs = list(objs)
        for obj in objs:
            obj.refuse_if_frozen()
        return super().bulk_create(objs, *args, **kwargs)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


class SectionQuerySet(VersionContentQuerySet):
    pass


class QuestionQuerySet(VersionContentQuerySet):
    parent_lookups: ClassVar[dict[str, str]] = {
        "version": "pk",
        "version_id": "pk",
        "section": "sections",
        "section_id": "sections",
    }


class ChoiceQuerySet(VersionContentQuerySet):
    version_path: ClassVar[str] = "question__version"
    parent_lookups: ClassVar[dict[str, str]] = {"question": "questions", "question_id": "questions"}


class RuleQuerySet(VersionContentQuerySet):
    pass


class VersionContent(models.Model):
    """A row of a bank version's content: refuses to be saved or deleted while its version is frozen."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self.refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def frozen_lookups(self) -> list[Q]:
        """Versions this row belongs to now (in the database) and would belong to after saving."""
        raise NotImplementedError

    def refuse_if_frozen(self) -> None:
        _refuse_if_frozen(*self.frozen_lookups())


class Section(VersionContent):
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

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="section_unique_key")]

    def __str__(self) -> str:
        return self.title

    def frozen_lookups(self) -> list[Q]:
        lookups = [Q(pk=self.version_id)]
        if self.pk is not None:
            lookups.append(Q(sections=self.pk))
        return lookups


class Question(VersionContent):
    class Type(models.TextChoices):
        YES_NO = "yes_no", "Yes / no"
        YES_NO_UNKNOWN = "yes_no_unknown", "Yes / no / don't know"
        SINGLE = "single", "Single choice"
        MULTI = "multi", "Multiple choice"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        TEXT = "text", "Text"

    CHOICE_TYPES: ClassVar[tuple[str, ...]] = (Type.SINGLE, Type.MULTI)

    # Always the section's version; kept on the row so question keys are unique across the whole version.
    version = models.ForeignKey(BankVersion, on_delete=models.CASCADE, related_name="questions", editable=False)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=80, help_text="Stable key: answers and rules refer to it.")
    label = models.CharField(max_length=300)
    help_text = models.TextField(blank=True)
    reference = models.CharField(
        max_length=200, blank=True, help_text='The standard it rests on, e.g. "AT-C 320" or "TSC A1".'
    )
    type = models.CharField(max_length=20, choices=Type.choices)
    required = models.BooleanField(default=True)
    allow_unknown = models.BooleanField(default=False, help_text='Accept "don\'t know" as an answer.')
    min_value = models.FloatField(null=True, blank=True, help_text="Number questions only.")
    max_value = models.FloatField(null=True, blank=True, help_text="Number questions only.")
    max_length = models.PositiveIntegerField(null=True, blank=True, help_text="Text questions only.")
    condition = models.JSONField(
        null=True, blank=True, help_text="Show only when this condition holds; empty means always shown."
    )
    position = models.IntegerField(default=0)
    history = HistoricalRecords()

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["version", "section__position", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="question_unique_key")]

    def __str__(self) -> str:
        return self.key

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.version_id = self.section.version_id
        super().save(*args, **kwargs)

    def frozen_lookups(self) -> list[Q]:
        lookups = [Q(sections=self.section_id)]
        if self.pk is not None:
            lookups.append(Q(questions=self.pk))
        return lookups


class Choice(VersionContent):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(max_length=80, help_text="Stable key: answers and conditions refer to it.")
    label = models.CharField(max_length=200)
    position = models.IntegerField(default=0)
    history = HistoricalRecords()

    objects = ChoiceQuerySet.as_manager()

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="choice_unique_key")]

    def __str__(self) -> str:
        return self.label

    def frozen_lookups(self) -> list[Q]:
        lookups = [Q(questions=self.question_id)]
        if self.pk is not None:
            lookups.append(Q(questions__choices=self.pk))
        return lookups


class Rule(VersionContent):
    """One scoping rule as data: a condition over answers, an effect, and the sentence that explains it."""

    class Level(models.TextChoices):
        ORGANIZATION = "organization", "Organization"
        SERVICE = "service", "Service"

    class Requires(models.TextChoices):
        ALWAYS = "", "—"
        TRIGGERED = "triggered", "Family triggered"
        NOT_TRIGGERED = "not_triggered", "Family not triggered"

    version = models.ForeignKey(BankVersion, on_delete=models.CASCADE, related_name="rules")
    key = models.CharField("rule id", max_length=120, help_text="Rule id, cited in every reason it produces.")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.SERVICE)
    when = models.JSONField(null=True, blank=True, help_text="Condition over answers (docs/bank-format.md).")
    requires = models.CharField(max_length=20, blank=True, choices=Requires.choices)
    effect = models.JSONField(help_text="What the rule does when its condition holds (docs/bank-format.md).")
    explanation = models.CharField(max_length=400, help_text="One readable sentence, quoted in the reasons.")
    position = models.IntegerField(default=0)
    history = HistoricalRecords()

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="rule_unique_key")]

    def __str__(self) -> str:
        return self.key

    def frozen_lookups(self) -> list[Q]:
        lookups = [Q(pk=self.version_id)]
        if self.pk is not None:
            lookups.append(Q(rules=self.pk))
        return lookups


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
