"""Data types for a document's structure. Pages are 1-based; positions are PDF points from the top.

These are the contract between extraction (``library.structure.pdf`` / ``html``), the index
(passages are split along sections and blocks) and the reader (blocks are rendered).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

import msgspec


class Boxed(Protocol):
    """Anything laid out on a page: a glyph, a span, a row."""

    @property
    def x0(self) -> float: ...
    @property
    def y0(self) -> float: ...
    @property
    def x1(self) -> float: ...
    @property
    def y1(self) -> float: ...


def box_around(items: Iterable[Boxed]) -> tuple[float, float, float, float]:
    """The box around some glyphs, spans or rows (one pass, not four: it runs for every block)."""
    it = iter(items)
    first = next(it)
    x0, y0, x1, y1 = first.x0, first.y0, first.x1, first.y1
    for r in it:
        if r.x0 < x0:
            x0 = r.x0
        if r.y0 < y0:
            y0 = r.y0
        if r.x1 > x1:
            x1 = r.x1
        if r.y1 > y1:
            y1 = r.y1
    return x0, y0, x1, y1


BlockKind = Literal["heading", "paragraph", "list_item", "caption", "equation", "footnote", "code", "table"]


class Block(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One unit of content in reading order."""

    page: int
    kind: BlockKind
    text: str
    # Index of the block within the whole document's reading order: a stable anchor for notes.
    index: int = 0
    # Region on the page (x0, y0, x1, y1) in PDF points; None for HTML.
    bbox: tuple[float, float, float, float] | None = None
    # For headings: the section number they open ("3.2"), if any.
    section: str | None = None
    # For a paragraph joined across a page break: the page it ends on (None: same as ``page``).
    end_page: int | None = None
    # Maths. ``text`` always holds maths in one TeX-like linear form (``QK^{T}``, ``\frac{a}{b}``,
    # ``\sqrt{d_k}``, ``d_{k}``): an "equation" block is maths from end to end; in any other block
    # ``math`` lists the [start, end) character ranges of ``text`` that are inline maths. Readers
    # render those ranges (``library.structure.notation``); search and JSON keep the TeX-like form.
    math: list[tuple[int, int]] | None = None
    # For an "equation": its number as printed ("1", "2.12"), without the parentheses.
    number: str | None = None
    # For a "table": its rows of cells, the header row first when the table has one. ``text`` holds
    # the same table as GitHub-style Markdown, one row a line.
    rows: list[list[str]] | None = None
    # For a "footnote": its marker as printed ("4", "*", "†").
    marker: str | None = None


class Section(msgspec.Struct, kw_only=True, omit_defaults=True):
    number: str | None
    title: str
    level: int
    start_page: int
    end_page: int
    # Vertical position on the start/end page where the section begins/ends (None: page top/bottom).
    start_y: float | None = None
    end_y: float | None = None
    # Range of block indexes [first_block, end_block) the section covers, subsections included.
    first_block: int = 0
    end_block: int = 0

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


class DocumentStructure(msgspec.Struct, kw_only=True):
    """Everything extraction knows about one document."""

    kind: Literal["pdf", "html"]
    page_count: int
    sections: list[Section]
    blocks: list[Block]
    # "outline" when taken from the PDF's bookmarks, "heuristic" when detected from the text,
    # "html" for web pages.
    source: str = "heuristic"
    title: str | None = None

    def top_level(self) -> list[Section]:
        if not self.sections:
            return []
        top = min(s.level for s in self.sections)
        return [s for s in self.sections if s.level == top]


class SectionContent(msgspec.Struct, kw_only=True):
    """The resolved span of a pointer: what the reader shows for an assignment."""

    number: str | None
    title: str
    start_page: int
    end_page: int
    blocks: list[Block]

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)
