"""Figures the security tests want seen in normal pytest output, not only under `-s`."""

from __future__ import annotations

import os
import warnings

LINES: list[str] = []


class SecurityFigures(UserWarning):
    """Carries a figure out of an xdist worker: workers' warnings reach the controller's summary."""


def report(line: str) -> None:
    print(line)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        warnings.warn(SecurityFigures(line), stacklevel=2)
    else:
        LINES.append(line)
