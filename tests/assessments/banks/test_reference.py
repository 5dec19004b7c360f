"""`migrate` leaves the shipped default bank published, once, through the ordinary import-and-publish path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assessments.models import AuditEvent, BankVersion
from assessments.selectors.banks import bank_document, newest_published_version
from assessments.services import reference
from assessments.services.banks import bank_document_normalize
from assessments.services.reference import reference_data_ensure, shipped_bank_ensure
from tests.assessments.banks.conftest import BANKS, complete_document

pytestmark = pytest.mark.django_db


def test_migrate_leaves_the_shipped_default_bank_published():
    version = newest_published_version("default")
    assert version is not None
    shipped = json.loads((BANKS / "default.json").read_text(encoding="utf-8"))
    assert version.number == shipped["version"]
    # The export writes optional fields the shipped file may leave out (a rule's "requires": null).
    assert bank_document(version) == bank_document_normalize(shipped)[0]


def test_seeding_again_changes_nothing():
    versions, events = BankVersion.objects.count(), AuditEvent.objects.count()
    stderr = io.StringIO()
    reference_data_ensure(stderr=stderr)
    reference_data_ensure(stderr=stderr)
    assert (BankVersion.objects.count(), AuditEvent.objects.count()) == (versions, events)
    assert stderr.getvalue() == ""


def test_a_shipped_bank_is_published_when_its_version_is_new(tmp_path: Path):
    path = tmp_path / "shipped.json"
    path.write_text(json.dumps(complete_document("shipped")), encoding="utf-8")
    version, warnings = shipped_bank_ensure(path)
    assert (version.label, version.status, warnings) == ("shipped@1", BankVersion.Status.PUBLISHED, [])
    assert shipped_bank_ensure(path) == (version, [])


def test_a_changed_shipped_file_with_an_old_version_number_is_reported_not_applied(tmp_path: Path):
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


def test_an_invalid_shipped_bank_is_reported_and_nothing_is_stored(tmp_path: Path, monkeypatch):
    document = complete_document("broken")
    del document["parameters"]["report_weeks"]
    path = tmp_path / "default.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(reference, "DEFAULT_BANK", path)
    stderr = io.StringIO()
    reference_data_ensure(stderr=stderr)
    assert stderr.getvalue().splitlines() == [
        "default.json was not published:",
        "$.parameters.report_weeks: is required",
    ]
    assert not BankVersion.objects.filter(bank__key="broken").exists()
