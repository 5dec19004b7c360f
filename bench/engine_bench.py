"""Benchmark of the scoping engine: 100 profiles x 10 services, varied answers.

Times the engine's part of scoping a profile (parse it, scope it, turn the result into JSON-ready data) and
prints services scoped per second; the last line is JSON for scripts. Target: at least 5,000 services/s.
Writing the indented JSON text (`result_json`, the CLI's output) is timed apart: it is the standard library's
pure-Python indenting encoder, not the engine.

    python bench/engine_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessments.banks import shipped_bank_document  # noqa: E402
from assessments.engine import Bank, Question, load_bank, parse_profile, result_json, scope  # noqa: E402

PROFILES = 100
SERVICES_PER_PROFILE = 10


def default_bank() -> Bank:
    """The shipped questionnaire with the default rules, as the bank seeding combines them."""
    return load_bank(shipped_bank_document())


def answer(rng: random.Random, question: Question) -> Any:
    if question.allow_unknown and rng.random() < 0.1:
        return "unknown"
    kind = question.type
    if kind in ("yes_no", "yes_no_unknown"):
        return rng.random() < 0.4
    if kind == "single":
        return rng.choice(question.choice_keys)
    if kind == "multi":
        return rng.sample(question.choice_keys, rng.randint(1, min(3, len(question.choice_keys))))
    if kind == "number":
        return rng.randint(0, 36)
    if kind == "date":
        return f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return f"Answer {rng.randint(1, 999)}"


def answers(rng: random.Random, bank: Bank, level: str) -> dict[str, Any]:
    # Leave some questions unanswered, as real intake does.
    return {q.key: answer(rng, q) for q in bank.questions_at(level) if rng.random() < 0.9}


def profiles(bank: Bank, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    docs = []
    for number in range(PROFILES):
        services = [
            {"key": f"s{index}", "name": f"Service {index}", "answers": answers(rng, bank, "service")}
            for index in range(SERVICES_PER_PROFILE)
        ]
        vendors = [
            {
                "name": f"Vendor {index}",
                "services": [f"s{index}"],
                "has_soc_report": rng.choice([True, False, "unknown"]),
                "controls_required": rng.choice([True, False]),
                "will_participate": rng.choice([True, False]),
            }
            for index in range(rng.randint(0, 3))
        ]
        docs.append(
            {
                "schema": "socscope.profile/1",
                "as_of": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "organization": {"name": f"Org {number}", "answers": answers(rng, bank, "organization")},
                "services": services,
                "subservice_organizations": vendors,
            }
        )
    return docs


def fastest(rounds: int, work: Callable[[], object]) -> tuple[float, float]:
    """Fastest wall-clock and CPU seconds of `rounds` runs (CPU time is steadier on a shared machine)."""
    wall = cpu = float("inf")
    for _ in range(max(1, rounds)):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the fastest counts")
    rounds = parser.parse_args().rounds
    bank = default_bank()
    docs = profiles(bank)
    services = PROFILES * SERVICES_PER_PROFILE
    wall, cpu = fastest(rounds, lambda: [scope(bank, parse_profile(bank, doc)).to_dict() for doc in docs])
    results = [scope(bank, parse_profile(bank, doc)) for doc in docs]
    json_wall, _ = fastest(rounds, lambda: [result_json(result) for result in results])
    print(
        f"{services} services in {PROFILES} profiles, parse + scope + to_dict: {wall * 1000:.1f} ms "
        f"({cpu * 1000:.1f} ms CPU); writing the indented result JSON adds {json_wall * 1000:.1f} ms"
    )
    print(
        json.dumps(
            {
                "engine_services_per_second": round(services / wall),
                "engine_services_per_cpu_second": round(services / cpu),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
