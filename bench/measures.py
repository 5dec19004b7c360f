"""Each measure: `(dataset, env) -> (results section, table rows)`, in the order the table shows them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from assessments.models import Assessment, Memo, User
from assessments.selectors.access import assessments_visible_to
from bench import load
from bench.bench_urls import EMPTY_PAGE_PATH, SIGNED_IN_PATH, TRIVIAL_PATH
from bench.measure import PageTiming, page_timing, preview_data, query_count, signed_in_client
from bench.report import Row, ms
from bench.seed import Dataset

BENCH_DIR = Path(__file__).resolve().parent
Measure = Callable[[Dataset, dict[str, str]], tuple[dict[str, Any], list[Row]]]
ALL: list[Measure] = []

ENGINE_RATE = 5000
MEMO_OVERHEAD = 1.2
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


@measure("Engine")
def engine(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """bench/engine_bench.py's 100 profiles of 10 services: parse, scope and the result document, fastest of 5."""
    from assessments.engine import parse_profile, scope
    from bench import engine_bench

    bank = engine_bench.default_bank()
    docs = engine_bench.profiles(bank)
    services = sum(len(doc["services"]) for doc in docs)
    wall, cpu = engine_bench.fastest(5, lambda: [scope(bank, parse_profile(bank, doc)).to_dict() for doc in docs])
    rate, cpu_rate = services / wall, services / cpu
    section = {"services": services, "profiles": len(docs), "seconds": wall, "cpu_seconds": cpu, "rate": round(rate)}
    name = f"Engine, services scoped per second ({services:,} services)"
    value = f"{rate:,.0f} (CPU time: {cpu_rate:,.0f})"
    return section, [Row(name, value, f">= {ENGINE_RATE:,}", rate >= ENGINE_RATE)]


def section_url(dataset: Dataset, services: int) -> str:
    assessment_id, service_id = dataset.section_pages[services]
    return reverse(
        "assessments:service_section",
        kwargs={"pk": assessment_id, "service_pk": service_id, "section_key": dataset.section_key},
    )


@measure("Questionnaire section page")
def section_page(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """The 30-question service section of assessments with 1, 10 and 20 services, as their manager."""
    client = signed_in_client(dataset.manager_id)
    timings = {count: page_timing(client, section_url(dataset, count)) for count in sorted(dataset.section_pages)}
    return _per_service_count("Section page", timings, limit_ms=PAGE_MS)


@measure("Live preview")
def live_preview(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """The htmx POST a questionnaire page sends as the manager types: visibility, progress and the result panel
    for every service, so unlike the section page it reads (and scopes) the whole assessment."""
    client = signed_in_client(dataset.manager_id)
    timings = {}
    for count, (assessment_id, service_id) in sorted(dataset.section_pages.items()):
        assessment = Assessment.objects.get(pk=assessment_id)
        data = preview_data(assessment, assessment.services.get(pk=service_id), dataset.section_key)
        url = reverse(
            "assessments:service_section_preview",
            kwargs={"pk": assessment_id, "service_pk": service_id, "section_key": dataset.section_key},
        )
        timings[count] = page_timing(client, url, htmx_post=data, samples=40)
    return _per_service_count("Live preview", timings)


def _per_service_count(
    title: str, timings: dict[int, PageTiming], *, limit_ms: float | None = None
) -> tuple[dict[str, Any], list[Row]]:
    """A row per number of services (against `limit_ms` when the page has a target) and one for query counts."""
    rows = [
        Row(
            f"{title} p50 / p95, {count} service{'s' if count > 1 else ''}",
            f"{ms(t.p50_ms)} / {ms(t.p95_ms)} (CPU p50 {ms(t.cpu_p50_ms)}), {t.bytes // 1024} KiB",
            "" if limit_ms is None else f"p50 < {limit_ms:.0f} ms",
            None if limit_ms is None else t.p50_ms < limit_ms,
        )
        for count, t in timings.items()
    ]
    counts = [t.queries for t in timings.values()]
    rows.append(
        Row(
            f"{title} queries at {', '.join(map(str, timings))} services",
            " / ".join(map(str, counts)),
            "constant",
            _constant(counts),
        )
    )
    return {str(count): t.as_dict() for count, t in timings.items()}, rows


@measure("Dashboard")
def dashboard(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """The dashboard of a manager (one organization), an auditor (a quarter of all) and a consultant (all 10,000)."""
    url = reverse("assessments:dashboard")

    def visible(user_id: int) -> int:
        return assessments_visible_to(User.objects.get(pk=user_id)).count()

    manager, auditor, consultant = (visible(u) for u in (dataset.manager_id, dataset.auditor_id, dataset.consultant_id))
    cases = {
        f"manager, {manager} visible, page 1": (dataset.manager_id, url),
        f"manager, {manager} visible, last page": (dataset.manager_id, f"{url}?page=9999"),
        f"auditor, {auditor:,} assigned, page 1": (dataset.auditor_id, url),
        f"consultant, {consultant:,} visible, page 1": (dataset.consultant_id, url),
        f"consultant, {consultant:,} visible, last page": (dataset.consultant_id, f"{url}?page=9999"),
    }
    timings: dict[str, PageTiming] = {}
    for name, (user_id, page_url) in cases.items():
        timings[name] = page_timing(signed_in_client(user_id), page_url, samples=40)
    counts = [t.queries for t in timings.values()]
    rows = [
        Row(
            f"Dashboard p50, {name}",
            f"{ms(t.p50_ms)} (p95 {ms(t.p95_ms)}, CPU {ms(t.cpu_p50_ms)}), {t.queries} queries",
            f"< {LIST_MS:.0f} ms",
            t.p50_ms < LIST_MS,
        )
        for name, t in timings.items()
    ]
    rows.append(
        Row(
            f"Dashboard queries, {manager} to {consultant:,} visible",
            " / ".join(map(str, counts)),
            "constant",
            _constant(counts),
        )
    )
    return {name: t.as_dict() for name, t in timings.items()}, rows


def _registered_lists() -> list[tuple[type, admin.ModelAdmin]]:
    """Every change list of the app's admin, largest table first."""
    lists = [item for item in admin.site._registry.items() if item[0]._meta.app_label == "assessments"]
    return sorted(lists, key=lambda item: (-item[0]._default_manager.count(), item[0]._meta.label))


@measure("Admin change lists")
def admin_lists(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """Each change list's server time, and its queries at 10 and at its full page of rows (equal: none per row)."""
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
                f"Admin list, {name}",
                f"p50 {ms(timing.p50_ms)} (p95 {ms(timing.p95_ms)}, CPU {ms(timing.cpu_p50_ms)}); "
                f"{small_page} / {timing.queries} queries "
                f"at 10 / {per_page} rows",
                f"p50 < {LIST_MS:.0f} ms; constant",
                timing.p50_ms < LIST_MS and small_page == timing.queries,
            )
        )
    return section, rows


@measure("Review pages")
def review_pages(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """The auditor's review of an assessment with 1 and 20 services, and their list of every assigned one."""
    client = signed_in_client(dataset.auditor_id)
    timings = {
        f"{count} service{'s' if count > 1 else ''}": page_timing(
            client, reverse("assessments:review", args=[pk]), samples=30
        )
        for count, pk in sorted(dataset.review_pages.items())
    }
    counts = [t.queries for t in timings.values()]
    rows = [
        Row(f"Review page p50 / p95, {name}", f"{ms(t.p50_ms)} / {ms(t.p95_ms)} (CPU p50 {ms(t.cpu_p50_ms)})", "", None)
        for name, t in timings.items()
    ]
    rows.append(
        Row("Review page queries, 1 / 20 services", " / ".join(map(str, counts)), "constant", _constant(counts))
    )
    listing = page_timing(client, reverse("assessments:review_list"), samples=30)
    rows.append(
        Row(
            f"Review list p50, auditor of {assessments_visible_to(User.objects.get(pk=dataset.auditor_id)).count():,}",
            f"{ms(listing.p50_ms)} (p95 {ms(listing.p95_ms)}, CPU {ms(listing.cpu_p50_ms)}), {listing.queries} queries",
            f"< {LIST_MS:.0f} ms",
            listing.p50_ms < LIST_MS,
        )
    )
    return {**{name: t.as_dict() for name, t in timings.items()}, "review_list": listing.as_dict()}, rows


@measure("Throughput under gunicorn")
def throughput(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """The 20-service section page against the trivial view, 2 gunicorn workers, one signed-in manager.

    Two floors run in the same rounds: a signed-in view that returns "ok" (session and user read) and the base
    template with no content. Their ratios bound what any page of the app could reach against the trivial view.
    """
    client = signed_in_client(dataset.manager_id)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    busiest = max(dataset.section_pages)
    paths = {
        "trivial": TRIVIAL_PATH,
        "signed_in": SIGNED_IN_PATH,
        "empty_page": EMPTY_PAGE_PATH,
        "questionnaire": section_url(dataset, busiest),
    }
    summary = load.compare(paths, cookie, env=env)
    trivial_rps = summary["trivial"]["rps"]
    ratio = summary["questionnaire"]["rps"] / trivial_rps
    summary["ratio"] = round(ratio, 3)
    generator = summary["generator"]
    rows = [
        Row(
            f"Section page req/s ÷ trivial view req/s ({generator})",
            f"{ratio:.2f} ({summary['questionnaire']['rps']:.0f} / {trivial_rps:.0f} req/s)",
            ">= 0.5",
            ratio >= 0.5,
        )
    ]
    for name, title in (("signed_in", "Floor: signed-in view"), ("empty_page", "Floor: empty page of the app")):
        floor = summary[name]["rps"] / trivial_rps
        summary[f"{name}_ratio"] = round(floor, 3)
        rows.append(Row(f"{title} req/s ÷ trivial view req/s", f"{floor:.2f} ({summary[name]['rps']:.0f} req/s)", ""))
    return summary, rows


@measure("Memo")
def memo(dataset: Dataset, env: dict[str, str]) -> tuple[dict[str, Any], list[Row]]:
    """bench/memo_bench.py's ~20-page memo (ours vs WeasyPrint alone, interleaved), and a stored memo's download
    at 10,000 assessments through the whole stack."""
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / "memo_bench.py"), "--rounds", "5"],
        env=env,
        cwd=BENCH_DIR.parent,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise RuntimeError(f"memo_bench.py printed no figures: {done.stderr[-1500:]}") from exc
    twenty = max(dataset.review_pages)
    stored = Memo.objects.filter(assessment_id=dataset.review_pages[twenty]).order_by("-number").first()
    url = reverse("assessments:memo_download", args=[stored.assessment_id, stored.number])
    download = page_timing(signed_in_client(dataset.auditor_id), url, samples=30)
    render = figures["render_seconds"]
    ratio = render / figures["weasyprint_alone_seconds"]
    speedup = render * 1000 / download.p50_ms
    section = {"memo_bench": figures, "download_at_scale": download.as_dict(), "render_over_weasyprint": ratio}
    return section, [
        Row(
            f"Memo render ÷ WeasyPrint alone ({figures['pages']} pages)",
            f"{ratio:.2f} ({render:.2f} s / {figures['weasyprint_alone_seconds']:.2f} s; CPU time "
            f"{figures['render_cpu_seconds'] / figures['weasyprint_alone_cpu_seconds']:.2f})",
            "<= 1.2",
            ratio <= MEMO_OVERHEAD,
        ),
        Row(
            "Stored memo download vs render",
            f"{speedup:,.0f}x faster ({ms(download.p50_ms)}, {stored.size // 1024} KiB, {download.queries} queries)",
            ">= 50x",
            speedup >= 50,
        ),
    ]
