"""Finding a quoted passage in a document's structure, as the W3C TextQuoteSelector does.

A note remembers the exact text it was made on, a little context before and after it, and the
block (page, section) where that text was. When a reading gets a new arXiv version or is
re-extracted, the blocks change; the quote is looked for again in the new structure:

1. the exact text (whitespace-insensitive); several hits are told apart by how well the text
   around each matches the remembered prefix/suffix, then by closeness to the old block;
2. else the best fuzzy match (rapidfuzz), accepted only above :data:`FUZZY_MIN_SCORE`, so a
   changed word re-attaches and a removed paragraph does not attach somewhere wrong.

Pure functions over :class:`~library.structure.model.DocumentStructure`: no database here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from library.structure.model import Block, DocumentStructure

# How much context a new anchor keeps on each side of the quote.
CONTEXT_CHARS = 32
# Fuzzy matches below this rapidfuzz partial_ratio (0..100) are not trusted: a one-word change in
# a sentence scores ~90+, an unrelated sentence of the same paper ~50-65.
FUZZY_MIN_SCORE = 82.0
# Quotes shorter than this match exactly or not at all: a short fuzzy hit is usually a coincidence.
FUZZY_MIN_LENGTH = 20

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Collapse whitespace runs to one space: PDF extraction breaks lines where the reader did not."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Match:
    """Where a quote was found: the matched text as the document now has it, and its place."""

    exact: str
    prefix: str
    suffix: str
    page: int
    block_index: int
    section: str | None
    # 100.0 for an exact match, the rapidfuzz score for a fuzzy one.
    score: float

    @property
    def fuzzy(self) -> bool:
        return self.score < 100.0


class _Text:
    """A document flattened to one normalized string, with each block's span in it."""

    def __init__(self, structure: DocumentStructure):
        self.structure = structure
        self.blocks: list[Block] = []
        self.starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for block in structure.blocks:
            text = normalize(block.text)
            if not text:
                continue
            if parts:
                pos += 1  # the joining space: a quote may run across two blocks
            self.blocks.append(block)
            self.starts.append(pos)
            parts.append(text)
            pos += len(text)
        self.text = " ".join(parts)

    def block_at(self, offset: int) -> tuple[int, Block]:
        """The position in :attr:`blocks` and the block containing character ``offset``."""
        import bisect

        i = max(0, bisect.bisect_right(self.starts, offset) - 1)
        return i, self.blocks[i]


def _block_number(block: Block, fallback: int) -> int:
    # Extraction numbers blocks in reading order; a hand-built structure may leave every index 0.
    return block.index if block.index else fallback


def section_label(structure: DocumentStructure, block_index: int, page: int) -> str | None:
    """The innermost section containing the block ("3.2 Scaled Dot-Product Attention"), if any."""
    best = None
    for section in structure.sections:
        if section.end_block > section.first_block:
            inside = section.first_block <= block_index < section.end_block
        else:  # sections without block ranges: fall back to pages
            inside = section.start_page <= page <= section.end_page
        if inside and (best is None or section.level >= best.level):
            best = section
    return best.label if best else None


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz  # C extension, already loaded by anything that matches text

    if not a and not b:
        return 100.0
    return fuzz.ratio(a, b)


def _match_at(doc: _Text, start: int, end: int, score: float) -> Match:
    pos, block = doc.block_at(start)
    number = _block_number(block, pos)
    return Match(
        exact=doc.text[start:end],
        prefix=doc.text[max(0, start - CONTEXT_CHARS) : start],
        suffix=doc.text[end : end + CONTEXT_CHARS],
        page=block.page,
        block_index=number,
        section=section_label(doc.structure, number, block.page),
        score=score,
    )


def _rank(
    doc: _Text,
    spans: list[tuple[int, int, float]],
    prefix: str,
    suffix: str,
    block_index: int | None,
    page: int | None,
) -> tuple[int, int, float]:
    """Pick the span whose surroundings best match the remembered context, then the nearest one."""

    def key(span: tuple[int, int, float]) -> tuple:
        start, end, score = span
        context = 0.0
        if prefix:
            context += _similarity(
                normalize(prefix)[-CONTEXT_CHARS:], doc.text[max(0, start - CONTEXT_CHARS) : start]
            )
        if suffix:
            context += _similarity(normalize(suffix)[:CONTEXT_CHARS], doc.text[end : end + CONTEXT_CHARS])
        pos, block = doc.block_at(start)
        distance = 0
        if block_index is not None:
            distance = abs(_block_number(block, pos) - block_index)
        elif page is not None:
            distance = abs(block.page - page)
        return (round(score), round(context), -distance)

    return max(spans, key=key)


def locate(
    structure: DocumentStructure,
    exact: str,
    *,
    prefix: str = "",
    suffix: str = "",
    block_index: int | None = None,
    page: int | None = None,
    fuzzy: bool = True,
) -> Match | None:
    """Find ``exact`` in ``structure``; None when it is not there (closely enough).

    ``page`` (when adding a note with ``--page``) and ``block_index`` (when re-anchoring) only
    break ties between equally good hits; they never make a poor match acceptable.
    """
    quote = normalize(exact)
    if not quote:
        return None
    doc = _Text(structure)
    if not doc.text:
        return None
    spans = [(m.start(), m.end(), 100.0) for m in re.finditer(re.escape(quote), doc.text)]
    if not spans:
        # Case-insensitive exact match before anything fuzzy: a quote typed with other capitals.
        spans = [(m.start(), m.end(), 99.9) for m in re.finditer(re.escape(quote), doc.text, re.IGNORECASE)]
    if not spans and fuzzy and len(quote) >= FUZZY_MIN_LENGTH:
        spans = _fuzzy_spans(doc, quote)
    if not spans:
        return None
    start, end, score = _rank(doc, spans, prefix, suffix, block_index, page)
    return _match_at(doc, start, end, score)


def _fuzzy_spans(doc: _Text, quote: str) -> list[tuple[int, int, float]]:
    """The best fuzzy alignments of ``quote``, searched block by block (and across block pairs)."""
    from rapidfuzz import fuzz  # C extension; partial_ratio finds the best-aligned substring

    # Windows of two consecutive blocks catch quotes that ran over a paragraph break.
    windows: list[tuple[int, int]] = []
    for i, start in enumerate(doc.starts):
        stop = doc.starts[i + 2] - 1 if i + 2 < len(doc.starts) else len(doc.text)
        windows.append((start, stop))
    found: list[tuple[int, int, float]] = []
    for start, stop in windows:
        window = doc.text[start:stop]
        if len(window) < len(quote) * 0.5:
            # Too short to hold most of the quote; a high partial_ratio here would be flattery.
            continue
        alignment = fuzz.partial_ratio_alignment(quote, window, score_cutoff=FUZZY_MIN_SCORE)
        if alignment is None:
            continue
        if len(window) >= len(quote):
            s, e = alignment.dest_start, alignment.dest_end
        else:  # rapidfuzz swapped roles: the whole (shorter) window aligned inside the quote
            s, e = 0, len(window)
        s, e = _widen_to_words(window, s, e)
        # The matched text should be about as long as the quote; a partial hit inside a much
        # longer quote is not the same passage.
        if (e - s) < len(quote) * 0.8:
            continue
        score = fuzz.ratio(quote, window[s:e])
        if score >= FUZZY_MIN_SCORE:
            found.append((start + s, start + e, min(score, 99.0)))
    if not found:
        return []
    best = max(score for _, _, score in found)
    # Keep near-ties only: the context decides between them.
    return sorted({span for span in found if span[2] >= best - 2})


def _widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow an alignment to whole words so the stored quote does not start mid-word."""
    while start > 0 and not text[start - 1].isspace() and not text[start].isspace():
        start -= 1
    while end < len(text) and end > 0 and not text[end].isspace() and not text[end - 1].isspace():
        end += 1
    return start, end
