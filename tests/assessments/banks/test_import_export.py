"""The JSON format of one bank version: export, atomic import, byte-identical round trip, the commands."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from assessments.engine import contract
from assessments.models import AuditEvent, BankVersion, Choice, Question, QuestionBank, Rule, Section
from assessments.selectors.banks import bank_document, bank_document_json, bank_json
from assessments.services.banks import (
    QUESTION_FIELDS,
    REQUIRED,
    BankValidationError,
    bank_document_parse,
    bank_version_import,
)
from tests.assessments.banks.conftest import BANKS, find_question

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (QuestionBank, BankVersion, Section, Question, Choice, Rule)
    }


def write(tmp_path: Path, document: Any, name: str = "bank.json") -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return str(path)


# -------------------------------------------------------------------------------- round trip


def test_export_import_export_is_byte_identical(published, tmp_path):
    code, exported, _ = run("export_question_bank", "acme@1")
    assert code == 0
    document = json.loads(exported)
    document.update(version=5)
    code, out, err = run("import_question_bank", write(tmp_path, json.dumps(document)))
    assert (code, err) == (0, "")
    assert out.strip() == "Imported acme@5 (draft)."
    _, again, _ = run("export_question_bank", "acme@5")
    assert again == bank_document_json({**json.loads(exported), "version": 5})


def test_a_reimported_draft_exports_exactly_as_before(draft, tmp_path):
    exported = bank_json(draft)
    draft.delete()
    code, _, err = run("import_question_bank", write(tmp_path, exported))
    assert (code, err) == (0, "")
    assert bank_json(BankVersion.objects.get(bank__key="acme", number=2)) == exported


def test_the_export_is_the_documented_file_form(published):
    _, exported, _ = run("export_question_bank", "acme")
    assert exported.endswith("}\n") and exported.startswith('{\n  "csoc_templates": [')
    document = json.loads(exported)
    assert document["schema"] == "socscope.bank/1"
    assert list(document) == sorted(document)
    assert "id" not in json.dumps(find_question(document, "prior_reports"))
    positions = [q["position"] for q in document["sections"][0]["questions"]]
    assert positions == sorted(positions)


def test_the_export_defaults_to_the_newest_published_default_bank():
    code, exported, _ = run("export_question_bank")
    assert code == 0
    assert (json.loads(exported)["key"], json.loads(exported)["version"]) == ("default", 1)


def test_exporting_an_unknown_bank_fails_with_a_reason(published):
    code, out, err = run("export_question_bank", "no_such_bank")
    assert (code, out) == (2, "")
    assert err.strip() == "$: Bank 'no_such_bank' has no published version."


def test_a_file_without_rules_or_parameters_imports_as_a_draft():
    document = json.loads((BANKS / "default.json").read_text(encoding="utf-8"))
    for key in ("rules", "parameters", "csoc_templates"):
        document.pop(key, None)
    document["key"] = "bare"
    version = bank_version_import(document=document, actor=None)
    exported = bank_document(version)
    assert (exported["rules"], exported["parameters"], exported["csoc_templates"]) == ([], {}, [])
    assert version.status == BankVersion.Status.DRAFT


def test_import_with_publish_publishes(bank_doc, tmp_path):
    code, out, _ = run("import_question_bank", "--publish", write(tmp_path, bank_doc))
    assert code == 0
    assert "acme@1 (published)" in out
    assert BankVersion.objects.get(bank__key="acme").checksum.startswith("sha256:")
    events = AuditEvent.objects.filter(data__version="acme@1").order_by("id")
    assert list(events.values_list("action", flat=True)) == ["bank.imported", "bank.published"]


# -------------------------------------------------------------------------------- atomic import of broken files


def test_a_broken_file_changes_nothing_and_lists_every_problem_with_its_path(published, bank_doc, tmp_path):
    bank_doc["version"] = 2
    bank_doc["sections"][0]["questions"][0]["type"] = "slider"
    bank_doc["sections"][0]["questions"][1]["colour"] = "blue"
    del bank_doc["sections"][1]["questions"][0]["label"]
    bank_doc["sections"][2]["questions"][0]["required"] = "yes"
    bank_doc["rules"][0]["explanation"] = ""
    before = row_counts()
    code, out, err = run("import_question_bank", write(tmp_path, bank_doc))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "$.sections[0].questions[0].type: must be one of "
        '"yes_no", "yes_no_unknown", "single", "multi", "number", "date", "text"',
        "$.sections[0].questions[1].colour: unknown field",
        "$.sections[1].questions[0].label: is required",
        "$.sections[2].questions[0].required: must be true or false",
        "$.rules[0].explanation: must not be empty",
    ]
    assert row_counts() == before


def test_a_file_the_engine_rejects_leaves_no_draft_behind_when_publishing(bank_doc, tmp_path):
    find_question(bank_doc, "known_control_gaps")["condition"] = {"q": "nothing", "op": "answered"}
    before, events = row_counts(), AuditEvent.objects.count()
    code, _, err = run("import_question_bank", "--publish", write(tmp_path, bank_doc))
    assert code == 2
    assert "condition.q: unknown question 'nothing'" in err
    assert row_counts() == before
    assert AuditEvent.objects.count() == events


def test_an_existing_version_number_is_refused(published, bank_doc, tmp_path):
    before = row_counts()
    code, _, err = run("import_question_bank", write(tmp_path, bank_doc))
    assert code == 2
    assert err.strip() == (
        "$.version: acme@1 already exists; give the file a new version number (the next free one is 2)"
    )
    assert row_counts() == before


def test_a_version_cannot_rename_a_published_bank(published, bank_doc):
    bank_doc.update(version=2, name="Another name")
    with pytest.raises(BankValidationError) as caught:
        bank_version_import(document=bank_doc, actor=None)
    assert caught.value.problems[0].startswith("$.name: bank 'acme' is named 'Acme scoping bank'")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "$: not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        (b"[1, 2]", "$: must be a JSON object"),
        (b'{"x": NaN}', "$: not valid JSON: NaN is not a JSON number"),
        (b"\xff\xfe{}", "$: the file is not UTF-8 text (byte 0)"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content, problem):
    with pytest.raises(BankValidationError) as caught:
        bank_document_parse(content)
    assert caught.value.problems == [problem]


def test_files_over_the_upload_limit_are_refused(settings, bank_doc, tmp_path):
    settings.BANK_UPLOAD_MAX_BYTES = 1000
    code, _, err = run("import_question_bank", write(tmp_path, bank_doc))
    assert code == 2
    assert "bank files may be at most 1000 bytes" in err
    assert not BankVersion.objects.filter(bank__key="acme").exists()


def test_a_missing_file_is_reported(tmp_path):
    code, _, err = run("import_question_bank", str(tmp_path / "absent.json"))
    assert code == 2
    assert err.startswith("$: cannot read")


def test_conditions_nested_beyond_reason_are_refused_before_the_engine_reads_them(bank_doc):
    deep: dict[str, Any] = {"q": "public_report_wanted", "op": "is_true"}
    for _ in range(500):
        deep = {"not": deep}
    find_question(bank_doc, "known_control_gaps")["condition"] = deep
    with pytest.raises(BankValidationError) as caught:
        bank_version_import(document=bank_doc, actor=None, publish=True)
    assert caught.value.problems == ["$.sections[2].questions[3].condition: is nested too deeply (at most 32 levels)"]


def test_the_importer_checks_exactly_the_question_keys_the_engine_reads() -> None:
    assert set(QUESTION_FIELDS) == set(contract.QUESTION_FIELDS)
    assert {key for key, (_, default) in QUESTION_FIELDS.items() if default is REQUIRED} == set(
        contract.QUESTION_REQUIRED_FIELDS
    )
