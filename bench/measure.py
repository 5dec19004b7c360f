"""In-process measurements: a page through the whole middleware stack, its server time and its SQL queries."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments.forms import SHOWN_FIELD, section_form
from assessments.models import Assessment, Service, User
from assessments.selectors.intake import ORGANIZATION, SERVICE, section_intake_load


class BenchError(RuntimeError):
    """The harness cannot measure something it must (a page errors, a piece is missing)."""


@dataclass
class PageTiming:
    url: str
    p50_ms: float
    p95_ms: float
    # Python CPU time of the request: what the page costs when the machine is busy with other work.
    cpu_p50_ms: float
    queries: int
    samples: int
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the value below which `fraction` of the samples lie."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def signed_in_client(user_id: int) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client


def query_count(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def preview_data(assessment: Assessment, service: Service | None, section_key: str) -> dict[str, Any]:
    """What a questionnaire page posts to its live preview: every shown question with its saved answer."""
    intake = section_intake_load(assessment, service)
    section = intake.section(section_key, ORGANIZATION if service is None else SERVICE)
    if section is None:
        raise BenchError(f"No section {section_key!r} in the bank of assessment {assessment.pk}")
    form = section_form(
        bank=intake.bank,
        section=section,
        org_answers=intake.org_answers,
        service_answers=None if service is None else intake.answers_for(service),
    )
    data: dict[str, Any] = {key: value for key, value in form.initial.items() if value is not None}
    data[SHOWN_FIELD] = list(form.questions)
    return data


def page_timing(
    client: Client,
    url: str,
    *,
    samples: int = 60,
    warmup: int = 3,
    budget_seconds: float = 20.0,
    htmx_post: dict[str, Any] | None = None,
) -> PageTiming:
    """Median and p95 server time of GET `url`, and the SQL queries of one request (counted apart from the timing).

    Takes `samples` requests, or as many as fit in `budget_seconds` (at least 10), so a slow page ends the run.
    With `htmx_post`, each request is that POST as htmx sends it instead.
    """

    def request() -> Any:
        if htmx_post is None:
            method, response = "GET", client.get(url)
        else:
            method, response = "POST", client.post(url, htmx_post, HTTP_HX_REQUEST="true")
        if response.status_code != 200:
            raise BenchError(f"{method} {url} answered {response.status_code}, expected 200")
        return response

    for _ in range(warmup):
        request()
    times: list[float] = []
    cpu: list[float] = []
    size = 0
    deadline = time.perf_counter() + budget_seconds
    while len(times) < samples and (len(times) < 10 or time.perf_counter() < deadline):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = request()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        size = len(response.content)
    return PageTiming(
        url=url,
        p50_ms=round(statistics.median(times), 2),
        p95_ms=round(percentile(times, 0.95), 2),
        cpu_p50_ms=round(statistics.median(cpu), 2),
        queries=query_count(request),
        samples=len(times),
        bytes=size,
    )
