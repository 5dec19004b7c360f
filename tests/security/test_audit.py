"""Bandit in the suite, so CI runs it with every `make test` (pip-audit cannot reach its service there)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bandit(*args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("bandit")),
        "-q",
        "-c",
        "pyproject.toml",
        "-r",
        "assessments",
        "socscope",
    ]
    return subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_bandit_finds_nothing_of_medium_or_high_severity() -> None:
    result = bandit("-ll")

    assert result.returncode == 0, result.stdout + result.stderr
