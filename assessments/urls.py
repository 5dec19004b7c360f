from __future__ import annotations

from django.urls import path

from assessments.views import dashboard, review

app_name = "assessments"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("reviews/", review.review_list, name="review_list"),
    path("assessments/<int:pk>/review/", review.review, name="review"),
    path("assessments/<int:pk>/review/transition/", review.transition, name="review_transition"),
    path("assessments/<int:pk>/review/comments/", review.comment_create, name="comment_create"),
    path(
        "assessments/<int:pk>/review/comments/<int:comment_pk>/resolve/",
        review.comment_resolve,
        name="comment_resolve",
    ),
    path("assessments/<int:pk>/review/overrides/", review.override_save, name="override_save"),
    path(
        "assessments/<int:pk>/review/overrides/<int:override_pk>/withdraw/",
        review.override_delete,
        name="override_delete",
    ),
    path("assessments/<int:pk>/auditors/", review.assignments, name="assignments"),
    path(
        "assessments/<int:pk>/auditors/<int:assignment_pk>/remove/",
        review.assignment_delete,
        name="assignment_delete",
    ),
    path("assessments/<int:pk>/audit-log/", review.audit_log, name="audit_log"),
    path("assessments/<int:pk>/audit-log.csv", review.audit_log_csv, name="audit_log_csv"),
    path("assessments/<int:pk>/memos/versions/", review.memo_versions, name="memo_versions"),
    path("assessments/<int:pk>/copy/", review.assessment_copy, name="assessment_copy"),
]
