"""Auditor review: who is assigned, comment threads, overrides with reasons and workflow transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Assignment(models.Model):
    """An auditor, or a whole audit firm, assigned to review one assessment."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="assignments")
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    firm = models.ForeignKey(
        "assessments.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(auditor__isnull=False) & models.Q(firm__isnull=True))
                | (models.Q(auditor__isnull=True) & models.Q(firm__isnull=False)),
                name="assignment_auditor_xor_firm",
            ),
            models.UniqueConstraint(
                fields=["assessment", "auditor"],
                condition=models.Q(auditor__isnull=False),
                name="assignment_unique_auditor",
            ),
            models.UniqueConstraint(
                fields=["assessment", "firm"],
                condition=models.Q(firm__isnull=False),
                name="assignment_unique_firm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.auditor or self.firm} on {self.assessment_id}"


class Comment(models.Model):
    """A comment on the assessment, a service, or one question's answer; replies point at their parent."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="comments")
    service = models.ForeignKey("assessments.Service", null=True, blank=True, on_delete=models.CASCADE)
    question_key = models.CharField(max_length=80, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=5000)
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["assessment", "resolved"], name="comment_assessment_resolved")]

    def __str__(self) -> str:
        return self.body[:60]


class Override(models.Model):
    """An auditor's decision that differs from the engine's, with the mandatory reason; one per target."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="overrides")
    target = models.CharField(max_length=200, help_text="What is overridden, e.g. services.payroll.soc1.strength.")
    engine_value = models.JSONField(null=True)
    value = models.JSONField(null=True)
    reason = models.TextField(max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "target"], name="override_unique_target")]

    def __str__(self) -> str:
        return f"{self.target}: {self.engine_value!r} → {self.value!r}"


class Transition(models.Model):
    """One workflow step: who moved the assessment from which status to which, when, and why."""

    assessment = models.ForeignKey("assessments.Assessment", on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=30)
    to_status = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
