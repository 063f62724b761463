"""What a PDF says about itself: page count, and the arXiv stamp printed on its first page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from library.errors import UsageError

STAMP = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)")


@dataclass(frozen=True)
class PdfFacts:
    pages: int
    stamp_id: str | None = None
    stamp_version: str | None = None
    title: str | None = None


class NotAPdf(ValueError):
    pass


def is_pdf(path: Path) -> bool:
    with open(path, "rb") as f:
        return b"%PDF-" in f.read(1024)


def facts(source: Path | bytes) -> PdfFacts:
    """Open a PDF (a path or its bytes) with PyMuPDF: page count, first-page arXiv stamp, title."""
    # PyMuPDF costs ~0.1 s to import; only code that opens PDFs pays it.
    from library.structure import mupdf

    pymupdf = mupdf.load()

    try:
        if isinstance(source, bytes):
            doc = pymupdf.open(stream=source, filetype="pdf")
        else:
            doc = pymupdf.open(source, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises its own error types for damaged files
        raise NotAPdf(f"not a readable PDF: {exc}") from None
    with doc:
        if doc.needs_pass:
            raise NotAPdf("encrypted: it needs a password to open (save an unencrypted copy and try again)")
        if doc.page_count == 0:
            raise NotAPdf("a PDF without pages")
        first = doc[0].get_text() if doc.page_count else ""
        match = STAMP.search(first)
        title = (doc.metadata or {}).get("title") or None
        return PdfFacts(
            pages=doc.page_count,
            stamp_id=match.group(1) if match else None,
            stamp_version=match.group(2) if match else None,
            title=title.strip() if title and title.strip() else None,
        )


def local_facts(path: Path) -> PdfFacts:
    """Facts of a PDF the user pointed at (`attach`, `add PATH`), or a one-line UsageError saying what is wrong."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if not is_pdf(path):
        raise UsageError(f"{path}: not a PDF (no %PDF- header)")
    try:
        return facts(path)
    except NotAPdf as exc:
        raise UsageError(f"{path}: {exc}") from None
