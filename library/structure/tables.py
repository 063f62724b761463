"""Tables: found next to their "Table N:" caption, cut into cells by PyMuPDF, made into one block.

Only pages with a table caption are searched, and only the rows beside the caption (below it, or
above it when the rows below read as prose): ``page.find_tables()`` over a whole page costs
~0.2 s (~2 s in PyMuPDF 2.0, which runs its layout model first), clipped to the table ~20 ms.
PyMuPDF's line strategy comes first (tables drawn with rules), its text strategy second (tables
set by alignment alone). Cells are then filled from the page's spans with their maths laid out
(``O(n^{2} \\cdot d)``), a row of PyMuPDF's holding several printed rows (no rule between them)
is split, and a printed row that only continues the one above (a header wrapped onto two lines)
is joined back.
"""

from __future__ import annotations

import bisect
import functools
import inspect
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from library.structure.glyphs import Glyph
from library.structure.headings import looks_like_title, split_number
from library.structure.layout import DocStats, Page, Row, apply_swaps, swap_in
from library.structure.model import Block, box_around
from library.structure.notation import markdown_table

_TABLE_CAPTION = re.compile(r"^(table|tab\.)\s*([A-Z]?\d+|[IVXL]+)(\.\d+)?\s*[:.|]", re.I)
_ANY_CAPTION = re.compile(r"^(figure|fig\.|table|tab\.|algorithm|listing)\s*[A-Z]?\d+(\.\d+)?\s*[:.|]", re.I)


class SpanLike(Protocol):
    text: str
    size: float
    base: float
    x0: float
    y0: float
    x1: float
    y1: float


class CellText(Protocol):
    """What tables need from the maths side: a region's glyphs, and a printed line of them as text."""

    def glyphs(self, box: tuple[float, float, float, float]) -> list[Glyph]: ...

    def line_text(self, glyphs: list[Glyph]) -> str: ...

    def vertical_rules(self, box: tuple[float, float, float, float]) -> int: ...


def find(
    page: Page,
    pdf_page,
    spans: Mapping[int, Sequence[SpanLike]],
    stats: DocStats,
    text: CellText,
    new_chunk: Callable[[], int],
) -> None:
    """Replace the rows of each captioned table on the page by one row carrying a table block."""
    captions = [r for r in page.rows if r.block is None and _TABLE_CAPTION.match(r.text)]
    if not captions:
        return
    replaced: dict[int, list[Row]] = {}
    taken: set[int] = set()
    for caption in captions:
        region = _region(page, caption, spans, stats, taken)
        if not region:
            continue
        x0, y0, x1, y1 = box_around(region)
        glyphs = text.glyphs((x0, y0, x1, y1))
        if not glyphs:
            continue
        # PyMuPDF's finder reads a table from its ruling lines (~20-100 ms a call); a table without
        # rules between its columns (booktabs) is laid out from its text's alignment instead.
        ruled = text.vertical_rules((x0, y0, x1, y1)) >= 2
        grid = _ruled_grid(pdf_page, (x0, y0, x1, y1), glyphs) if ruled else None
        rows = _grid_rows(grid, glyphs, text) if grid is not None else _aligned_rows(glyphs, text)
        if len(rows) < 2 or max(len(r) for r in rows) < 2:
            continue
        bx0, by0, bx1, by1 = box_around(glyphs)
        block = Block(
            page=page.number, kind="table", text=markdown_table(rows), bbox=(bx0, by0, bx1, by1), rows=rows
        )
        made = Row(
            page.number,
            new_chunk(),
            bx0,
            by0,
            bx1,
            by1,
            block.text,
            stats.body_size,
            stats.body_size,
            0,
            0,
            "",
            1,
        )
        made.block = block
        swap_in(replaced, region, [made])
        taken.update(id(r) for r in region)
    apply_swaps(page, replaced)


# --- where the table is ---------------------------------------------------------------------------


def _lines(rows: list[Row]) -> list[list[Row]]:
    """Rows grouped into printed lines (rows side by side whose heights overlap)."""
    lines: list[list[Row]] = []
    for row in sorted(rows, key=lambda r: (r.y0, r.x0)):
        for line in lines:
            ref = line[0]
            overlap = min(ref.y1, row.y1) - max(ref.y0, row.y0)
            if overlap > 0.5 * min(ref.y1 - ref.y0, row.y1 - row.y0):
                line.append(row)
                break
        else:
            lines.append([row])
    return lines


def _line_pieces(line: list[Row], spans: Mapping[int, Sequence[SpanLike]]) -> list[str]:
    """A printed line's text cut where the gap is wider than a word space."""
    ordered = sorted((s for r in line for s in spans.get(id(r), ()) if s.text.strip()), key=lambda s: s.x0)
    if not ordered:
        return [r.text for r in sorted(line, key=lambda r: r.x0)]
    pieces = [ordered[0].text]
    right = ordered[0].x1
    for s in ordered[1:]:
        if s.x0 - right > 1.0 * s.size:
            pieces.append(s.text)
        else:
            pieces[-1] += s.text
        right = max(right, s.x1)
    return pieces


def _cell_count(line: list[Row], spans: Mapping[int, Sequence[SpanLike]]) -> int:
    """How many pieces a printed line falls into, split at gaps wider than a word space."""
    return len(_line_pieces(line, spans))


def _region(
    page: Page, caption: Row, spans: Mapping[int, Sequence[SpanLike]], stats: DocStats, taken: set[int]
) -> list[Row]:
    """The rows of the table a caption names: the tabular lines next to it, below or above."""
    body = stats.body_size
    same_column = [
        r
        for r in page.rows
        if r.block is None
        and id(r) not in taken
        and min(r.x1, caption.x1) - max(r.x0, caption.x0) > -5
        and r.chunk != caption.chunk
    ]
    lines = _lines(same_column)
    caption_rows = [r for r in page.rows if r.chunk == caption.chunk]
    top = min(r.y0 for r in caption_rows)
    bottom = max(r.y1 for r in caption_rows)
    width = caption.x1 - caption.x0
    below = [line for line in lines if min(r.y0 for r in line) >= bottom - 1]
    above = [line for line in reversed(lines) if max(r.y1 for r in line) <= top + 1]
    options = []
    for candidates, edge, down in ((below, bottom, True), (above, top, False)):
        picked: list[list[Row]] = []
        gaps: list[float] = []
        last = edge
        first_gap = 0.0
        for line in candidates:
            y0 = min(r.y0 for r in line)
            y1 = max(r.y1 for r in line)
            gap = y0 - last if down else last - y1
            if gap > 2.4 * body:
                break
            # A gap much wider than the table's own line spacing ends it (the text after a float).
            if len(gaps) >= 2 and gap > max(1.0 * body, 2.5 * sorted(gaps)[len(gaps) // 2]):
                break
            if not _table_line(line, spans, width, stats):
                break
            if not picked:
                first_gap = gap
            else:
                gaps.append(gap)
            picked.append(line)
            last = y1 if down else y0
        if len(picked) >= 2 and any(_cell_count(line, spans) >= 2 for line in picked):
            options.append((first_gap, -len(picked), [r for line in picked for r in line]))
    # A table sits close to its caption; the text on the other side of it is set off by a float's skip.
    return min(options, key=lambda o: (o[0], o[1]))[2] if options else []


def _table_line(
    line: list[Row], spans: Mapping[int, Sequence[SpanLike]], width: float, stats: DocStats
) -> bool:
    """Whether a printed line can be part of a table: not prose, not a caption or a heading."""
    text = " ".join(r.text for r in sorted(line, key=lambda r: r.x0))
    if _ANY_CAPTION.match(text):
        return False
    if len(line) == 1 and _heading_like(line[0], stats):
        return False
    pieces = _line_pieces(line, spans)
    if any(sum(1 for w in p.split() if w.isalpha()) >= 8 for p in pieces):
        return False  # a sentence: prose (two columns side by side are no table)
    if len(pieces) >= 2:
        return True
    extent = max(r.x1 for r in line) - min(r.x0 for r in line)
    words = len(text.split())
    return not (extent > 0.7 * width and words >= 8)


def _heading_like(row: Row, stats: DocStats) -> bool:
    """A numbered title set bold, larger or in capitals ("6 CONCLUSION"): the next section, not a row."""
    number, title = split_number(row.text)
    if not number or not looks_like_title(title):
        return False
    letters = [c for c in title if c.isalpha()]
    shouting = len(letters) >= 4 and all(c.isupper() for c in letters)
    return row.bold >= 0.6 or row.size >= stats.body_size + 0.9 or shouting


def _ruled_grid(pdf_page, box: tuple[float, float, float, float], glyphs: list[Glyph]):
    """PyMuPDF's table drawn with rules in ``box``, when its cells hold the text one value each.

    Tables ruled only across (booktabs) have no grid for PyMuPDF's line strategy, and a grid
    with only some of its columns ruled leaves several values in one cell: both are laid out
    from the text's alignment instead (:func:`_aligned_rows`).
    """
    import pymupdf  # loaded by the caller that opened the document

    x0, y0, x1, y1 = box
    clip = pymupdf.Rect(x0 - 4, y0 - 6, x1 + 4, y1 + 6)
    found = pdf_page.find_tables(clip=clip, strategy="lines", **_find_options())
    tables = [t for t in found.tables if t.row_count >= 2 and t.col_count >= 2]
    if not tables:
        return None
    table = max(tables, key=lambda t: (t.bbox[2] - t.bbox[0]) * (t.bbox[3] - t.bbox[1]))
    tx0, ty0, tx1, ty1 = table.bbox
    inside = [g for g in glyphs if tx0 - 1 <= g.cx <= tx1 + 1 and ty0 - 1 <= g.cy <= ty1 + 1]
    if len(inside) < 0.9 * len(glyphs):
        return None  # the grid covers only part of the table
    for row in table.rows:
        for cell in row.cells:
            if cell is None:
                continue
            for line in _lines_of([g for g in inside if _in(g, cell)]):
                if len(_pieces(line)) > 1:
                    return None  # two values in one cell: columns without rules
    return table


@functools.cache
def _find_options() -> dict:
    """``use_layout=False`` where PyMuPDF has it: its layout model costs ~2 s a page, and the region
    is already known to hold a table."""
    import pymupdf.table  # part of PyMuPDF, loaded with it

    parameters = inspect.signature(pymupdf.table.find_tables).parameters
    return {"use_layout": False} if "use_layout" in parameters else {}


# --- what is in the cells -----------------------------------------------------------------------


def _in(g: Glyph, box) -> bool:
    x0, y0, x1, y1 = box
    return x0 - 0.5 <= g.cx <= x1 + 0.5 and y0 - 0.5 <= g.cy <= y1 + 0.5


def _lines_of(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into printed lines by the baselines of the largest (scripts join their line)."""
    if not glyphs:
        return []
    size = max(g.size for g in glyphs)
    bases: list[float] = []
    for b in sorted({g.base for g in glyphs if g.size >= 0.85 * size}):
        if not bases or b - bases[-1] > 0.6 * size:
            bases.append(b)
    lines: list[list[Glyph]] = [[] for _ in bases]
    for g in glyphs:
        k = bisect.bisect_left(bases, g.base)  # the nearest baseline: this one or the one above
        if k == len(bases) or (k > 0 and g.base - bases[k - 1] < bases[k] - g.base):
            k -= 1
        lines[k].append(g)
    return [sorted(line, key=lambda g: g.x0) for line in lines if line]


def _pieces(line: list[Glyph]) -> list[list[Glyph]]:
    """A printed line cut where the gap is wider than a word space: a table's values."""
    pieces: list[list[Glyph]] = [[line[0]]]
    right = line[0].x1
    for g in line[1:]:
        if g.x0 - right > 0.8 * max(g.size, pieces[-1][-1].size):
            pieces.append([g])
        else:
            pieces[-1].append(g)
        right = max(right, g.x1)
    return pieces


def _grid_rows(table, glyphs: list[Glyph], text: CellText) -> list[list[str]]:
    """The rows of a ruled grid, each cell's lines; a grid row holding several printed rows is split."""
    out: list[list[str]] = []
    for row in table.rows:
        per_cell = [
            [text.line_text(line) for line in _lines_of([g for g in glyphs if _in(g, cell)])] if cell else []
            for cell in row.cells
        ]
        counts = {len(lines) for lines in per_cell if lines}
        if len(counts) == 1 and counts.pop() > 1 and sum(1 for lines in per_cell if lines) > 1:
            k = max(len(lines) for lines in per_cell)
            out.extend([lines[i] if lines else "" for lines in per_cell] for i in range(k))
        else:
            out.append([" ".join(lines) for lines in per_cell])
    return [r for r in out if any(c.strip() for c in r)]


def _aligned_rows(glyphs: list[Glyph], text: CellText) -> list[list[str]]:
    """Rows and columns from the text's alignment: columns where no value of the fullest rows is."""
    lines = [_pieces(line) for line in _lines_of(glyphs)]
    if len(lines) < 2:
        return []
    most = max(len(p) for p in lines)
    if most < 2:
        return []
    # Columns: the x ranges the values of the fullest lines cover, merged where they overlap.
    spans = sorted(
        (min(g.x0 for g in piece), max(g.x1 for g in piece))
        for pieces in lines
        if len(pieces) >= 0.75 * most
        for piece in pieces
    )
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    bounds = [(a[1] + b[0]) / 2 for a, b in itertools.pairwise(columns)]
    out: list[list[str]] = []
    for pieces in lines:
        cells: list[list[Glyph]] = [[] for _ in columns]
        for piece in pieces:
            centre = (min(g.x0 for g in piece) + max(g.x1 for g in piece)) / 2
            cells[sum(1 for b in bounds if centre > b)].extend(piece)
        texts = [text.line_text(sorted(c, key=lambda g: g.x0)) if c else "" for c in cells]
        if out and _continues(out[-1], texts):
            out[-1] = [(a + " " + b).strip() if b else a for a, b in zip(out[-1], texts, strict=False)]
        else:
            out.append(texts)
    return out


def _continues(previous: list[str], texts: list[str]) -> bool:
    """A row with its first cell empty and fewer cells than the row above only continues it."""
    if not texts or texts[0].strip():
        return False
    filled = sum(1 for t in texts if t.strip())
    return filled < sum(1 for t in previous if t.strip())
