"""Detects any change to the database: every row of every table except sessions, before and after a request."""

from __future__ import annotations

from django.apps import apps

# Sessions change on every sign-in and sign-out by design; they are not data a refused request could corrupt.
IGNORED = {"sessions.session"}


def db_snapshot() -> dict[str, tuple[tuple[object, ...], ...]]:
    """Row values per table (row counts, `updated_at` columns and every other value, in one structure)."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in IGNORED or not model._meta.managed:
            continue
        state[label] = tuple(model._base_manager.order_by("pk").values_list())
    return state


def db_changes(before: dict[str, tuple[object, ...]], after: dict[str, tuple[object, ...]]) -> list[str]:
    """The tables that differ, each with how many rows before and after."""
    return [
        f"{label}: {len(before[label])} -> {len(after[label])} rows"
        + ("" if len(before[label]) != len(after[label]) else " (values changed)")
        for label in before
        if before[label] != after[label]
    ]
