from __future__ import annotations

import pytest

from assessments.models import BankVersion
from tests.assessments.intake.support import scoping_bank_publish
from tests.conftest import Cast
from tests.security.report import LINES
from tests.security.world import World, world_build


@pytest.fixture
def scoping_bank(db: None) -> BankVersion:
    """The shipped questionnaire with its rules, published as the newest default bank version."""
    return scoping_bank_publish()


@pytest.fixture
def world(scoping_bank: BankVersion, cast: Cast) -> World:
    return world_build(cast, bank_version=scoping_bank)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # In-process runs; under xdist the same lines arrive in the warnings summary instead.
    if LINES:
        terminalreporter.section("security figures")
        for line in LINES:
            terminalreporter.write_line(line)
