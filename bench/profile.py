"""`make profile`: where the questionnaire's time goes, after `make bench` has seeded its database.

Profiles (pyinstrument) the 20-service section page and its live preview as their manager, in-process with the
bench settings (DEBUG off), and writes the call trees to bench/PROFILE.txt. The throughput floors in the bench
table say what any signed-in page costs; this says what the questionnaire adds on top.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import environment  # noqa: E402

REQUESTS = 40


def main() -> int:
    results = ROOT / "bench" / "results.json"
    if not results.exists():
        print("Run `make bench` first: the profile uses its database and its results.json.", file=sys.stderr)
        return 1
    section_url = json.loads(results.read_text())["section_page"]["20"]["url"]
    environment()
    import django

    django.setup()
    from django.urls import resolve, reverse
    from pyinstrument import Profiler

    from assessments.models import Assessment, Membership
    from bench.measure import preview_data, signed_in_client

    match = resolve(section_url)
    assessment = Assessment.objects.get(pk=match.kwargs["pk"])
    service = assessment.services.get(pk=match.kwargs["service_pk"])
    section_key = match.kwargs["section_key"]
    manager = Membership.objects.filter(organization=assessment.organization, role=Membership.Role.MANAGER).first()
    client = signed_in_client(manager.user_id)
    preview_url = reverse("assessments:service_section_preview", kwargs=match.kwargs)
    data = preview_data(assessment, service, section_key)

    requests = {
        f"GET {section_url} (section page, 20 services)": lambda: client.get(section_url),
        f"POST {preview_url} (live preview, 20 services)": lambda: client.post(
            preview_url, data, HTTP_HX_REQUEST="true"
        ),
    }
    report = []
    for title, send in requests.items():
        for _ in range(3):
            status = send().status_code
            if status != 200:
                print(f"{title} answered {status}", file=sys.stderr)
                return 1
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(REQUESTS):
                send()
        tree = profiler.output_text(unicode=False, color=False, show_all=False)
        report.append(f"== {title}: {REQUESTS} requests\n{tree}")
        print(report[-1])
    (ROOT / "bench" / "PROFILE.txt").write_text("\n".join(report))
    print("Wrote bench/PROFILE.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
