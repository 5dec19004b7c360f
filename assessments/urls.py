from __future__ import annotations

from django.urls import path

from assessments.views import dashboard

app_name = "assessments"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
]
