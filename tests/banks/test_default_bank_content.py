"""Content checks for the default question bank (assessments/banks/default.json).

Plain pytest, no Django: the bank file is data, checked against the canonical
question keys of the scoping contract (section 2, as `assessments.engine.contract`
holds them) and the `socscope.bank/1` format (docs/bank-format.md).
"""

import json
from pathlib import Path

import pytest

from assessments.engine.contract import CANONICAL_QUESTIONS, QUESTION_FIELDS, QUESTION_TYPES

BANK_PATH = Path(__file__).resolve().parents[2] / "assessments" / "banks" / "default.json"

SECTION_FIELDS = {"key", "level", "title", "description", "position", "questions"}
ATOM_OPS = {
    "eq",
    "ne",
    "in",
    "contains",
    "contains_any",
    "contains_other_than",
    "is_true",
    "is_false",
    "is_unknown",
    "answered",
    "gt",
    "gte",
    "lt",
    "lte",
}


@pytest.fixture(scope="module")
def raw_text():
    return BANK_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bank(raw_text):
    return json.loads(raw_text)


@pytest.fixture(scope="module")
def questions(bank):
    """Every question with its section's level, in document order."""
    return [(section["level"], q) for section in bank["sections"] for q in section["questions"]]


@pytest.fixture(scope="module")
def by_key(questions):
    return {q["key"]: (level, q) for level, q in questions}


def walk_atoms(cond):
    """Yield every atom of a condition tree."""
    if "all" in cond or "any" in cond:
        (op,) = [k for k in ("all", "any") if k in cond]
        assert isinstance(cond[op], list) and cond[op], f"empty {op}: {cond}"
        for sub in cond[op]:
            yield from walk_atoms(sub)
    elif "not" in cond:
        yield from walk_atoms(cond["not"])
    else:
        yield cond


def test_header(bank):
    assert bank["schema"] == "socscope.bank/1"
    assert bank["key"] == "default"
    assert bank["version"] == 1
    assert isinstance(bank["name"], str) and bank["name"].strip()
    assert isinstance(bank["release_notes"], str) and bank["release_notes"].strip()
    assert bank["sections"]


def test_canonical_format(raw_text, bank):
    assert raw_text == json.dumps(bank, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_sections_and_positions(bank):
    sections = bank["sections"]
    assert len({s["key"] for s in sections}) == len(sections)
    positions = [s["position"] for s in sections]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    levels = [s["level"] for s in sections]
    assert set(levels) == {"organization", "service"}
    # organization sections come before service sections
    assert levels == sorted(levels, key=lambda lv: lv != "organization")
    for s in sections:
        assert set(s) == SECTION_FIELDS, s["key"]
        assert s["title"].strip() and s["description"].strip()
        assert s["questions"], s["key"]
        qpos = [q["position"] for q in s["questions"]]
        assert qpos == sorted(qpos) and len(set(qpos)) == len(qpos), s["key"]


def test_question_keys_unique(questions):
    keys = [q["key"] for _, q in questions]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates


@pytest.mark.parametrize("key", sorted(CANONICAL_QUESTIONS))
def test_canonical_question(by_key, key):
    assert key in by_key, f"canonical question {key} missing"
    level, q = by_key[key]
    want_level, want_type, want_unknown, want_choices = CANONICAL_QUESTIONS[key]
    assert level == want_level
    assert q["type"] == want_type
    assert tuple(c["key"] for c in q["choices"]) == want_choices
    assert q["condition"] is None, "canonical questions are read unconditionally"
    assert q["required"] is (key != "report_needed_by")
    assert q["allow_unknown"] is want_unknown
    if key == "controls_operating_months":
        assert q["min_value"] == 0


def test_every_question_is_documented(questions):
    for _, q in questions:
        assert set(q) == set(QUESTION_FIELDS), q["key"]
        for field in ("label", "help_text", "reference"):
            assert isinstance(q[field], str) and q[field].strip(), f"{q['key']}: {field}"
        assert q["type"] in QUESTION_TYPES, q["key"]
        assert isinstance(q["required"], bool)
        if q["type"] == "yes_no_unknown":
            assert q["allow_unknown"] is True, q["key"]


def test_type_specific_fields(questions):
    for _, q in questions:
        if q["type"] in ("single", "multi"):
            keys = [c["key"] for c in q["choices"]]
            assert keys and len(set(keys)) == len(keys), q["key"]
            pos = [c["position"] for c in q["choices"]]
            assert pos == sorted(pos) and len(set(pos)) == len(pos), q["key"]
            for c in q["choices"]:
                assert set(c) == {"key", "label", "position"}
                assert c["label"].strip()
        else:
            assert q["choices"] == [], q["key"]
        if q["type"] == "text":
            assert isinstance(q["max_length"], int) and q["max_length"] > 0, q["key"]
        else:
            assert q["max_length"] is None, q["key"]
        if q["type"] != "number":
            assert q["min_value"] is None and q["max_value"] is None, q["key"]


def test_conditions_refer_to_existing_questions(questions, by_key):
    conditional = 0
    for level, q in questions:
        if q["condition"] is None:
            continue
        conditional += 1
        for atom in walk_atoms(q["condition"]):
            assert atom["op"] in ATOM_OPS, (q["key"], atom)
            assert atom["q"] in by_key, f"{q['key']}: condition reads unknown {atom['q']}"
            assert atom["q"] != q["key"], f"{q['key']}: condition reads itself"
            ref_level, ref = by_key[atom["q"]]
            if level == "organization":
                assert ref_level == "organization", f"{q['key']} reads a service answer"
            if atom["op"] in ("contains", "contains_any", "contains_other_than", "in"):
                values = atom["value"] if isinstance(atom["value"], list) else [atom["value"]]
                offered = {c["key"] for c in ref["choices"]}
                assert set(values) <= offered, (q["key"], atom)
    assert conditional > 0, "the questionnaire should have conditional questions"


def test_canonical_questions_have_no_condition(questions):
    for _, q in questions:
        if q["key"] in CANONICAL_QUESTIONS:
            assert q["condition"] is None, q["key"]
