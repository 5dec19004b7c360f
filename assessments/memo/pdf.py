"""Memo HTML → PDF with WeasyPrint: a locked URL fetcher, no presentational hints, and a hard time limit.

WeasyPrint runs in a forked child process that is killed when `MEMO_RENDER_TIMEOUT_SECONDS` run out, so a
pathological memo fails with `MemoRenderTimeout` instead of holding a web worker. Fork (not spawn) keeps the
cost of a render close to WeasyPrint's own: the child starts with WeasyPrint and Django already imported.
The parent never lays out text itself, so no Pango or fontconfig lock can be held across the fork.
"""

from __future__ import annotations

import logging
import mimetypes
import multiprocessing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint import __version__ as WEASYPRINT_VERSION
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Relative URLs in the memo resolve against this reserved host (RFC 2606 `.invalid` never resolves), and the
# fetcher maps only `<base><STATIC_URL>name` to a file under the static directories. Nothing is ever fetched
# over a network.
MEMO_BASE_URL = "https://memo.socscope.invalid/"
RENDERER = f"WeasyPrint {WEASYPRINT_VERSION}"


class MemoRenderError(RuntimeError):
    """The memo could not be rendered; the message says why in words a user can act on."""


class MemoRenderTimeout(MemoRenderError):
    """The render ran past `MEMO_RENDER_TIMEOUT_SECONDS` and its process was killed."""


def static_roots() -> tuple[Path, ...]:
    """The directories Django's staticfiles finders serve from (our static/ and the apps' static dirs)."""
    roots: list[Path] = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location and Path(location).is_dir():
                roots.append(Path(location).resolve())
    return tuple(dict.fromkeys(roots))


def static_url(name: str) -> str:
    """The URL a memo document uses for one of our static files (unhashed, so no collectstatic is needed)."""
    return urljoin(urljoin(MEMO_BASE_URL, settings.STATIC_URL), name)


class StaticFileFetcher(URLFetcher):
    """Serves only files under the static directories; refuses every other URL (file, http(s), data, ...).

    No protocol handler of the base class is ever reached, so redirects cannot happen either. `fetched` and
    `refused` record what WeasyPrint asked for.
    """

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.roots = roots
        prefix = urlsplit(static_url(""))
        self._origin = (prefix.scheme, prefix.netloc)
        self._path_prefix = prefix.path
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        if path is None:
            self.refused.append(url[:300])
            raise ValueError(f"refused {url[:100]!r}: a memo may only use socscope's own static files")
        self.fetched.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def resolve(self, url: str) -> Path | None:
        """The static file `url` names, or None when it names anything else (or tries to climb out)."""
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin or not parts.path.startswith(self._path_prefix):
            return None
        name = unquote(parts.path[len(self._path_prefix) :])
        if not name or name.startswith("/") or "\\" in name or "\x00" in name or ".." in name.split("/"):
            return None
        for root in self.roots:
            candidate = (root / name).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None


@dataclass(frozen=True)
class PdfRender:
    pdf: bytes
    fetched: tuple[str, ...]
    refused: tuple[str, ...]


def _render_child(sender: Connection, html: str, roots: tuple[Path, ...]) -> None:
    fetcher = StaticFileFetcher(roots)
    try:
        pdf = HTML(string=html, base_url=MEMO_BASE_URL, url_fetcher=fetcher).write_pdf(presentational_hints=False)
        sender.send(("ok", pdf, fetcher.fetched, fetcher.refused))
    except Exception as exc:  # anything WeasyPrint raises becomes one message for the parent
        sender.send(("error", f"{type(exc).__name__}: {exc}", fetcher.fetched, fetcher.refused))
    finally:
        sender.close()


def pdf_render(html: str, *, timeout: float | None = None) -> PdfRender:
    """Render `html` to PDF in a child process; raises MemoRenderTimeout past the limit, MemoRenderError on failure."""
    limit = settings.MEMO_RENDER_TIMEOUT_SECONDS if timeout is None else timeout
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_render_child, args=(sender, html, static_roots()), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(limit):
            raise MemoRenderTimeout(
                f"The memo took longer than {limit:g} seconds to render and was stopped. Shorten the longest "
                "answers and try again, or ask an administrator to raise MEMO_RENDER_TIMEOUT_SECONDS."
            )
        status, payload, fetched, refused = receiver.recv()
    except EOFError as exc:
        raise MemoRenderError("The memo renderer stopped without producing a PDF.") from exc
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if refused:
        logger.warning("Memo render refused %d URL(s), first: %s", len(refused), refused[0])
    if status != "ok":
        raise MemoRenderError(f"The memo could not be rendered ({payload}).")
    return PdfRender(pdf=payload, fetched=tuple(fetched), refused=tuple(refused))


def memo_pdf(html: str) -> bytes:
    """The PDF of a memo document. Its metadata (title, author, subject, dates) comes from the document's head."""
    return pdf_render(html).pdf
