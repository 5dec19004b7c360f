"""Benchmark of the scoping memo: a memo of about 20 pages, rendered our way and by WeasyPrint alone, then downloaded.

Measures, as medians over interleaved rounds (so a busy machine slows both sides alike):
- our render: the memo context from plain documents, the template, and the PDF in a killed-on-timeout child
  process with the locked URL fetcher (`memo_context_build` + `memo_html` + `memo_pdf`);
- WeasyPrint alone on the same HTML, in-process: `HTML(string=html, url_fetcher=...).write_pdf()`;
- the download of the stored memo through the Django test client (stored bytes, never re-rendered);
- once, `memo_create` end to end (engine, sensitivity, render, storage, audit event);
- once, the same memo with a 100 KB answer without spaces (WeasyPrint alone needs over a minute for such a token;
  the memo template breaks it every 60 characters first).
Target: our overhead stays within 20% of WeasyPrint alone. Wall-clock and CPU time are both reported; the verdict
uses CPU time (this process plus its render children), which neighbours on a shared machine distort far less. On
an idle machine the two agree. The last line is JSON for scripts.

    python bench/memo_bench.py [--rounds N]

Runs on a throw-away test database (SQLite in memory unless DATABASE_URL names another server) and a scratch
media root, with debug off.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import secrets
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_OVERHEAD = 0.20
SERVICES = 1
# Words for text answers: realistic lengths, so the appendix wraps like a real one.
PHRASE = (
    "clients upload approved payroll changes through the portal before each cut-off and operations staff "
    "reconcile the register to the funding file while the platform team reviews access monthly and records "
    "every change ticket with its approval test evidence and deployment date"
)


def setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="socscope-memo-bench-")
    # WhiteNoise warns that collectstatic never ran; the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def text(length: int, seed: int) -> str:
    vocabulary = PHRASE.split()
    words, size, index = [], 0, seed
    while size < length:
        word = vocabulary[index % len(vocabulary)]
        words.append(word)
        size += len(word) + 1
        index += 7
    return (" ".join(words)[: length - 1] + ".").capitalize()


def sample_answer(question: Any, seed: int) -> Any:
    kind = question.type
    if kind in ("yes_no", "yes_no_unknown"):
        return seed % 3 != 0
    if kind == "single":
        return question.choice_keys[seed % len(question.choice_keys)]
    if kind == "multi":
        keys = [key for key in question.choice_keys if key not in ("none", "other")]
        return keys[seed % len(keys) : seed % len(keys) + 2] or keys[:1]
    if kind == "number":
        return 14
    if kind == "date":
        return "2027-03-31"
    return text(min(question.max_length or 2000, 150 + 30 * (seed % 7)), seed)


def answered_assessment() -> Any:
    """An assessment on the shipped default bank: SERVICES services, three vendors, every shown question answered."""
    from assessments.engine import visible_questions
    from assessments.models import Answer, Assessment, Membership, Organization, Service, User
    from assessments.models import SubserviceOrganization as Vendor
    from assessments.selectors.banks import engine_bank, newest_published_version

    version = newest_published_version("default")
    org = Organization.objects.create(name="Acme Payroll Inc.", slug="acme-payroll")
    user = User.objects.create_user(username="bench-manager", full_name="Maria Manager", password=secrets.token_hex())
    Membership.objects.create(user=user, organization=org, role=Membership.Role.MANAGER)
    assessment = Assessment.objects.create(
        organization=org, name="FY2027 SOC scoping", as_of="2026-11-26", bank_version=version, created_by=user
    )
    bank = engine_bank(version)
    org_answers: dict[str, Any] = {}
    for seed, question in enumerate(visible_questions(bank, "organization", org_answers)):
        org_answers[question.key] = sample_answer(question, seed)
    # Answers can reveal follow-up questions; a second pass answers those too.
    for seed, question in enumerate(visible_questions(bank, "organization", org_answers)):
        org_answers.setdefault(question.key, sample_answer(question, seed))
    org_answers.update(controls_operating_months=14, customer_requests=["soc1", "soc2"], client_fye_month="dec")
    rows = [Answer(assessment=assessment, question_key=k, value=v) for k, v in org_answers.items()]
    services = []
    for number in range(SERVICES):
        service = Service.objects.create(
            assessment=assessment, key=f"service-{number}", name=f"Service line {number + 1}", position=number
        )
        services.append(service)
        answers: dict[str, Any] = {}
        for _ in range(2):
            for seed, question in enumerate(visible_questions(bank, "service", org_answers, answers), start=number):
                answers.setdefault(question.key, sample_answer(question, seed))
        rows += [Answer(assessment=assessment, service=service, question_key=k, value=v) for k, v in answers.items()]
    Answer.objects.bulk_create(rows)
    for number, (name, soc, required) in enumerate(
        [("Cloud IaaS Co", "yes", "yes"), ("Print & Mail Ltd", "no", "yes"), ("Office Supplies", "no", "no")]
    ):
        vendor = Vendor.objects.create(
            assessment=assessment,
            name=name,
            provides="Infrastructure hosting" if number == 0 else "Statement printing",
            has_soc_report=soc,
            controls_required=required,
            will_participate="no",
        )
        vendor.services.set(services)
    return assessment, user


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children (the render processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measured(function: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call. CPU time is what a busy machine distorts least."""
    cpu = cpu_seconds()
    wall, _ = timed(function)
    return wall, cpu_seconds() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from pypdf import PdfReader
    from weasyprint import HTML

    from assessments.engine import parse_profile, sensitivity
    from assessments.memo import MemoContext, MemoMeta, memo_context_build, memo_html, memo_pdf
    from assessments.memo.pdf import MEMO_BASE_URL, StaticFileFetcher, static_roots
    from assessments.selectors.banks import engine_bank
    from assessments.selectors.memos import tsc_criteria
    from assessments.services.memos import memo_create

    setup_test_environment()
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        assessment, user = answered_assessment()
        create_seconds, memo = timed(lambda: memo_create(assessment=assessment, actor=user))
        bank = engine_bank(assessment.bank_version)
        profile = parse_profile(bank, memo.profile)
        inputs = {
            "profile": memo.profile,
            "result": memo.result,
            "bank": bank,
            "sensitivity": sensitivity(bank, profile),
            "criteria": tsc_criteria(),
            "overrides": memo.overrides,
            "meta": MemoMeta(assessment=assessment.name, status="Submitted for review", rendered_at=memo.created_at),
        }
        html = memo_html(MemoContext.from_dict(memo.context))

        def ours() -> bytes:
            return memo_pdf(memo_html(memo_context_build(**inputs)))

        def weasyprint_alone() -> bytes:
            return HTML(string=html, base_url=MEMO_BASE_URL, url_fetcher=StaticFileFetcher(static_roots())).write_pdf()

        client = Client()
        client.force_login(user)
        url = reverse("assessments:memo_download", args=[assessment.pk, memo.number])

        def download() -> bytes:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response.content

        ours()
        weasyprint_alone()
        samples: dict[str, list[float]] = {key: [] for key in ("ours", "ours_cpu", "alone", "alone_cpu", "download")}
        for round_number in range(1, rounds + 1):
            wall, cpu = measured(ours)
            samples["ours"].append(wall)
            samples["ours_cpu"].append(cpu)
            wall, cpu = measured(weasyprint_alone)
            samples["alone"].append(wall)
            samples["alone_cpu"].append(cpu)
            seconds, content = timed(download)
            samples["download"].append(seconds)
            assert content == memo.pdf.open("rb").read()
            print(
                f"round {round_number}: ours {samples['ours'][-1]:.2f} s ({samples['ours_cpu'][-1]:.2f} s CPU), "
                f"WeasyPrint alone {samples['alone'][-1]:.2f} s ({samples['alone_cpu'][-1]:.2f} s CPU), "
                f"download {1000 * seconds:.1f} ms",
                flush=True,
            )
        pages = len(PdfReader(io.BytesIO(memo.pdf.open("rb").read())).pages)
        hostile = MemoContext.from_dict(memo.context)
        hostile.appendix[0]["questions"][0]["answer"] = "A" * 100_000
        hostile_seconds, hostile_cpu = measured(lambda: memo_pdf(memo_html(hostile)))
        print(f"memo with a 100 KB token: {hostile_seconds:.2f} s ({hostile_cpu:.2f} s CPU)", flush=True)
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)

    median = {key: statistics.median(values) for key, values in samples.items()}
    overhead_wall = median["ours"] / median["alone"] - 1
    overhead_cpu = median["ours_cpu"] / median["alone_cpu"] - 1
    figures = {
        "pages": pages,
        "pdf_bytes": memo.size,
        "html_bytes": len(html.encode()),
        "rounds": rounds,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "render_seconds": round(median["ours"], 3),
        "weasyprint_alone_seconds": round(median["alone"], 3),
        "overhead_percent": round(100 * overhead_wall, 1),
        "render_cpu_seconds": round(median["ours_cpu"], 3),
        "weasyprint_alone_cpu_seconds": round(median["alone_cpu"], 3),
        "overhead_cpu_percent": round(100 * overhead_cpu, 1),
        "overhead_target_percent": round(100 * TARGET_OVERHEAD),
        "within_target": overhead_cpu <= TARGET_OVERHEAD,
        "download_seconds": round(median["download"], 4),
        "memo_create_seconds": round(create_seconds, 3),
        "hostile_100kb_token_seconds": round(hostile_seconds, 3),
        "hostile_100kb_token_cpu_seconds": round(hostile_cpu, 3),
    }
    print(
        f"{pages}-page memo: ours {median['ours']:.2f} s, WeasyPrint alone {median['alone']:.2f} s "
        f"({100 * overhead_wall:+.1f}% wall); CPU {median['ours_cpu']:.2f} s vs {median['alone_cpu']:.2f} s "
        f"({100 * overhead_cpu:+.1f}%, target <= {100 * TARGET_OVERHEAD:.0f}%); download "
        f"{1000 * figures['download_seconds']:.1f} ms; memo_create {create_seconds:.2f} s; "
        f"1-minute load average {figures['load_average_1min']}"
    )
    print(json.dumps(figures))
    return 0 if figures["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
