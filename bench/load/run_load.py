"""Load test: fresh PostgreSQL, migrate, seed, gunicorn (2 workers) on 127.0.0.1, locust headless, then check
that every answer that got a success response is in the database.

    .venv/bin/python bench/load/run_load.py                  # 50 users, 10/s spawn, 5 minutes
    .venv/bin/python bench/load/run_load.py -u 20 -r 5 -t 1m

Prints requests per second, p50/p95/p99, errors and lost answers, writes bench/load/results.json, and exits
non-zero when any request failed or any acknowledged answer is missing. Loopback addresses only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/socscope_load"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-u", "--users", type=int, default=50, help="concurrent simulated users (default 50)")
    parser.add_argument("-r", "--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("-t", "--run-time", default="5m", help="how long locust runs, e.g. 90s, 5m (default 5m)")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL))
    return parser.parse_args()


def environment(database_url: str) -> dict[str, str]:
    host = urlsplit(database_url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"The load test only runs against a loopback database, not {host!r}.")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "load_settings",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "MEDIA_ROOT": tempfile.mkdtemp(prefix="socscope-load-media-"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(HERE))
    return dict(os.environ)


def locust(port: int, args: argparse.Namespace, work: Path, env: dict[str, str]) -> None:
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        args.run_time,
        "--csv",
        str(work / "locust"),
        "--only-summary",
        "--stop-timeout",
        "30",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def summary(work: Path) -> dict[str, Any]:
    with (work / "locust_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": int(float(row["50%"])),
            "p95_ms": int(float(row["95%"])),
            "p99_ms": int(float(row["99%"])),
        }

    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {
        "total": figures(total),
        "endpoints": {f"{row['Type']} {row['Name']}": figures(row) for row in rows if row["Name"] != "Aggregated"},
    }


def lost_answers(acks: list[dict[str, Any]]) -> list[str]:
    """Acknowledged saves whose value is not what the database holds now (each manager owns their assessment,
    so the last acknowledged value per question must be the stored one)."""
    from assessments.models import Answer

    lost = []
    for ack in acks:
        stored = (
            Answer.objects.filter(
                assessment_id=ack["assessment"], service_id=ack["service"], question_key=ack["question"]
            )
            .values_list("value", flat=True)
            .first()
        )
        if stored != ack["value"]:
            lost.append(
                f"assessment {ack['assessment']} {ack['question']}: acknowledged {ack['value']!r}, stored {stored!r}"
            )
    return lost


def main() -> int:
    args = arguments()
    env = environment(args.database_url)
    from bench.load import gunicorn  # the bench harness's server: 2 sync workers on a free loopback port
    from bench.run import recreate_database

    started = time.monotonic()
    print(f"== fresh database {urlsplit(args.database_url).path.lstrip('/')}", flush=True)
    recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from seed_load import seed

    call_command("migrate", verbosity=0)
    print(f"== seeding {args.users} managers, {args.users} auditors, submitted assessments with memos", flush=True)
    plan = seed(managers=args.users, auditors=args.users)
    connection.close()

    work = Path(tempfile.mkdtemp(prefix="socscope-load-"))
    (work / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    env = {**env, "LOAD_PLAN": str(work / "plan.json"), "LOAD_ACKS": str(work / "acks.json")}
    with gunicorn(env) as port:
        print(
            f"== locust: {args.users} users, {args.spawn_rate}/s, {args.run_time} against 127.0.0.1:{port}", flush=True
        )
        locust(port, args, work, env)

    acks = json.loads((work / "acks.json").read_text(encoding="utf-8"))
    lost = lost_answers(acks)
    result = {
        **summary(work),
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "run_time": args.run_time,
        "gunicorn_workers": 2,
        "acknowledged_saves": sum(ack["saves"] for ack in acks),
        "answers_checked": len(acks),
        "lost_answers": len(lost),
        "seconds": round(time.monotonic() - started),
    }
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    total = result["total"]
    print(
        f"\nrequests {total['requests']}  rps {total['rps']}  p50 {total['p50_ms']} ms  p95 {total['p95_ms']} ms  "
        f"p99 {total['p99_ms']} ms  errors {total['errors']}"
    )
    print(f"acknowledged saves {result['acknowledged_saves']} on {len(acks)} answers; lost answers {len(lost)}")
    for line in lost[:20]:
        print("  LOST", line)
    print(f"wrote {HERE / 'results.json'}")
    return 1 if total["errors"] or lost or not acks else 0


if __name__ == "__main__":
    sys.exit(main())
