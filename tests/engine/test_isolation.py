"""The engine is pure Python: no Django, no clock, no environment."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "assessments" / "engine"


def test_importing_the_engine_loads_no_django_module() -> None:
    code = (
        "import sys; import assessments.engine; "
        "print(sorted(name for name in sys.modules if name == 'django' or name.startswith('django.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ENGINE.parents[1], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_engine_reads_neither_the_clock_nor_the_environment() -> None:
    forbidden_modules = {"django", "os", "time", "random", "socket", "subprocess"}
    forbidden_calls = {"today", "now", "utcnow", "getenv"}
    for path in sorted(ENGINE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {alias.name.split(".")[0] for alias in node.names} & forbidden_modules, path.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert node.module.split(".")[0] not in forbidden_modules, path.name
            elif isinstance(node, ast.Attribute):
                assert node.attr not in forbidden_calls, f"{path.name}: .{node.attr}"
