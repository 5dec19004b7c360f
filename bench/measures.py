"""Each measure: `(dataset, env) -> (results section, table rows)`, in the order the table shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.urls import reverse

from bench.measure import PageTiming, page_timing, query_count, signed_in_client
from bench.report import Row, ms
from bench.seed import ASSESSMENTS, Dataset

Measure = Callable[[Dataset, dict[str, str]], tuple[dict[str, Any], list[Row]]]
ALL: list[Measure] = []

PAGE_MS = 50.0
LIST_MS = 100.0


def measure(title: str) -> Callable[[Measure], Measure]:
    def register(function: Measure) -> Measure:
        function.title = title  # type: ignore[attr-defined]
        ALL.append(function)
        return function

    return register


def _constant(counts: list[int]) -> bool:
    return len(set(counts)) == 1


@measure("Dashboard")
def dashboard(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """The dashboard of a manager (one organization), an auditor (a quarter of all) and a consultant (all 10,000)."""
    url = reverse("assessments:dashboard")
    cases = {
        "manager, 1 organization, page 1": (dataset.manager_id, url),
        "manager, 1 organization, last page": (dataset.manager_id, f"{url}?page=9999"),
        f"auditor, {ASSESSMENTS // 4:,} assigned, page 1": (dataset.auditor_id, url),
        f"consultant, {ASSESSMENTS:,} visible, page 1": (dataset.consultant_id, url),
        f"consultant, {ASSESSMENTS:,} visible, last page": (dataset.consultant_id, f"{url}?page=9999"),
    }
    timings: dict[str, PageTiming] = {}
    for name, (user_id, page_url) in cases.items():
        timings[name] = page_timing(signed_in_client(user_id), page_url, samples=40)
    counts = [t.queries for t in timings.values()]
    rows = [
        Row(
            f"Dashboard p50, {name}",
            f"{ms(t.p50_ms)} (p95 {ms(t.p95_ms)}), {t.queries} queries",
            f"< {LIST_MS:.0f} ms",
            t.p50_ms < LIST_MS,
        )
        for name, t in timings.items()
    ]
    rows.append(
        Row("Dashboard queries, 53 to 10,000 visible", " / ".join(map(str, counts)), "constant", _constant(counts))
    )
    return {name: t.as_dict() for name, t in timings.items()}, rows


def _registered_lists() -> list[tuple[type, admin.ModelAdmin]]:
    """Change lists whose tables grow with the installation: at least as many rows as there are assessments."""
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "assessments" and model._default_manager.count() >= ASSESSMENTS
    ]


@measure("Admin change lists")
def admin_lists(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """Each large change list's server time, and its queries at 10 and at 100 rows a page (equal: none per row)."""
    client = signed_in_client(dataset.admin_id)
    section: dict[str, Any] = {}
    rows = []
    for model, model_admin in _registered_lists():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        timing = page_timing(client, url, samples=30)
        per_page = model_admin.list_per_page
        try:
            model_admin.list_per_page = 10
            small_page = query_count(lambda url=url: client.get(url))
        finally:
            model_admin.list_per_page = per_page
        name = f"{opts.verbose_name_plural} ({model._default_manager.count():,} rows)"
        section[opts.label_lower] = {**timing.as_dict(), "queries_at_10_per_page": small_page}
        rows.append(
            Row(
                f"Admin list p50, {name}",
                f"{ms(timing.p50_ms)} (p95 {ms(timing.p95_ms)})",
                f"< {LIST_MS:.0f} ms",
                timing.p50_ms < LIST_MS,
            )
        )
        rows.append(
            Row(
                f"Admin list queries, {name}",
                f"{small_page} at 10 rows, {timing.queries} at {per_page} rows",
                "constant",
                small_page == timing.queries,
            )
        )
    if not rows:
        raise RuntimeError("no admin change list has as many rows as there are assessments")
    return section, rows
