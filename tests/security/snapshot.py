"""Detects any change to the database, before and after a request.

The tenant's data (assessments and everything hanging off them, people, memberships, the audit log) is compared
value by value; every other table (question bank content, history tables, the admin log) by row count and highest
id, which catches any insert or delete without reading thousands of bank rows per request. Plain SQL, because the
fuzz test takes a snapshot around every one of its ten thousand requests.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import connection

from assessments.services.portability import EXPORTED_MODELS

# Sessions change on every sign-in and sign-out by design; they are not data a refused request could corrupt.
IGNORED = {"sessions.session"}
VALUE_LABELS = {"assessments.user", "assessments.membership", "assessments.organization", "assessments.bankversion"}


@cache
def _queries() -> tuple[list[tuple[str, str]], str]:
    by_value, counted = [], []
    quote = connection.ops.quote_name
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in IGNORED or not model._meta.managed:
            continue
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        if model in EXPORTED_MODELS or label in VALUE_LABELS:
            by_value.append((label, f"SELECT * FROM {table} ORDER BY {pk}"))  # noqa: S608  (our own table names)
        else:
            counted.append(f"SELECT '{label}', COUNT(*), MAX({pk}) FROM {table}")  # noqa: S608
    return by_value, " UNION ALL ".join(counted)


def db_snapshot() -> dict[str, object]:
    by_value, counted = _queries()
    state: dict[str, object] = {}
    with connection.cursor() as cursor:
        for label, sql in by_value:
            cursor.execute(sql)
            state[label] = cursor.fetchall()
        cursor.execute(counted)
        for label, rows, top in cursor.fetchall():
            state[label] = (rows, top)
    return state


def db_changes(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """The tables that differ."""
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
