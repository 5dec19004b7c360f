"""Every service function that writes does so in one transaction (ASVS 2.3.3): checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "assessments" / "services"
ORM_WRITES = {"create", "update", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "delete"}
INSTANCE_WRITES = {"save", "delete"}
# Building blocks that run inside their caller's transaction: every service that calls them must be atomic.
INSIDE_CALLERS_TRANSACTION = {"audit.audit_event_record", "review.transition_record"}
# Public functions that write without one transaction of their own, and why that is right.
INDEPENDENT_STEPS = {
    "reference.reference_data_ensure": "two independent loads (TSC catalogue, shipped bank), each atomic on its own, "
    "so a bad shipped bank cannot undo the catalogue",
    "reference.shipped_bank_ensure": "reads, then makes one call to bank_version_import, which is atomic",
}
EXEMPT = INSIDE_CALLERS_TRANSACTION | set(INDEPENDENT_STEPS)


def _is_atomic(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Attribute) and target.attr == "atomic") or (
        isinstance(target, ast.Name) and target.id == "atomic"
    )


def _body_is_one_atomic_block(function: ast.FunctionDef) -> bool:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return (
        len(body) == 1
        and isinstance(body[0], ast.With)
        and any(_is_atomic(item.context_expr) for item in body[0].items)
    )


def _called_names(function: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def _writes_directly(function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, node.func.value
            if method in INSTANCE_WRITES and not isinstance(receiver, ast.Constant):
                return True
            # `Model.objects.create()`, `qs.filter().update()`, `obj.related.create()`; never `a_dict.update()`.
            if method in ORM_WRITES and isinstance(receiver, ast.Attribute | ast.Call):
                return True
    return False


def service_functions() -> dict[str, ast.FunctionDef]:
    functions = {}
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                functions[f"{path.stem}.{node.name}"] = node
    return functions


def writers(functions: dict[str, ast.FunctionDef]) -> set[str]:
    """Functions that write, directly or through another service function (private helpers included)."""
    by_name: dict[str, set[str]] = {}
    for qualified in functions:
        by_name.setdefault(qualified.split(".", 1)[1], set()).add(qualified)
    writing = {name for name, function in functions.items() if _writes_directly(function)}
    changed = True
    while changed:
        changed = False
        for qualified, function in functions.items():
            if qualified in writing:
                continue
            module = qualified.split(".", 1)[0]
            for called in _called_names(function):
                targets = by_name.get(called, set())
                # A private helper only resolves within its own module; public names across modules.
                if called.startswith("_"):
                    targets = {t for t in targets if t.startswith(module + ".")}
                if targets & writing:
                    writing.add(qualified)
                    changed = True
                    break
    return writing


def test_the_check_finds_the_service_functions() -> None:
    functions = service_functions()

    assert "intake.section_answers_save" in functions
    assert "intake.section_answers_save" in writers(functions)


def atomic(function: ast.FunctionDef) -> bool:
    return any(_is_atomic(d) for d in function.decorator_list) or _body_is_one_atomic_block(function)


def test_every_public_service_function_that_writes_is_atomic() -> None:
    functions = service_functions()
    missing = sorted(
        name
        for name in writers(functions)
        if not name.split(".", 1)[1].startswith("_") and name not in EXEMPT and not atomic(functions[name])
    )

    assert not missing, f"decorate these with @transaction.atomic (or exempt them with a reason): {missing}"


def test_building_blocks_are_only_called_from_atomic_services() -> None:
    functions = service_functions()
    blocks = {name.split(".", 1)[1] for name in INSIDE_CALLERS_TRANSACTION}
    callers = {name: sorted(blocks & _called_names(function)) for name, function in functions.items()}
    outside = sorted(
        f"{name} calls {', '.join(called)}"
        for name, called in callers.items()
        if called and not name.split(".", 1)[1].startswith("_") and name not in EXEMPT and not atomic(functions[name])
    )

    assert any(callers.values())
    assert not outside, f"these call a building block outside a transaction: {outside}"


def test_exemptions_name_real_functions() -> None:
    assert set(EXEMPT) <= set(service_functions())


def test_the_write_detector_tells_querysets_from_dicts() -> None:
    source = """
def writes(a):
    Answer.objects.filter(pk=1).update(value=2)
def pure(document):
    document.update({"a": 1})
    seen = set()
    seen.add(1)
"""
    functions = {f"m.{node.name}": node for node in ast.parse(source).body}

    assert writers(functions) == {"m.writes"}
