from __future__ import annotations

from django.urls import path

from assessments.views import dashboard, intake, memos, profiles, review

app_name = "assessments"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("assessments/new/", intake.assessment_create, name="assessment_create"),
    path("assessments/import/", profiles.profile_import, name="profile_import"),
    path("assessments/<int:pk>/profile.json", profiles.profile_export, name="profile_export"),
    path("assessments/<int:pk>/", intake.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/submit/", intake.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/result/", intake.result, name="result"),
    path("assessments/<int:pk>/result/why/", intake.result_why, name="result_why"),
    path("assessments/<int:pk>/result/deciding/", intake.result_deciding, name="result_deciding"),
    path("assessments/<int:pk>/services/add/", intake.service_add, name="service_add"),
    path("assessments/<int:pk>/services/<int:service_pk>/edit/", intake.service_edit, name="service_edit"),
    path("assessments/<int:pk>/services/<int:service_pk>/remove/", intake.service_remove, name="service_remove"),
    path("assessments/<int:pk>/subservice-organizations/add/", intake.subservice_add, name="subservice_add"),
    path(
        "assessments/<int:pk>/subservice-organizations/<int:subservice_pk>/edit/",
        intake.subservice_edit,
        name="subservice_edit",
    ),
    path(
        "assessments/<int:pk>/subservice-organizations/<int:subservice_pk>/remove/",
        intake.subservice_remove,
        name="subservice_remove",
    ),
    path("assessments/<int:pk>/questionnaire/", intake.questionnaire, name="questionnaire"),
    path(
        "assessments/<int:pk>/questionnaire/organization/<slug:section_key>/",
        intake.section,
        name="section",
    ),
    path(
        "assessments/<int:pk>/questionnaire/organization/<slug:section_key>/preview/",
        intake.section_preview,
        name="section_preview",
    ),
    path(
        "assessments/<int:pk>/questionnaire/services/<int:service_pk>/<slug:section_key>/",
        intake.section,
        name="service_section",
    ),
    path(
        "assessments/<int:pk>/questionnaire/services/<int:service_pk>/<slug:section_key>/preview/",
        intake.section_preview,
        name="service_section_preview",
    ),
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
    path("assessments/<int:pk>/memos/<int:number>/", memos.memo_detail, name="memo_detail"),
    path("assessments/<int:pk>/memos/<int:number>/download/", memos.memo_download, name="memo_download"),
    path("assessments/<int:pk>/copy/", review.assessment_copy, name="assessment_copy"),
]
