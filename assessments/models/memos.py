"""Stored scoping memos: rendered once, kept through Django's storage API, never changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Memo(models.Model):
    """One memo version of an assessment, with the frozen inputs that produced it."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", "Submitted for review"
        APPROVAL = "approval", "Approved"

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.PROTECT, related_name="memos")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUBMISSION)
    profile = models.JSONField(help_text="The socscope.profile/1 document frozen at submission.")
    result = models.JSONField(help_text="The socscope.result/1 document the engine returned.")
    overrides = models.JSONField(default=list, blank=True)
    context = models.JSONField(
        default=dict,
        blank=True,
        help_text="Everything the memo shows (socscope.memo/1), so the reading page matches the stored PDF.",
    )
    bank_version = models.ForeignKey("assessments.BankVersion", on_delete=models.PROTECT, related_name="+")
    engine_version = models.CharField(max_length=20)
    renderer = models.CharField(max_length=40, blank=True, help_text="The PDF renderer and its version.")
    pdf = models.FileField(upload_to="memos/%Y/%m/", max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "-number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "number"], name="memo_unique_number")]

    def __str__(self) -> str:
        return f"{self.assessment} memo v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("A stored memo never changes; render a new version instead.")
        super().save(*args, **kwargs)
