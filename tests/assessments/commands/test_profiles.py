from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from assessments.models import Assessment, AuditEvent, Organization
from tests.engine.support import EXAMPLES

pytestmark = pytest.mark.django_db


def run(name: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def profile_file(tmp_path: Path, example: str = "payroll-processor") -> tuple[dict, str]:
    profile = json.loads((EXAMPLES / f"{example}.json").read_text())["profile"]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    return profile, str(path)


def test_an_imported_profile_exports_as_the_same_answers(tmp_path: Path, org: Organization, manager: object) -> None:
    profile, path = profile_file(tmp_path)

    code, _, err = run("import_profile", path, "--organization", org.slug, "--as-user", manager.username)
    assessment = Assessment.objects.get(organization=org)
    _, exported, _ = run("export_profile", str(assessment.pk))

    assert code == 0, err
    document = json.loads(exported)
    assert document["as_of"] == profile["as_of"]
    assert [s["key"] for s in document["services"]] == ["payroll"]
    assert document["services"][0]["answers"]["transaction_classes"] == ["payroll", "tax"]
    assert document["organization"]["answers"]["controls_operating_months"] == 30
    assert {s["name"] for s in document["subservice_organizations"]} == {"Cloud IaaS Co", "Office Supplies Ltd"}
    assert AuditEvent.objects.filter(action="assessment.imported", assessment=assessment, actor=manager).exists()


def test_an_invalid_profile_creates_nothing(tmp_path: Path, org: Organization) -> None:
    _, path = profile_file(tmp_path, "invalid-negative-months")
    document = json.loads((EXAMPLES / "invalid-negative-months.json").read_text())["profile"]
    Path(path).write_text(json.dumps(document), encoding="utf-8")

    code, _, err = run("import_profile", path, "--organization", org.slug)

    assert code == 2
    assert "$.organization.answers.controls_operating_months" in err
    assert not Assessment.objects.exists()


def test_it_refuses_an_unknown_organization(tmp_path: Path, db: None) -> None:
    _, path = profile_file(tmp_path)

    code, _, err = run("import_profile", path, "--organization", "nobody")

    assert code == 2
    assert err.startswith("--organization:")
