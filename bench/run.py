"""`make bench`: a fresh PostgreSQL database, a realistic installation's data, then every measure against its target.

Targets are ratios against the stack's own ceilings or absolute server times measured in-process, so they hold on
any machine. Prints the table and writes bench/results.json and bench/RESULTS.md. Exits non-zero when something
could not be measured (a target that is missed is reported, not fatal).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/socscope_bench"


def environment() -> dict[str, str]:
    """Production settings (DEBUG off) through the bench overlay; a scratch media root for stored memos."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="socscope-bench-media-")
    return dict(os.environ)


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"Refusing an unusual database name in DATABASE_URL: {name!r}")
    try:
        conn = psycopg2.connect(
            dbname="postgres",
            user=parts.username or "postgres",
            password=parts.password,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
        )
    except psycopg2.OperationalError as exc:
        raise SystemExit(f"PostgreSQL is not reachable at {parts.hostname}:{parts.port}: {exc}") from exc
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def main() -> int:
    env = environment()
    started = time.perf_counter()
    name = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    if "bench" not in name:
        # An exported DATABASE_URL may name someone's working database; only a bench database is ever dropped.
        raise SystemExit(
            f"make bench drops and recreates the database DATABASE_URL names ({name!r}); "
            f"unset DATABASE_URL (default {DEFAULT_DATABASE_URL}) or name a database with 'bench' in it."
        )
    print(f"== fresh database {name}", flush=True)
    recreate_database(env["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import measures, report
    from bench.seed import seed

    call_command("migrate", verbosity=0)
    print("== seeding", flush=True)
    dataset = seed()
    print(f"   {dataset.counts} in {dataset.seconds:.0f} s {dataset.steps}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = f"PostgreSQL {cursor.fetchone()[0]}"

    results: dict[str, Any] = {
        "machine": report.machine(postgres),
        "dataset": {**dataset.counts, "seed_seconds": round(dataset.seconds, 1), "seed_steps": dataset.steps},
    }
    rows: list[report.Row] = []
    failures: list[str] = []
    for measure in measures.ALL:
        print(f"== {measure.title}", flush=True)
        try:
            section, section_rows = measure(dataset, env)
        except Exception as exc:
            traceback.print_exc()
            failures.append(f"{measure.title}: {exc}")
            rows.append(report.Row(measure.title, f"NOT MEASURED: {exc}"[:160]))
            continue
        results[measure.__name__] = section
        rows.extend(section_rows)
        for row in section_rows:
            print(f"   {row.measure}: {row.value}  [{row.target}] {row.verdict.strip('*')}", flush=True)

    results["failures"] = failures
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    report.write(results, rows)
    print()
    print(report.text_table(rows))
    print(f"\nWrote bench/results.json and bench/RESULTS.md in {results['total_seconds']:.0f} s.")
    if failures:
        print("Not measured:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
