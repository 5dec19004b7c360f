from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.support import EXAMPLES
from tests.engine.test_examples import check
from tests.engine.test_properties import MUTATIONS, profiles

pytestmark = pytest.mark.django_db

VALID = sorted(p for p in EXAMPLES.glob("*.json") if "expect" in json.loads(p.read_text()))
INVALID = sorted(p for p in EXAMPLES.glob("*.json") if "expect" not in json.loads(p.read_text()))


def scope(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    sys_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        call_command("scope", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stdin = sys_stdin
    return code, out.getvalue(), err.getvalue()


def write_profile(tmp_path: Path, document: object, name: str = "profile.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("example", VALID, ids=lambda p: p.stem)
def test_each_example_scopes_as_expected_through_the_command(example: Path, tmp_path: Path) -> None:
    case = json.loads(example.read_text())
    path = write_profile(tmp_path, case["profile"])

    code, first, err = scope(path)
    _, second, _ = scope(path)

    assert code == 0, err
    assert check(json.loads(first), case["expect"]) == []
    assert first == second


@pytest.mark.parametrize("example", INVALID, ids=lambda p: p.stem)
def test_each_invalid_example_exits_2_with_nothing_on_stdout(example: Path, tmp_path: Path) -> None:
    case = json.loads(example.read_text())

    code, out, err = scope(write_profile(tmp_path, case["profile"]))

    assert code == 2
    assert out == ""
    assert case["stderr_mentions"] in err
    assert all(line.startswith("$.") for line in err.splitlines())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profiles(), st.sampled_from(sorted(MUTATIONS)), st.data())
def test_random_invalid_profiles_exit_2_naming_each_problem_by_its_path(
    doc: dict[str, Any], mutation: str, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(doc["services"]) - 1))
    _, path = MUTATIONS[mutation](doc, index)

    code, out, err = scope("-", stdin=json.dumps(doc))

    assert (code, out) == (2, "")
    assert all(line.startswith("$") for line in err.splitlines())
    assert any(line.startswith(path + ":") for line in err.splitlines()), err


def test_it_reports_malformed_json_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schema": ', encoding="utf-8")

    code, out, err = scope(str(path))

    assert (code, out) == (2, "")
    assert err.startswith("$: not valid JSON")


def test_it_names_an_unknown_bank(tmp_path: Path) -> None:
    case = json.loads(VALID[0].read_text())

    code, out, err = scope(write_profile(tmp_path, case["profile"]), "--bank", "default@999")

    assert (code, out) == (2, "")
    assert err.startswith("--bank:")


def test_it_stamps_the_chosen_published_bank(tmp_path: Path) -> None:
    case = json.loads(VALID[0].read_text())

    code, out, _ = scope(write_profile(tmp_path, case["profile"]), "--bank", "default@1")

    assert code == 0
    bank = json.loads(out)["bank"]
    assert (bank["key"], bank["version"]) == ("default", 1)
    assert bank["checksum"].startswith("sha256:")


def test_it_renders_the_memo_as_pdf_and_html(tmp_path: Path) -> None:
    case = json.loads((EXAMPLES / "payroll-processor.json").read_text())
    pdf, html = tmp_path / "memo.pdf", tmp_path / "memo.html"

    code, out, err = scope(write_profile(tmp_path, case["profile"]), "--pdf", str(pdf), "--html", str(html))

    assert code == 0, err
    assert json.loads(out)["schema"] == "socscope.result/1"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "Example Payroll Co" in html.read_text(encoding="utf-8")


def test_it_refuses_a_document_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")

    code, out, err = scope(str(path))

    assert (code, out) == (2, "")
    assert err.strip() == "$: the document is nested too deeply"
