"""export_organization / import_organization: a full round trip into an empty installation, and clear refusals."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models

from assessments.models import (
    Answer,
    Assessment,
    AuditEvent,
    Comment,
    Membership,
    Memo,
    Organization,
    Override,
    Transition,
    User,
)
from assessments.services.portability import EXPORTED_MODELS, TABLES
from tests.security.world import World

pytestmark = pytest.mark.django_db


def export(slug: str, path: Path) -> dict[str, Any]:
    call_command("export_organization", slug, str(path), stdout=StringIO())
    return json.loads(path.read_text(encoding="utf-8"))


def empty_installation() -> None:
    """What `migrate` leaves: reference data and question banks, but no organizations, people or their data."""
    for model in (AuditEvent, Memo):
        model._base_manager.all()._raw_delete(model._base_manager.db)
    Assessment.objects.all().delete()
    Membership.objects.all().delete()
    Organization.objects.all().delete()
    User.objects.all().delete()


def memo_digests(slug: str) -> dict[tuple[str, int], str]:
    digests = {}
    for memo in Memo.objects.filter(assessment__organization__slug=slug).select_related("assessment"):
        with memo.pdf.open("rb") as handle:
            digests[(memo.assessment.name, memo.number)] = hashlib.sha256(handle.read()).hexdigest()
    return digests


def test_an_organization_survives_the_round_trip_into_an_empty_installation(world: World, tmp_path: Path) -> None:
    slug = world.mine.org.slug
    before_memos = memo_digests(slug)
    comments = Comment.objects.filter(assessment__organization__slug=slug)
    comment_times = sorted(comments.values_list("created_at", "body"))
    answers = sorted(Answer.objects.filter(assessment__organization__slug=slug).values_list("question_key", "value"))
    document = export(slug, tmp_path / "acme.json")
    empty_installation()
    assert not Organization.objects.exists()

    out = StringIO()
    call_command("import_organization", str(tmp_path / "acme.json"), stdout=out)

    assert f"Imported {slug}" in out.getvalue()
    assert memo_digests(slug) == before_memos
    assert sorted(before_memos.values()) == sorted(Memo.objects.values_list("sha256", flat=True))
    for table in TABLES:
        if table.model is AuditEvent:
            continue
        filter_path = table.organization_path.replace("organization", "organization__slug")
        assert table.model._base_manager.filter(**{filter_path: slug}).count() == len(document[table.key]), table.key
    assert sorted(Comment.objects.values_list("created_at", "body")) == comment_times
    assert sorted(Answer.objects.values_list("question_key", "value")) == answers
    replies = Comment.objects.filter(parent__isnull=False).select_related("parent")
    assert [reply.parent.body for reply in replies] == [world.mine.comment.body]
    assert set(Membership.objects.filter(organization__slug=slug).values_list("user__username", "role")) == {
        (world.cast.manager.username, "manager"),
        (world.cast.colleague.username, "manager"),
        (world.cast.viewer.username, "viewer"),
    }
    auditor = User.objects.get(username=world.cast.auditor.username)
    assert not auditor.has_usable_password()
    submitted = Assessment.objects.get(name=world.mine.review.name)
    assert submitted.assignments.get().auditor == auditor
    assert Membership.objects.get(user=auditor).role == Membership.Role.AUDITOR
    assert list(submitted.subservice_organizations.get().services.values_list("name", flat=True)) == [
        world.mine.review_service.name
    ]
    assert Override.objects.get().reason == world.mine.override.reason
    assert sorted(Transition.objects.values_list("to_status", flat=True)) == ["in_review", "submitted"]
    assert AuditEvent.objects.filter(action="organization.imported").count() == 1


def test_the_export_leaves_out_other_organizations(world: World, tmp_path: Path) -> None:
    document = export(world.mine.org.slug, tmp_path / "acme.json")
    text = json.dumps(document)

    assert world.theirs.draft.name not in text
    assert world.theirs.service.name not in text
    assert world.cast.outsider.username not in text
    assert {row["name"] for row in document["assessments"]} == {world.mine.draft.name, world.mine.review.name}


def test_the_export_records_an_audit_event(world: World, tmp_path: Path) -> None:
    export(world.mine.org.slug, tmp_path / "acme.json")

    assert AuditEvent.objects.filter(action="organization.exported", organization=world.mine.org).exists()


def test_every_model_that_belongs_to_an_organization_is_exported() -> None:
    """A new model hanging off an assessment must be added to the export, or it is lost in a move."""
    owned = {Assessment}
    changed = True
    while changed:
        changed = False
        for model in apps.get_app_config("assessments").get_models():
            links = [f.related_model for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
            if model not in owned and any(link in owned and link is not model for link in links):
                owned.add(model)
                changed = True

    assert owned - EXPORTED_MODELS == set()


def test_importing_over_an_existing_organization_is_refused_and_changes_nothing(world: World, tmp_path: Path) -> None:
    export(world.mine.org.slug, tmp_path / "acme.json")
    assessments = Assessment.objects.count()

    with pytest.raises(CommandError, match="already exists here"):
        call_command("import_organization", str(tmp_path / "acme.json"), stdout=StringIO())

    assert Assessment.objects.count() == assessments


def test_a_broken_row_late_in_the_file_imports_nothing(world: World, tmp_path: Path) -> None:
    document = export(world.mine.org.slug, tmp_path / "acme.json")
    document["audit_events"].append({"id": 10**9, "action": "x", "actor": "nobody-we-know", "organization": None})
    (tmp_path / "broken.json").write_text(json.dumps(document), encoding="utf-8")
    empty_installation()

    with pytest.raises(CommandError, match=r"\$\.audit_events\[\d+\]\.actor: user 'nobody-we-know' is not listed"):
        call_command("import_organization", str(tmp_path / "broken.json"), stdout=StringIO())

    assert not Organization.objects.exists()
    assert not User.objects.exists()
    assert not Memo.objects.exists()


def test_tampered_pdf_bytes_are_refused(world: World, tmp_path: Path) -> None:
    document = export(world.mine.org.slug, tmp_path / "acme.json")
    document["memos"][0]["pdf"]["base64"] = "JVBERi0xLjQKdGFtcGVyZWQK"
    (tmp_path / "tampered.json").write_text(json.dumps(document), encoding="utf-8")
    empty_installation()

    with pytest.raises(CommandError, match=r"\$\.memos\[0\]\.pdf: the file's bytes do not match its SHA-256"):
        call_command("import_organization", str(tmp_path / "tampered.json"), stdout=StringIO())

    assert not Assessment.objects.exists()


def test_a_bank_version_missing_here_is_installed_from_the_export(world: World, tmp_path: Path) -> None:
    document = export(world.mine.org.slug, tmp_path / "acme.json")
    (version,) = document["bank_versions"]
    key = version["document"]["key"]
    version["document"]["version"] = 99
    version["label"], version["checksum"] = f"{key}@99", ""
    for table in ("assessments", "memos"):
        for row in document[table]:
            row["bank_version"] = f"{key}@99"
    (tmp_path / "newer-bank.json").write_text(json.dumps(document), encoding="utf-8")
    empty_installation()

    call_command("import_organization", str(tmp_path / "newer-bank.json"), stdout=StringIO())

    assert {a.bank_version.label for a in Assessment.objects.all()} == {f"{key}@99"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: line 1, column 2"),
        ('{"format": "something-else/1"}', "$.format: expected 'socscope.organization/1'"),
        ("[]", "$: an organization export must be a JSON object"),
    ],
)
def test_a_file_that_is_not_an_export_gets_a_clear_error(tmp_path: Path, content: str, message: str, db: None) -> None:
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_organization", str(path), stdout=StringIO())

    assert message in str(error.value)


def test_exporting_an_unknown_organization_names_the_known_ones(org: Organization, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=f"No organization with slug 'nope'. Known slugs: {org.slug}"):
        call_command("export_organization", "nope", str(tmp_path / "x.json"), stdout=StringIO())

    assert not (tmp_path / "x.json").exists()
