"""The benchmark's question bank: the shipped default bank grown to 200 questions, in the `socscope.bank/1` format.

Keeping the default sections and rules means the engine scopes with the real decision rules; the generated sections
add the volume and the conditions (docs/bank-format.md) that a large installation's bank has. One service-level
section of 30 questions, most of them conditional, is the page the benchmark opens.
"""

from __future__ import annotations

import random
from typing import Any

BANK_KEY = "bench"
TOTAL_QUESTIONS = 200
SECTION_QUESTIONS = 30
# The measured page: a service-level section, so the number of services is the data that must not change its cost.
MEASURED_SECTION = "bench_service_operations"
# The first question of the organization section; service conditions read it across levels.
ORG_GATE = "bench_org_operations_q00"

HELP_TEXT = (
    "What it means: describe how the service handles this today, not how it should. Example: the team that "
    "owns it, the tool it uses and how often it runs. Why it matters: the auditor tests what actually happens, "
    "so the scope follows the answer."
)
CHOICES = [("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")]
TOOLS = [
    ("ticketing", "Ticketing system"),
    ("ci_cd", "CI/CD pipeline"),
    ("spreadsheet", "Spreadsheet"),
    ("manual", "Manual"),
]
# One question type per slot, cycled: gates first so later questions can depend on them.
TYPE_CYCLE = ["yes_no_unknown", "single", "multi", "number", "text", "yes_no", "date", "text"]


def question_count(doc: dict[str, Any]) -> int:
    return sum(len(section["questions"]) for section in doc["sections"])


def _choices(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"key": key, "label": label, "position": (i + 1) * 10} for i, (key, label) in enumerate(pairs)]


def _condition(index: int, earlier: dict[str, str], outer_gate: str | None) -> dict[str, Any] | None:
    """Two questions in three depend on earlier answers, with every operator shape the page has to evaluate."""
    if index == 0 or index % 3 == 0:
        return None
    gates = [key for key, kind in earlier.items() if kind in ("yes_no_unknown", "yes_no")]
    tristates = [key for key, kind in earlier.items() if kind == "yes_no_unknown"]
    singles = [key for key, kind in earlier.items() if kind == "single"]
    multis = [key for key, kind in earlier.items() if kind == "multi"]
    numbers = [key for key, kind in earlier.items() if kind == "number"]
    atoms: list[dict[str, Any]] = []
    if gates:
        atoms.append({"q": gates[-1], "op": "is_true"})
    if singles:
        atoms.append({"q": singles[-1], "op": "in", "value": ["daily", "weekly", "monthly"]})
    if multis:
        atoms.append({"q": multis[-1], "op": "contains_any", "value": ["ticketing", "ci_cd"]})
    if numbers:
        atoms.append({"q": numbers[-1], "op": "gte", "value": 1})
    if outer_gate is not None and index % 5 == 1:
        atoms.append({"q": outer_gate, "op": "is_true"})
    if not atoms:
        return None
    if index % 4 == 1 or len(atoms) == 1:
        return atoms[index % len(atoms)]
    if index % 4 == 2:
        return {"all": atoms[:2]}
    return {"any": [atoms[0], {"not": {"q": tristates[-1], "op": "is_unknown"}}]}


def _section(key: str, title: str, level: str, size: int, position: int, outer_gate: str | None) -> dict[str, Any]:
    questions = []
    earlier: dict[str, str] = {}
    for i in range(size):
        kind = TYPE_CYCLE[i % len(TYPE_CYCLE)]
        qkey = f"{key}_q{i:02d}"
        choices = _choices(CHOICES if kind == "single" else TOOLS) if kind in ("single", "multi") else []
        questions.append(
            {
                "key": qkey,
                "label": f"{title}: question {i + 1} about how the control is run and evidenced?",
                "help_text": HELP_TEXT,
                "reference": "AICPA SOC 2 Guide; TSC CC7.2",
                "type": kind,
                "required": i % 5 != 4,
                "allow_unknown": kind == "yes_no_unknown",
                "min_value": 0 if kind == "number" else None,
                "max_value": 1000 if kind == "number" else None,
                "max_length": 2000 if kind == "text" else None,
                "position": (i + 1) * 10,
                "condition": _condition(i, earlier, outer_gate),
                "choices": choices,
            }
        )
        earlier[qkey] = kind
    return {
        "key": key,
        "level": level,
        "title": title,
        "description": HELP_TEXT,
        "position": position,
        "questions": questions,
    }


def bench_bank_document() -> dict[str, Any]:
    """The default bank plus generated organization and service sections, exactly TOTAL_QUESTIONS questions."""
    from assessments.banks import shipped_bank_document

    doc = shipped_bank_document()
    doc.update(key=BANK_KEY, name="Benchmark bank (default bank grown to 200 questions)", version=1)
    doc["release_notes"] = "Generated by bench/bank.py."
    position = max((section["position"] for section in doc["sections"]), default=0)
    remaining = TOTAL_QUESTIONS - question_count(doc) - SECTION_QUESTIONS
    plan: list[tuple[str, str, str, int, str | None]] = [
        ("bench_org_operations", "Operations overview", "organization", min(25, remaining), None),
        (MEASURED_SECTION, "Service operations", "service", SECTION_QUESTIONS, ORG_GATE),
    ]
    remaining -= plan[0][3]
    number = 0
    while remaining > 0:
        size = min(25, remaining)
        level = "service" if number % 2 == 0 else "organization"
        key = f"bench_{'svc' if level == 'service' else 'org'}_extra_{number}"
        plan.append((key, f"Additional controls {number + 1}", level, size, ORG_GATE if level == "service" else None))
        remaining -= size
        number += 1
    for key, title, level, size, gate in plan:
        position += 10
        doc["sections"].append(_section(key, title, level, size, position, gate))
    assert question_count(doc) == TOTAL_QUESTIONS, question_count(doc)
    return doc


def answer_value(question: dict[str, Any], rng: random.Random) -> Any:
    """A valid answer for one question, leaning towards answers that show the conditional questions."""
    kind = question["type"]
    keys = [choice["key"] for choice in question["choices"] if choice["key"] != "none"]
    if kind == "yes_no":
        return rng.random() < 0.8
    if kind == "yes_no_unknown":
        return rng.choices([True, False, "unknown"], weights=[7, 2, 1])[0]
    if kind == "single":
        return rng.choice(keys)
    if kind == "multi":
        return sorted(rng.sample(keys, rng.randint(1, min(3, len(keys)))))
    if kind == "number":
        low = int(question["min_value"] or 0)
        high = int(question["max_value"] if question["max_value"] is not None else 1000)
        return rng.randint(max(low, 1), min(high, 60))
    if kind == "date":
        return f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    limit = question["max_length"] or 2000
    return "Run by the operations team in the ticketing system; evidence kept for a year."[:limit]
