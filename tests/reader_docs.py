"""Made-up documents for the reader's tests, and a loader that hands them to the app.

The words are drawn from a fixed list (no document's prose), each paragraph numbered so a test can
find it; every kind of block the reader draws is there: headings with sections, paragraphs, list
items with the bullet the PDF extraction keeps, captions, a numbered equation, a table, footnotes.
``serve(monkeypatch, ...)`` replaces the reading pane's loader, so a reading opens at once with
such a document, or blocks until the test releases it.
"""

from __future__ import annotations

import threading

from library.structure.model import Block, BlockKind, DocumentStructure, Section, SectionContent
from reader.messages import DocumentLoaded

WORDS = [
    "model",
    "layer",
    "token",
    "weight",
    "gradient",
    "batch",
    "signal",
    "vector",
    "measure",
    "result",
    "method",
    "table",
    "attention",
    "sample",
    "loss",
    "scale",
    "value",
    "depth",
    "width",
    "order",
    "figure",
]


def words(seed: int, count: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(count))


def structure(pages: int = 30, per_page: int = 6) -> DocumentStructure:
    """A document of ``pages`` pages: each page opens a section (a heading) and holds paragraphs;
    page 2 also has a list, a caption, an equation, a table and two footnotes."""
    blocks: list[Block] = []
    sections: list[Section] = []

    def add(page: int, kind: BlockKind, text: str, **extra) -> None:
        blocks.append(Block(page=page, kind=kind, text=text, index=len(blocks), **extra))

    for page in range(1, pages + 1):
        first = len(blocks)
        add(page, "heading", f"Part {page}", section=str(page))
        for n in range(per_page):
            add(page, "paragraph", f"Paragraph {page}.{n}: " + words(page * 10 + n, 40 + (n * 13) % 50) + ".")
        if page == 2:
            for n in range(3):
                add(page, "list_item", f"• Item {n}: " + words(n, 12))
            add(page, "caption", "Figure 1: " + words(5, 10))
            add(page, "equation", r"y = W x + b", number="1")
            rows = [["Model", "Loss"], ["small", "3.1"], ["large", "2.4"]]
            add(page, "table", "| Model | Loss |\n| --- | --- |\n| small | 3.1 |\n| large | 2.4 |", rows=rows)
            add(page, "footnote", "1 " + words(9, 8), marker="1")
            add(page, "footnote", "2 " + words(11, 8), marker="2")
        sections.append(
            Section(
                number=str(page),
                title=f"Part {page}",
                level=1,
                start_page=page,
                end_page=page,
                first_block=first,
                end_block=len(blocks),
            )
        )
    return DocumentStructure(kind="pdf", page_count=pages, sections=sections, blocks=blocks, source="outline")


def section(doc: DocumentStructure, number: str) -> SectionContent:
    found = next(s for s in doc.sections if s.number == number)
    return SectionContent(
        number=found.number,
        title=found.title,
        start_page=found.start_page,
        end_page=found.end_page,
        blocks=doc.blocks[found.first_block : found.end_block],
    )


class Loader:
    """Stands in for ``reader.loading.load_document``: every reading opens ``doc`` at ``part``
    (None: the whole work). ``hold()`` makes loads wait until ``release()``."""

    def __init__(self, doc: DocumentStructure, part: str | None = "2") -> None:
        self.doc = doc
        self.part = part
        self.state = "ok"
        self.calls: list[str] = []
        self._go = threading.Event()
        self._go.set()

    def hold(self) -> None:
        self._go.clear()

    def release(self) -> None:
        self._go.set()

    def __call__(self, reading) -> DocumentLoaded:
        self.calls.append(reading.id)
        self._go.wait(10)
        if self.state != "ok":
            return DocumentLoaded(reading.id, self.state)
        content = (
            section(self.doc, self.part)
            if self.part
            else SectionContent(
                number=None,
                title="",
                start_page=1,
                end_page=self.doc.page_count,
                blocks=list(self.doc.blocks),
            )
        )
        return DocumentLoaded(reading.id, "ok", self.doc, content, whole=self.part is None)


def serve(monkeypatch, doc: DocumentStructure | None = None, part: str | None = "2") -> Loader:
    loader = Loader(doc or structure(), part)
    monkeypatch.setattr("reader.widgets.reading_pane.load_document", loader)
    return loader
