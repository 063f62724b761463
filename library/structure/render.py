"""Rendering a region of a PDF page as a PNG (figures and equations shown as images)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from library.errors import UsageError
from library.structure.model import Block


def render_region_png(
    pdf_path: Path | str,
    page: int,
    bbox: tuple[float, float, float, float] | None = None,
    *,
    zoom: float = 2.0,
    margin: float = 4.0,
) -> bytes:
    """PNG bytes of ``bbox`` (PDF points, from the top left) on 1-based ``page``; the whole page if None."""
    from library.structure import mupdf

    pymupdf = mupdf.load()  # ~0.1 s on first import: the MuPDF bindings

    # ~20 ms; the reader imports this module at first paint, renders later
    from library.structure.pdf import open_pdf

    if zoom <= 0 or zoom > 8:
        raise UsageError(f"zoom must be between 0 and 8, not {zoom}")
    doc = open_pdf(Path(pdf_path))
    try:
        if not 1 <= page <= doc.page_count:
            raise UsageError(f"page {page} is outside the document (1-{doc.page_count})")
        pdf_page = doc[page - 1]
        clip = pdf_page.rect
        if bbox is not None:
            x0, y0, x1, y1 = bbox
            clip = pymupdf.Rect(x0 - margin, y0 - margin, x1 + margin, y1 + margin) & pdf_page.rect
            if clip.is_empty:
                raise UsageError(f"region {bbox} is not on page {page}")
        pixmap = pdf_page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=clip, alpha=False)
        return pixmap.tobytes("png")
    finally:
        doc.close()


def render_block_png(
    pdf_path: Path | str, block: Block, blocks: Sequence[Block] = (), *, zoom: float = 2.0
) -> bytes:
    """PNG of the region that shows one block of a PDF's structure (see :func:`block_region`)."""
    return render_region_png(pdf_path, block.page, block_region(block, blocks), zoom=zoom)


def block_region(block: Block, blocks: Sequence[Block] = ()) -> tuple[float, float, float, float]:
    """The region of a page that shows ``block``: its box, and for a caption the figure above it
    too (up to the previous block of ``blocks`` on that page, which are the document's blocks)."""
    if block.bbox is None:
        raise UsageError("this block has no region on a page (it comes from a web page)")
    x0, y0, x1, y1 = block.bbox
    if block.kind != "caption":
        return (x0, y0, x1, y1)
    above = [
        b.bbox
        for b in blocks
        if b.page == block.page and b.bbox is not None and b.bbox[3] <= y0 and b.index < block.index
    ]
    top = max((box[3] for box in above), default=0.0)
    left = min(x0, min((box[0] for box in above), default=0.0))
    return (left, top, x1, y1)
