"""Three-valued (Kleene) reading of conditions, and which atoms a reason cites."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.engine.conditions import AllOf, AnyOf, Atom, Not, compile_condition

ALLOWS_UNKNOWN = {"yn": True, "months": True, "multi": False, "single": False, "text": False, "day": False}


def evaluate(condition: Any, answers: dict[str, Any]) -> bool | None:
    return compile_condition(condition, ALLOWS_UNKNOWN.__getitem__).test(answers)


def cited(condition: Any, answers: dict[str, Any]) -> list[str]:
    return [f"{atom.q}:{atom.op}" for atom in compile_condition(condition, ALLOWS_UNKNOWN.__getitem__).explain(answers)]


YES = Atom("yn", "is_true")
HAS_A = Atom("multi", "contains", "a")


@pytest.mark.parametrize(
    ("atom", "answer", "expected"),
    [
        (Atom("yn", "is_true"), True, True),
        (Atom("yn", "is_true"), False, False),
        (Atom("yn", "is_false"), False, True),
        (Atom("yn", "eq", True), True, True),
        (Atom("yn", "ne", True), False, True),
        (Atom("single", "eq", "x"), "x", True),
        (Atom("single", "in", ("x", "y")), "y", True),
        (Atom("single", "in", ("x", "y")), "z", False),
        (Atom("multi", "contains", "a"), ("a", "b"), True),
        (Atom("multi", "contains", "a"), ("b",), False),
        (Atom("multi", "contains_any", ("a", "c")), ("b", "c"), True),
        (Atom("multi", "contains_any", ("a", "c")), ("b",), False),
        (Atom("multi", "contains_other_than", ("none",)), ("none",), False),
        (Atom("multi", "contains_other_than", ("none",)), ("none", "a"), True),
        (Atom("multi", "contains_other_than", ("none",)), (), False),
        (Atom("months", "gt", 3), 4, True),
        (Atom("months", "gt", 3), 3, False),
        (Atom("months", "gte", 3), 3, True),
        (Atom("months", "lt", 3), 2.5, True),
        (Atom("months", "lte", 3), 3, True),
        (Atom("day", "lt", "2027-01-01"), "2026-12-31", True),
        (Atom("day", "gte", "2027-01-01"), "2026-12-31", False),
        (Atom("text", "answered"), "", True),
    ],
)
def test_it_reads_each_operator_over_a_plain_answer(atom: Atom, answer: Any, expected: bool) -> None:
    assert evaluate(atom, {atom.q: answer}) is expected


@pytest.mark.parametrize("op", ["is_true", "is_false", "eq", "ne", "gt", "answered", "is_unknown"])
def test_it_reads_every_atom_over_a_missing_answer_as_false(op: str) -> None:
    value = 1 if op == "gt" else (True if op in ("eq", "ne") else None)
    key = "months" if op == "gt" else "yn"
    assert evaluate(Atom(key, op, value), {}) is False


@pytest.mark.parametrize("op", ["is_true", "is_false", "eq", "ne"])
def test_it_reads_an_atom_over_an_unknown_answer_as_unknown(op: str) -> None:
    value = True if op in ("eq", "ne") else None
    assert evaluate(Atom("yn", op, value), {"yn": "unknown"}) is None


def test_it_compares_an_unknown_number_as_unknown() -> None:
    assert evaluate(Atom("months", "gte", 3), {"months": "unknown"}) is None


def test_it_reads_is_unknown_and_answered_plainly_true_over_an_unknown_answer() -> None:
    assert evaluate(Atom("yn", "is_unknown"), {"yn": "unknown"}) is True
    assert evaluate(Atom("yn", "answered"), {"yn": "unknown"}) is True


def test_it_treats_the_text_unknown_as_text_where_unknown_is_not_an_answer() -> None:
    assert evaluate(Atom("text", "eq", "unknown"), {"text": "unknown"}) is True
    assert evaluate(Atom("text", "is_unknown"), {"text": "unknown"}) is False


@pytest.mark.parametrize(
    ("left", "right", "conjunction", "disjunction"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (False, False, False, False),
        (True, None, None, True),
        (False, None, False, None),
        (None, None, None, None),
    ],
)
def test_it_combines_with_kleene_logic(
    left: bool | None, right: bool | None, conjunction: bool | None, disjunction: bool | None
) -> None:
    value = {True: True, False: False, None: "unknown"}
    answers = {"yn": value[left], "months": 5 if right else ("unknown" if right is None else 1)}
    right_atom = Atom("months", "gt", 3)
    assert evaluate(AllOf((YES, right_atom)), answers) is conjunction
    assert evaluate(AnyOf((YES, right_atom)), answers) is disjunction


def test_it_negates_unknown_as_unknown_and_missing_as_true() -> None:
    assert evaluate(Not(YES), {"yn": "unknown"}) is None
    assert evaluate(Not(YES), {}) is True
    assert evaluate(Not(YES), {"yn": True}) is False


def test_it_cites_every_atom_of_a_satisfied_conjunction() -> None:
    condition = AllOf((YES, HAS_A))
    assert cited(condition, {"yn": True, "multi": ("a",)}) == ["yn:is_true", "multi:contains"]


def test_it_cites_only_the_true_parts_of_a_satisfied_disjunction() -> None:
    condition = AnyOf((YES, HAS_A))
    assert cited(condition, {"yn": False, "multi": ("a",)}) == ["multi:contains"]
    assert cited(condition, {"yn": True, "multi": ("a",)}) == ["yn:is_true", "multi:contains"]


def test_it_cites_the_unknown_parts_of_an_unknown_disjunction() -> None:
    condition = AnyOf((YES, HAS_A))
    assert cited(condition, {"yn": "unknown", "multi": ("b",)}) == ["yn:is_true"]


def test_it_cites_the_false_parts_of_a_failed_conjunction() -> None:
    condition = AllOf((YES, HAS_A))
    assert cited(condition, {"yn": True, "multi": ("b",)}) == ["multi:contains"]


def test_it_cites_the_atom_under_a_negation() -> None:
    assert cited(Not(YES), {"yn": False}) == ["yn:is_true"]
