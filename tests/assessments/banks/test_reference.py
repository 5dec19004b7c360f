"""`migrate` leaves the shipped default bank published, once, through the ordinary import-and-publish path."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from assessments.banks import shipped_bank_document
from assessments.models import AuditEvent, BankVersion, QuestionBank
from assessments.selectors.banks import bank_document, newest_published_version
from assessments.services import reference
from assessments.services.banks import BankValidationError, bank_document_normalize
from assessments.services.reference import reference_data_ensure, shipped_bank_ensure
from tests.assessments.banks.conftest import BANKS, complete_document

pytestmark = pytest.mark.django_db


def test_migrate_leaves_the_shipped_default_bank_published() -> None:
    version = newest_published_version("default")
    assert version is not None
    shipped = json.loads((BANKS / "default.json").read_text(encoding="utf-8"))
    assert version.number == shipped["version"]
    # The export writes optional fields the shipped file may leave out (a rule's "requires": null).
    assert bank_document(version) == bank_document_normalize(shipped)[0]


def test_seeding_again_changes_nothing() -> None:
    versions, events = BankVersion.objects.count(), AuditEvent.objects.count()
    stderr = io.StringIO()
    reference_data_ensure(stderr=stderr)
    reference_data_ensure(stderr=stderr)
    assert (BankVersion.objects.count(), AuditEvent.objects.count()) == (versions, events)
    assert stderr.getvalue() == ""


def test_a_shipped_bank_is_published_when_its_version_is_new(tmp_path: Path) -> None:
    path = tmp_path / "shipped.json"
    path.write_text(json.dumps(complete_document("shipped")), encoding="utf-8")
    version, warnings = shipped_bank_ensure(path)
    assert (version.label, version.status, warnings) == ("shipped@1", BankVersion.Status.PUBLISHED, [])
    assert shipped_bank_ensure(path) == (version, [])


def test_a_changed_shipped_file_with_an_old_version_number_is_reported_not_applied(tmp_path: Path) -> None:
    path = tmp_path / "shipped.json"
    document = complete_document("shipped")
    path.write_text(json.dumps(document), encoding="utf-8")
    version, _ = shipped_bank_ensure(path)
    document["release_notes"] = "Edited without a new version number."
    path.write_text(json.dumps(document), encoding="utf-8")
    again, warnings = shipped_bank_ensure(path)
    assert again == version
    assert warnings == [
        "shipped.json: differs from the published shipped@1, which stays as it is; "
        "give the file a new version number to publish its changes"
    ]
    assert bank_document(version)["release_notes"] != document["release_notes"]


def broken_bank(key: str = "broken", version: int = 1) -> dict[str, Any]:
    """A shipped bank with one shape problem and one the engine finds (a condition on a question that is not there)."""
    document = complete_document(key)
    document["version"] = version
    del document["parameters"]["report_weeks"]
    document["sections"][0]["questions"][1]["condition"] = {"q": "nope", "op": "answered"}
    return document


def shipping(monkeypatch: pytest.MonkeyPatch, document: dict[str, Any]) -> None:
    monkeypatch.setattr(reference, "shipped_bank_document", lambda path=reference.DEFAULT_BANK: copy.deepcopy(document))


def test_a_broken_shipped_bank_stops_migrate_naming_its_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    shipping(monkeypatch, broken_bank())
    versions, events = BankVersion.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError) as raised:
        call_command("migrate", verbosity=0, interactive=False)

    message = str(raised.value)
    assert "default.json is invalid and was not published" in message
    assert "$.parameters.report_weeks: is required" in message
    assert (BankVersion.objects.count(), AuditEvent.objects.count()) == (versions, events)
    assert not QuestionBank.objects.filter(key="broken").exists()


def test_a_bank_only_the_engine_rejects_stops_migrate_and_nothing_is_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    document = broken_bank()
    document["parameters"]["report_weeks"] = complete_document()["parameters"]["report_weeks"]
    shipping(monkeypatch, document)
    events = AuditEvent.objects.count()

    with pytest.raises(BankValidationError, match="unknown question 'nope'"):
        reference_data_ensure(stderr=io.StringIO())

    assert not QuestionBank.objects.filter(key="broken").exists()
    assert AuditEvent.objects.count() == events


def test_a_broken_file_is_caught_even_when_its_version_is_published_already(monkeypatch: pytest.MonkeyPatch) -> None:
    published = newest_published_version("default")
    assert published is not None
    shipping(monkeypatch, broken_bank(key="default", version=published.number))

    with pytest.raises(BankValidationError, match="unknown question 'nope'"):
        reference_data_ensure(stderr=io.StringIO())

    assert newest_published_version("default") == published
    assert bank_document(published) == bank_document_normalize(shipped_bank_document())[0]


def test_a_valid_shipped_bank_lets_migrate_finish_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("migrate", verbosity=0, interactive=False)

    assert capsys.readouterr().err == ""
    assert newest_published_version("default") is not None


def test_a_shipped_bank_may_leave_out_what_has_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    document = complete_document("lean")
    del document["rules"], document["csoc_templates"]
    shipping(monkeypatch, document)

    call_command("migrate", verbosity=0, interactive=False)

    assert newest_published_version("lean") is not None
