"""The results table: every figure with its target, printed, and written to bench/results.json and bench/RESULTS.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent


@dataclass
class Row:
    measure: str
    value: str
    target: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: ""}[self.met]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).split("[", 1)[0].strip() or "wrk"


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def machine(postgres_version: str) -> dict[str, Any]:
    import django
    import gunicorn

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres_version,
        "gunicorn": gunicorn.__version__,
        "load_generator": _wrk_version() or "python threads (http.client)",
        # Other work on the machine slows every server time; ratios measured side by side hold regardless.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def markdown(rows: list[Row], info: dict[str, Any], dataset: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results (`make bench`)",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB RAM; {info['os']}; "
        f"Python {info['python']}, Django {info['django']}, {info['postgresql']}, gunicorn {info['gunicorn']}, "
        f"load from {info['load_generator']}. Run {info['date']} at commit {info['commit']}, load average "
        f"{info['load_average_at_start'][0]} at the start (other work on the machine inflates wall-clock times; "
        "CPU times and side-by-side ratios are steadier).",
        "",
        f"Dataset: {dataset['assessments']:,} assessments across {dataset['organizations']} organizations, "
        f"{dataset['services']:,} services (1 to 20 per assessment), {dataset['answers']:,} answers "
        f"(all questions of {dataset['answered_assessments']} assessments), a published bank of "
        f"{dataset['bank_questions']} questions ({dataset['bank_conditional_questions']} with conditions).",
        "",
        "| Measure | Value | Target | |",
        "|---|---|---|---|",
        *(f"| {r.measure} | {r.value} | {r.target} | {r.verdict} |" for r in rows),
        "",
    ]
    return "\n".join(lines)


def text_table(rows: list[Row]) -> str:
    widths = [max(len(getattr(r, name)) for r in rows) for name in ("measure", "value", "target")]
    header = f"{'Measure':<{widths[0]}}  {'Value':<{widths[1]}}  {'Target':<{widths[2]}}"
    body = [
        f"{r.measure:<{widths[0]}}  {r.value:<{widths[1]}}  {r.target:<{widths[2]}}  {r.verdict.strip('*')}".rstrip()
        for r in rows
    ]
    return "\n".join([header, "-" * len(header), *body])


README = BENCH_DIR.parent / "README.md"
README_START = "<!-- bench:start (written by make bench) -->"
README_END = "<!-- bench:end -->"


def readme_with_table(readme: str, table: str) -> str:
    """The README with the table between its bench markers replaced; unchanged when the markers are missing."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        return readme
    body = table.split("\n", 2)[2]  # without the page title: the README gives its own heading
    return f"{readme[: start + len(README_START)]}\n{body.strip()}\n{readme[end:]}"


def write(results: dict[str, Any], rows: list[Row]) -> None:
    results["table"] = [{"measure": r.measure, "value": r.value, "target": r.target, "met": r.met} for r in rows]
    table = markdown(rows, results["machine"], results["dataset"])
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    (BENCH_DIR / "RESULTS.md").write_text(table, encoding="utf-8")
    README.write_text(readme_with_table(README.read_text(encoding="utf-8"), table), encoding="utf-8")
