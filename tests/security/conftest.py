from __future__ import annotations

import pytest

from tests.conftest import Cast
from tests.security.report import LINES
from tests.security.world import World, world_build


@pytest.fixture
def world(cast: Cast) -> World:
    return world_build(cast)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # In-process runs; under xdist the same lines arrive in the warnings summary instead.
    if LINES:
        terminalreporter.section("security figures")
        for line in LINES:
            terminalreporter.write_line(line)
