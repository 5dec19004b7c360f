"""Conditions of the bank format and their three-valued (Kleene) reading.

A compiled condition answers `True`, `False` or `None` (unknown). Callers decide what unknown means:
visibility shows the question, scope-widening rules count as matching. `explain` names the atoms that
decided the outcome so every reason can cite the answers it rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from .contract import UNKNOWN

AnswerValue: TypeAlias = bool | int | float | str | tuple[str, ...]
Answers: TypeAlias = Mapping[str, AnswerValue]
Truth: TypeAlias = bool | None
ConditionValue: TypeAlias = bool | int | float | str | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Atom:
    q: str
    op: str
    value: ConditionValue = None


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


Condition: TypeAlias = Atom | AllOf | AnyOf | Not


@dataclass(frozen=True, slots=True)
class Compiled:
    test: Callable[[Answers], Truth]
    explain: Callable[[Answers], tuple[Atom, ...]]


def atoms(condition: Condition) -> Iterator[Atom]:
    if isinstance(condition, Atom):
        yield condition
    elif isinstance(condition, Not):
        yield from atoms(condition.item)
    else:
        for item in condition.items:
            yield from atoms(item)


def _predicate(op: str, value: ConditionValue) -> Callable[[AnswerValue], bool]:
    if op == "eq":
        return lambda x: x == value
    if op == "ne":
        return lambda x: x != value
    if op == "in":
        options = frozenset(value)  # type: ignore[arg-type]
        return lambda x: x in options
    if op == "contains":
        return lambda x: value in x  # type: ignore[operator]
    if op == "contains_any":
        wanted = frozenset(value)  # type: ignore[arg-type]
        return lambda x: not wanted.isdisjoint(x)  # type: ignore[arg-type]
    if op == "contains_other_than":
        listed = frozenset(value)  # type: ignore[arg-type]
        return lambda x: any(choice not in listed for choice in x)  # type: ignore[union-attr]
    if op == "is_true":
        return lambda x: x is True
    if op == "is_false":
        return lambda x: x is False
    if op == "gt":
        return lambda x: x > value  # type: ignore[operator]
    if op == "gte":
        return lambda x: x >= value  # type: ignore[operator]
    if op == "lt":
        return lambda x: x < value  # type: ignore[operator]
    if op == "lte":
        return lambda x: x <= value  # type: ignore[operator]
    raise ValueError(f"unknown operator {op!r}")


def _compile_atom(atom: Atom, knows_unknown: bool) -> Callable[[Answers], Truth]:
    key = atom.q
    if atom.op == "answered":
        return lambda answers: key in answers
    if atom.op == "is_unknown":
        return lambda answers: knows_unknown and answers.get(key) == UNKNOWN
    predicate = _predicate(atom.op, atom.value)

    def test(answers: Answers) -> Truth:
        answer = answers.get(key)
        # A missing answer reads as the empty answer (no, none, 0): every atom over it is false.
        if answer is None:
            return False
        if knows_unknown and answer == UNKNOWN:
            return None
        return predicate(answer)

    return test


def compile_condition(condition: Condition, knows_unknown: Callable[[str], bool]) -> Compiled:
    """`knows_unknown(key)` says whether the question accepts "unknown", so text answering "unknown" stays text."""
    if isinstance(condition, Atom):
        test = _compile_atom(condition, knows_unknown(condition.q))
        atom = condition
        return Compiled(test, lambda answers: (atom,))
    if isinstance(condition, Not):
        inner = compile_condition(condition.item, knows_unknown)

        def negate(answers: Answers) -> Truth:
            value = inner.test(answers)
            return None if value is None else not value

        return Compiled(negate, inner.explain)
    parts = tuple(compile_condition(item, knows_unknown) for item in condition.items)
    if isinstance(condition, AllOf):
        return Compiled(_all(parts), _explain_group(parts, decisive=False))
    return Compiled(_any(parts), _explain_group(parts, decisive=True))


def _all(parts: tuple[Compiled, ...]) -> Callable[[Answers], Truth]:
    def test(answers: Answers) -> Truth:
        outcome: Truth = True
        for part in parts:
            value = part.test(answers)
            if value is False:
                return False
            if value is None:
                outcome = None
        return outcome

    return test


def _any(parts: tuple[Compiled, ...]) -> Callable[[Answers], Truth]:
    def test(answers: Answers) -> Truth:
        outcome: Truth = False
        for part in parts:
            value = part.test(answers)
            if value is True:
                return True
            if value is None:
                outcome = None
        return outcome

    return test


def _explain_group(parts: tuple[Compiled, ...], decisive: bool) -> Callable[[Answers], tuple[Atom, ...]]:
    """Cite the parts that carry the group's outcome.

    `decisive` is the value that settles the group on its own (True for any, False for all): the parts holding
    it are the reason. An unknown `any` rests on its unknown parts; otherwise every part contributed.
    """

    def explain(answers: Answers) -> tuple[Atom, ...]:
        values = [part.test(answers) for part in parts]
        if decisive in values:
            chosen = [part for part, value in zip(parts, values, strict=True) if value is decisive]
        elif decisive and None in values:
            chosen = [part for part, value in zip(parts, values, strict=True) if value is None]
        else:
            chosen = list(parts)
        cited: list[Atom] = []
        for part in chosen:
            for atom in part.explain(answers):
                if atom not in cited:
                    cited.append(atom)
        return tuple(cited)

    return explain
