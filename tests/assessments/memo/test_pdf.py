"""The locked URL fetcher, hostile input and the render time limit."""

from __future__ import annotations

import base64
import io
import multiprocessing
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from assessments.memo import MemoRenderError, MemoRenderTimeout, memo_html, memo_pdf, pdf_render
from assessments.memo import pdf as pdf_module
from assessments.memo.pdf import PdfRender, StaticFileFetcher, static_roots, static_url
from assessments.templatetags.memo_tags import break_long_tokens
from tests.assessments.memo.support import STATIC_FETCHES, context_for, pdf_pages, profile_document, squashed

STATIC = Path(__file__).resolve().parents[3] / "static"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
MARKER = "socscope-secret-marker-7c1d"


class Hits(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:
        Hits.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    """A loopback HTTP server standing in for internal services: any request to it is SSRF."""
    Hits.paths = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hits)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    (tmp_path / "token.txt").write_text(MARKER, encoding="utf-8")
    (tmp_path / "private.png").write_bytes(PNG)
    return tmp_path


def embedded(pdf: bytes) -> tuple[dict[str, object], int]:
    """(attachments, number of images) in a PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    images = sum(len(page.images) for page in reader.pages)
    annotations = [
        annotation.get_object()
        for page in reader.pages
        for annotation in (page.get("/Annots") or [])
        if annotation.get_object().get("/Subtype") == "/FileAttachment"
    ]
    assert annotations == []
    return dict(reader.attachments), images


def payloads(server: str, secrets: Path) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        f'<img src="file://{secrets}/private.png">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f'<a rel="attachment" href="file://{secrets}/token.txt">token</a>',
        f"<style>@import url(file:///etc/passwd); body {{ background: url({server}/style-url) }}</style>",
        f'<div style="background-image: url(file://{secrets}/private.png)">x</div>',
        f'<p style="color: red; background: url({server}/inline-style)">y</p>',
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="file://{secrets}/private.png"/></svg>',
        f'<img src="{server}/img">',
        '<img src="https://example.com/logo.png">',
        f'<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}">',
        '<link rel="stylesheet" href="data:text/css,body{background:url(file:///etc/passwd)}">',
        '<img src="/static/../../../etc/passwd">',
        f'<img src="{static_url("")}%2e%2e/%2e%2e/etc/passwd">',
        f'<img src="{static_url("")}..%2f..%2fetc/passwd">',
    ]


# ------------------------------------------------------------------------------------------------ fetcher


def test_the_fetcher_resolves_static_files_only() -> None:
    fetcher = StaticFileFetcher(static_roots())
    assert fetcher.resolve(static_url("css/memo.css")) == (STATIC / "css" / "memo.css").resolve()
    assert fetcher.resolve(static_url("fonts/DejaVuSans.ttf?v=1#x")) == (STATIC / "fonts" / "DejaVuSans.ttf").resolve()
    for url in (
        "file:///etc/passwd",
        "file://" + str(STATIC / "css" / "memo.css"),
        "http://127.0.0.1:8000/static/css/memo.css",
        "https://example.com/static/css/memo.css",
        "data:text/css,body{}",
        "data:image/png;base64," + base64.b64encode(PNG).decode(),
        static_url("../socscope/settings.py"),
        static_url("css/../../socscope/settings.py"),
        static_url("%2e%2e/socscope/settings.py"),
        static_url("css/..%2f..%2fsocscope/settings.py"),
        static_url("/etc/passwd"),
        static_url("css\\..\\..\\socscope\\settings.py"),
        static_url("css/memo.css%00.png"),
        static_url("css/"),
        static_url("no/such/file.css"),
        "https://memo.socscope.invalid.example.com/static/css/memo.css",
        "https://memo.socscope.invalid/staticx/css/memo.css",
        "ftp://memo.socscope.invalid/static/css/memo.css",
    ):
        assert fetcher.resolve(url) is None, url


def test_a_refused_url_raises_and_is_recorded() -> None:
    fetcher = StaticFileFetcher(static_roots())
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch("file:///etc/passwd")
    response = fetcher.fetch(static_url("css/memo.css"))
    assert response.read() == (STATIC / "css" / "memo.css").read_bytes()
    assert response.content_type == "text/css"
    assert fetcher.refused == ["file:///etc/passwd"] and fetcher.fetched == [static_url("css/memo.css")]


def test_raw_payloads_are_refused_and_nothing_reaches_the_pdf(server: str, secrets: Path) -> None:
    """Defence in depth: even markup that escaped the template's auto-escaping cannot read files or call out."""
    html = "<!doctype html><html><body><p>Payloads</p>" + "".join(payloads(server, secrets)) + "</body></html>"
    rendered = pdf_render(html)
    assert rendered.fetched == ()
    assert len(rendered.refused) >= 14
    assert any(url.startswith("file:///etc/passwd") for url in rendered.refused)
    assert any(url.startswith(server) for url in rendered.refused)
    assert Hits.paths == []
    attachments, images = embedded(rendered.pdf)
    assert attachments == {} and images == 0
    assert MARKER.encode() not in rendered.pdf and b"root:x:0:0" not in rendered.pdf


# ------------------------------------------------------------------------------------------------ through the memo


def hostile_profile(server: str, secrets: Path) -> dict[str, object]:
    attack = " ".join(payloads(server, secrets))
    doc = profile_document()
    doc["organization"]["name"] = "Acme <b>Payroll</b> " + payloads(server, secrets)[2]
    doc["organization"]["answers"]["operating_locations"] = attack[:2000]
    doc["organization"]["answers"]["known_control_gaps"] = '"><img src=x onerror=alert(1)> ' + attack[:1500]
    doc["services"][0]["name"] = '<link rel="attachment" href="file:///etc/passwd"> Payroll'
    doc["services"][0]["description"] = attack[:2000]
    doc["services"][0]["answers"]["service_software"] = f"<style>@import url({server}/import);</style>"
    doc["services"][1]["answers"]["service_infrastructure"] = f'<img src="{server}/answer">'
    doc["subservice_organizations"][0]["name"] = f'Cloud <img src="{server}/vendor"> Co'
    return doc


def test_hostile_answers_and_names_are_printed_as_text_and_fetch_nothing(server: str, secrets: Path) -> None:
    context = context_for(hostile_profile(server, secrets))
    html = memo_html(context)
    assert '<img src="file:///etc/passwd">' not in html and "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    rendered = pdf_render(html)
    assert set(rendered.fetched) == STATIC_FETCHES
    assert rendered.refused == ()
    assert Hits.paths == []
    attachments, images = embedded(rendered.pdf)
    assert attachments == {} and images == 0
    text = squashed("".join(pdf_pages(rendered.pdf)))
    assert squashed('<link rel="attachment" href="file:///etc/passwd"> Payroll') in text
    assert squashed("Acme <b>Payroll</b>") in text


# ------------------------------------------------------------------------------------------------ hostile size


def test_long_tokens_get_a_break_opportunity_every_sixty_characters() -> None:
    broken = break_long_tokens("short words stay " + "x" * 100_000 + " end")
    assert broken.startswith("short words stay ") and broken.endswith(" end")
    runs = re.findall(r"[^\s\u200b]+", broken)
    assert max(len(run) for run in runs) == 60
    assert broken.replace("\u200b", "") == "short words stay " + "x" * 100_000 + " end"
    assert break_long_tokens("x" * 60) == "x" * 60


def test_a_100_kb_answer_reaches_the_renderer_in_runs_of_at_most_sixty_characters() -> None:
    """Unbroken, such a token alone takes WeasyPrint over a minute (bench/memo_bench.py times the broken one)."""
    context = context_for(profile_document())
    context.appendix[0]["questions"][0]["answer"] = "A" * 100_000
    context.boundaries["organization"][0]["text"] = "B" * 100_000
    html = memo_html(context)
    text = re.sub(r"<[^>]*>", " ", html)
    assert text.count("A") >= 100_000 and text.count("B") >= 100_000
    assert max(len(run) for run in re.findall(r"[^\s\u200b]+", text)) <= 60


def test_a_render_past_the_time_limit_is_killed_with_a_clear_message(settings: pytest.FixtureRequest) -> None:
    slow = "<p style='overflow-wrap: anywhere'>" + "x" * 100_000 + "</p>"  # over a minute if left to finish
    settings.MEMO_RENDER_TIMEOUT_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(MemoRenderTimeout, match=r"longer than 1 seconds.*MEMO_RENDER_TIMEOUT_SECONDS"):
        memo_pdf(slow)
    assert time.monotonic() - started < 30
    assert multiprocessing.active_children() == []


def test_a_renderer_failure_becomes_a_memo_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def __init__(self, **kwargs: object) -> None:
            raise RuntimeError("layout exploded")

    monkeypatch.setattr(pdf_module, "HTML", Broken)
    with pytest.raises(MemoRenderError, match="layout exploded") as caught:
        pdf_render("<p>x</p>")
    assert not isinstance(caught.value, MemoRenderTimeout)


def test_the_pdf_is_rendered_without_presentational_hints() -> None:
    """Attribute-driven styling (a CSS-injection path, CVE-2026-49452) stays off: bgcolor is ignored."""
    rendered: PdfRender = pdf_render('<table bgcolor="red"><tr><td background="file:///etc/passwd">x</td></tr></table>')
    assert rendered.refused == () and rendered.fetched == ()
