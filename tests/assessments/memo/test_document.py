"""The memo PDF read back with pypdf: every section, the criteria, page numbers, metadata, every answer."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader

from assessments.memo import MemoContext, memo_html, pdf_render, render_memo_for_profile
from assessments.memo.context import answer_text
from assessments.memo.pdf import PdfRender, static_url
from tests.assessments.memo.support import (
    STATIC_FETCHES,
    context_for,
    criteria_from_csv,
    has_code,
    pdf_pages,
    profile_document,
    scoped,
    squashed,
)
from tests.engine.support import default_bank, default_bank_doc

SECTIONS = [
    "Contents",
    "1 Executive summary",
    "2 Flags and open items",
    "3 Auditor overrides",
    "4 Services and their classification",
    "5 Recommended reports",
    "6 SOC 2: Trust Services Categories and criteria",
    "7 SOC 1: control objective areas",
    "8 System boundaries",
    "9 Subservice organizations",
    "10 Complementary user entity controls",
    "11 Timeline",
    "12 Sign-off",
    "Appendix A: Questions and answers",
]
SELECTED = ("security", "availability", "processing_integrity", "confidentiality")


@pytest.fixture(scope="module")
def context() -> MemoContext:
    return context_for(profile_document())


@pytest.fixture(scope="module")
def rendered(context: MemoContext) -> PdfRender:
    return pdf_render(memo_html(context))


@pytest.fixture(scope="module")
def pages(rendered: PdfRender) -> list[str]:
    return pdf_pages(rendered.pdf)


@pytest.fixture(scope="module")
def text(pages: list[str]) -> str:
    return "\n".join(pages)


def test_it_has_every_section_in_the_pdf(text: str) -> None:
    missing = [title for title in SECTIONS if squashed(title) not in squashed(text)]
    assert missing == []


def test_the_cover_names_the_engagement_and_its_inputs(pages: list[str], context: MemoContext) -> None:
    cover = squashed(pages[0])
    for value in (
        "Acme Payroll Inc.",
        "FY2027 SOC scoping",
        "26 November 2026",
        "default@",
        context.cover["bank_checksum"],
        context.cover["input_checksum"],
        "Engine version",
        "Submitted for review",
        "Version 3",
    ):
        assert squashed(value) in cover, value


def test_the_executive_summary_lists_each_report_with_type_and_period(pages: list[str]) -> None:
    summary = squashed(next(page for page in pages if "1 Executive summary" in page and "Contents" not in page))
    assert squashed("SOC 1 Type 2 1 November 2025 to 31 October 2026") in summary
    assert squashed("SOC 2 Type 2 1 May 2026 to 31 October 2026") in summary
    assert summary.count("Restricteduse") == 2


def test_it_lists_the_criteria_of_selected_categories_and_none_of_the_others(text: str) -> None:
    criteria = criteria_from_csv()
    selected = [c["code"] for c in criteria if c["category"] in SELECTED]
    left_out = [c["code"] for c in criteria if c["category"] not in SELECTED]
    assert len(selected) == 43 and len(left_out) == 18
    assert [code for code in selected if not has_code(text, code)] == []
    assert [code for code in left_out if has_code(text, code)] == []


def test_every_page_says_page_x_of_y_and_carries_the_running_header(pages: list[str]) -> None:
    total = len(pages)
    assert total >= 15
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page
        if number > 1:
            assert "Acme Payroll Inc." in page and "Scoping memo · Version 3" in page


def test_the_contents_point_at_the_pages_the_sections_start_on(pages: list[str]) -> None:
    contents = pages[1]
    for title in SECTIONS[1:]:
        match = re.search(rf"{re.escape(title)}\s*\.+\s*(\d+)", contents)
        assert match, f"no page number for {title!r}"
        number = int(match[1])
        assert squashed(title) in squashed(pages[number - 1]), f"{title!r} is not on page {number}"


def test_every_shown_answer_is_in_the_appendix(text: str, context: MemoContext) -> None:
    appendix = squashed(text[text.rindex("Appendix A: Questions and answers") :])
    answers = [qa for group in context.appendix for qa in group["questions"]]
    assert len(answers) >= 50
    missing = [qa["label"] for qa in answers if squashed(qa["label"] + qa["answer"]) not in appendix]
    assert missing == []


def test_the_appendix_shows_answers_as_a_person_reads_them(text: str) -> None:
    appendix = squashed(text[text.rindex("Appendix A: Questions and answers") :])
    bank = default_bank()
    assert squashed(answer_text(bank.questions["client_fye_month"], "dec")) in appendix
    assert squashed("Don't know") in appendix
    assert "Prudent&PartnersLLP" in appendix


def test_reports_carry_bridge_letter_distribution_and_standard(text: str) -> None:
    flat = squashed(text)
    assert squashed("Bridge-letter window 1 November 2026 to 31 December 2026") in flat
    assert squashed("General use") not in flat
    assert squashed("SSAE 18, as amended (AT-C 105, AT-C 205, AT-C 320); also ISAE 3402") in flat
    assert squashed("Answers that would change these conclusions") in flat


def test_flags_and_open_items_are_up_front(pages: list[str]) -> None:
    flags_page = next(index for index, page in enumerate(pages) if "2 Flags and open items" in page and index > 1)
    assert flags_page <= 3
    page = squashed(pages[flags_page])
    assert "Openitems" in page and "Don'tknow" in page
    assert squashed("SOC 1 requested without ICFR relevance") in page


def test_boundaries_show_locations_infrastructure_and_the_vendor_treatment(text: str) -> None:
    flat = squashed(text)
    for value in (
        "Head office in Austin, Texas; support centre in Leeds, United Kingdom.",
        "Public cloud",
        "Cloud regions us-east-1 and eu-west-2 (backups).",
        "Payroll register, tax filing summary and general-ledger journal export.",
        "Method: Carve-out",
        "Complementary subservice organization controls assumed",
    ):
        assert squashed(value) in flat, value


def test_the_timeline_and_sign_off_are_there(text: str) -> None:
    flat = squashed(text)
    assert squashed("Observation window") in flat and squashed("Expected report") in flat
    assert squashed("Prepared by Name Maria Manager Date 26 November 2026") in flat
    assert squashed("Management owner (asserting party) Maria Manager, Chief Operating Officer") in flat


def test_the_pdf_has_title_author_subject_and_dates(rendered: PdfRender) -> None:
    info = PdfReader(io.BytesIO(rendered.pdf)).metadata
    assert info.title == "SOC scoping memo: Acme Payroll Inc., FY2027 SOC scoping (Version 3)"
    assert info.author == "Maria Manager"
    assert info.subject.startswith("Scoping of SOC reports as of 26 November 2026: SOC 1 Type 2; SOC 2 Type 2")
    assert info["/Keywords"] == "SOC scoping, SOC 1, SOC 2"
    assert info["/CreationDate"].startswith("D:20261126143000") and info["/ModDate"] == info["/CreationDate"]


def test_it_embeds_only_the_fonts_shipped_in_static(rendered: PdfRender) -> None:
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    # Embedded fonts carry the @font-face family names, so none came from the fonts installed on the machine.
    assert fonts == {"Memo-Sans", "Memo-Sans-Bold", "Memo-Sans-Italic", "Memo-Serif-Bold"}
    assert set(rendered.fetched) == STATIC_FETCHES
    assert rendered.refused == ()


def test_the_context_round_trips_through_json(context: MemoContext) -> None:
    stored = json.loads(json.dumps(context.to_dict()))
    assert MemoContext.from_dict(stored) == context
    assert memo_html(MemoContext.from_dict(stored)) == memo_html(context)


def test_overrides_read_the_engine_recommended_x_the_auditor_decided_y() -> None:
    overrides = [
        {
            "target": "reports.soc2.type",
            "engine_value": "type2",
            "value": "type1",
            "reason": "The first customer deadline is in February",
            "author": "Ada Auditor",
            "created_at": "2026-12-01T10:00:00+00:00",
        }
    ]
    html = memo_html(context_for(profile_document(), overrides=overrides))
    assert "SOC 2 report · type: the engine recommended Type 2; the auditor decided Type 1 because" in html
    assert "Ada Auditor, 1 December 2026" in html
    assert "SOC 2 Type 1" in html
    assert "No overrides" not in html


def test_a_memo_without_overrides_says_so() -> None:
    assert "No overrides: every conclusion in this memo is the engine's." in memo_html(context_for(profile_document()))


def test_the_stylesheet_is_linked_from_the_memo_base_and_nowhere_else(context: MemoContext) -> None:
    html = memo_html(context)
    assert f'<link rel="stylesheet" href="{static_url("css/memo.css")}">' in html
    assert html.count("<link") == 1 and "<script" not in html and "style=" not in html


@pytest.mark.django_db
def test_render_memo_for_profile_needs_no_assessment() -> None:
    """What `manage.py scope --pdf --html` calls: plain documents in, (HTML, PDF) out, criteria from the catalogue."""
    profile, result, sensitivity = scoped(profile_document())
    html, pdf = render_memo_for_profile(profile, result, default_bank_doc(), sensitivity)
    text = "\n".join(pdf_pages(pdf))
    assert "Preview (not stored)" in html and "Preview, not stored" in text
    assert "<title>SOC scoping memo: Acme Payroll Inc., Scoping preview (preview)</title>" in html
    assert has_code(text, "CC6.1") and not has_code(text, "P1.1")
    html_only, no_pdf = render_memo_for_profile(profile, result, default_bank_doc(), sensitivity, with_pdf=False)
    assert no_pdf is None and "Appendix A: Questions and answers" in html_only
