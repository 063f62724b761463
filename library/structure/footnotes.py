"""Footnotes: found at the foot of a column, made into blocks, and placed after the text citing them.

A footnote is a run of rows at the bottom of a column, smaller than the body text, the first row
of each note opening with its marker raised (¹, *, †). :func:`find` turns each into a
``footnote`` block with its marker (before reading order, so the paragraph a footnote interrupts
reads on across it); :func:`place` moves each after the paragraph whose text carries the same
marker, so a footnote never lands between the two halves of a sentence or in another section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from library.structure.layout import DocStats, Page, Row, apply_swaps, swap_in
from library.structure.model import Block, box_around
from library.structure.sections import Heading
from library.structure.text import join_lines

_MARK = re.compile(r"^(\d{1,2}|[*∗†‡§¶]{1,3})")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class SpanLike(Protocol):
    """What :func:`find` reads of a span (``glyphs.Span`` has these)."""

    text: str
    size: float
    base: float
    x0: float


def find(
    page: Page,
    spans: Mapping[int, Sequence[SpanLike]],
    stats: DocStats,
    new_chunk: Callable[[], int],
    text_of: Callable[[Row], str],
) -> None:
    """Replace each footnote's rows at the foot of the page by one row carrying its block."""
    body = stats.body_size
    small = [r for r in page.rows if r.block is None and r.main_size <= body - 0.5 and r.text.strip()]
    if not small:
        return
    replaced: dict[int, list[Row]] = {}
    for zone in _zones(page, small, body):
        notes: list[tuple[str, list[Row]]] = []
        for row in sorted(zone, key=lambda r: (r.y0, r.x0)):
            mark = _raised_mark(spans.get(id(row), ()))
            if mark is not None:
                notes.append((mark, [row]))
            elif notes:
                notes[-1][1].append(row)
        if not notes:
            continue
        made = []
        for mark, rows in notes:
            text = join_lines([text_of(r) for r in rows])
            text = _without_mark(text, mark)
            if not text:
                continue
            x0, y0, x1, y1 = box_around(rows)
            block = Block(page=page.number, kind="footnote", text=text, bbox=(x0, y0, x1, y1), marker=mark)
            row = Row(
                page.number, new_chunk(), x0, y0, x1, y1, text, rows[0].size, rows[0].main_size, 0, 0, "", 1
            )
            row.block = block
            made.append(row)
        swap_in(replaced, zone, made)
    apply_swaps(page, replaced)


def _zones(page: Page, small: list[Row], body: float) -> list[list[Row]]:
    """Runs of small rows at the bottom of the page, below every row of body text above them."""
    zones: list[list[Row]] = []
    bottom_half = [r for r in small if r.y0 > page.height * 0.45]
    for row in sorted(bottom_half, key=lambda r: r.y0):
        # Below it, in its column, there may only be other small rows (the rest of the notes).
        below_body = [
            r
            for r in page.rows
            if r.y0 > row.y1
            and r.main_size > body - 0.5
            and min(r.x1, row.x1) - max(r.x0, row.x0) > 0
            and r.block is None
            and len(r.text) > 3  # a page number
        ]
        if below_body:
            continue
        for zone in zones:
            beside = min(r.x1 for r in zone) > row.x0 - 40 and max(r.x0 for r in zone) < row.x1 + 40
            if beside and row.y0 - max(r.y1 for r in zone) < 1.5 * body:
                zone.append(row)
                break
        else:
            zones.append([row])
    return zones


def _raised_mark(spans: Sequence[SpanLike]) -> str | None:
    """The marker a footnote's first row opens with: its first characters, raised and small."""
    ordered = [s for s in sorted(spans, key=lambda s: s.x0) if s.text.strip()]
    if len(ordered) < 2:
        return None
    first, rest = ordered[0], ordered[1:]
    main = max(rest, key=lambda s: len(s.text))
    if first.size > 0.85 * main.size or first.base > main.base - 0.2 * main.size:
        return None
    m = _MARK.match(first.text.strip())
    return m.group(1) if m and m.group(1) == first.text.strip() else None


def _without_mark(text: str, mark: str) -> str:
    text = text.lstrip()
    for form in (mark, mark.translate(_SUPERSCRIPT)):
        if text.startswith(form):
            return text[len(form) :].lstrip()
    return text


def reference_mark(mark: str) -> str:
    """How a footnote's marker reads where the text cites it (superscript digits)."""
    return mark.translate(_SUPERSCRIPT)


def place(blocks: list[Block], headings: list[Heading]) -> None:
    """Move every footnote after the nearest block before it that cites its marker, in place.

    Blocks are renumbered and headings follow their blocks. A footnote whose citation is not found
    stays where it is (after the text of its page).
    """
    if not any(b.kind == "footnote" and b.marker for b in blocks):
        return
    order = list(range(len(blocks)))
    for i, block in enumerate(blocks):
        if block.kind != "footnote" or not block.marker:
            continue
        target = _citing(blocks, i, reference_mark(block.marker))
        if target is None:
            continue
        order.remove(i)
        at = order.index(target) + 1
        # After the citing block and any footnotes already placed after it.
        while at < len(order) and blocks[order[at]].kind == "footnote" and order[at] < i:
            at += 1
        order.insert(at, i)
    if order == list(range(len(blocks))):
        return
    new_index = {old: new for new, old in enumerate(order)}
    reordered = [blocks[old] for old in order]
    for new, block in enumerate(reordered):
        block.index = new
    blocks[:] = reordered
    for heading in headings:
        heading.block = new_index[heading.block]


def _citing(blocks: list[Block], i: int, mark: str) -> int | None:
    """The block citing footnote ``i``'s mark: the nearest before it on its page or the one before."""
    page = blocks[i].page
    pattern = re.compile(r"(?<=[\w.,;:)\]’”'\"}])" + re.escape(mark) + r"(?![⁰¹²³⁴⁵⁶⁷⁸⁹])")
    for k in range(i - 1, max(-1, i - 60), -1):
        b = blocks[k]
        if b.page < page - 1 or (b.end_page or b.page) < page - 1:
            break
        if b.kind in ("paragraph", "list_item", "caption", "table") and pattern.search(b.text):
            return k
    return None
