"""Maths on the page: display equations made into blocks, inline maths laid out in rows.

Runs on each page's rows after headers and footers are gone and before reading order
(:func:`apply`). Three steps:

1. *Visual lines.* MuPDF starts a new line, often a new block, at every subscript or superscript,
   so one printed line of a paragraph with maths arrives as several rows in several chunks
   ("Define δV" | "t = rt + γV(st+1)…"). Rows that share a baseline and touch are merged back into
   one row, and their chunks into one chunk.
2. *Display equations.* A run of rows set apart from the text (indented or centred, mostly in
   maths fonts, or ending in an equation number such as "(2.12)"), with the limits, numerators and
   scripts around them, is one region. Its glyphs are read character by character
   (:mod:`library.structure.glyphs`) and laid out (:mod:`library.structure.linear`) into one
   ``equation`` block per printed number; the region's rows are replaced by rows carrying those
   blocks.
3. *Inline maths.* Every other row with maths gets ``row.tex``: its text with scripts, fractions
   and symbols in the TeX-like form and the maths marked, from the span data already read
   (characters are read again only for rows with stacked structures, radicals or glyphs PyMuPDF
   could not name).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from library.structure import footnotes, symbols, tables
from library.structure.glyphs import FontNames, Glyph, PageReader, Span
from library.structure.layout import DocStats, Page, Row, apply_swaps, swap_in, two_columns
from library.structure.linear import (
    MATH_CLOSE,
    MATH_OPEN,
    display_lines,
    inline_text,
    split_number,
)
from library.structure.model import Block, box_around

_NUMBER_AT_END = re.compile(r"\(\s*(?:[A-Z]\.?)?\d{1,3}(?:[.\-]\d{1,3})?[a-z]?\s*\)$")
_BULLET = re.compile(r"^[•◦▪‣∙]")
_FIGURE_CAPTION = re.compile(r"^(figure|fig\.)\s*[A-Z]?\d+", re.I)
_COMMAND_END = re.compile(r"\\[A-Za-z]+$")
_SPECIAL = re.compile("[\ufffd\ue000-\uf8ff√ˆ˜¯˙¨ˇ˘∑∏∐∫∮⋃⋂]")
_MATH_RANGE = re.compile(MATH_OPEN + "(.*?)" + MATH_CLOSE, re.S)

# Chunk numbers for merged and made-up rows: above any block number PyMuPDF gives a page.
_CHUNK_BASE = 1_000_000


@dataclass
class _Column:
    left: float
    right: float


def apply(doc, pages: list[Page], stats: DocStats) -> None:
    """Tables, display equations and footnotes into blocks, inline maths into ``row.tex``, in place."""
    fonts = FontNames(doc)
    counter = [_CHUNK_BASE]

    def new_chunk() -> int:
        counter[0] += 1
        return counter[0]

    for page in pages:
        data, textpage = page.text_dict, page.textpage
        page.text_dict = page.textpage = None  # not needed after this: let them go
        if data is None or not page.rows or page.turned:
            continue  # (a page read turned upright: its rows are not in the text page's frame)
        spans = _spans_by_row(page, data)
        # ``spans`` is keyed by id(row). Each step below replaces rows with new ones (merged lines,
        # tables, equations); a replaced row that Python frees may lend its id to a row made later,
        # which would then be read with the dead row's spans (output changing from run to run).
        # Every row keyed is kept alive until the page is done.
        keyed = list(page.rows)
        reader = PageReader(doc, page.number, textpage, stats.body_font, fonts)
        if any(_has_maths(s, stats) for s in spans.values()):
            spans = _merge_visual_lines(page, spans, stats)
            keyed.extend(page.rows)
        tables.find(
            page,
            reader.page,
            spans,
            stats,
            _TableText(reader),
            new_chunk,
        )
        keyed.extend(page.rows)
        if not any(_has_maths(s, stats) for s in spans.values()):
            continue
        _displays(page, spans, stats, reader, new_chunk)
        keyed.extend(page.rows)
        for row in page.rows:
            row_spans = spans.get(id(row))
            if row.block is None and row_spans and _has_maths(row_spans, stats):
                row.tex = _inline(row_spans, stats, reader)
        footnotes.find(page, spans, stats, new_chunk, _text)


def _text(row: Row) -> str:
    return row.text if row.tex is None else row.tex


def math_ranges(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """Text without the maths marks, and the [start, end) ranges they marked (None when none)."""
    if MATH_OPEN not in text:
        return text, None
    out: list[str] = []
    ranges: list[tuple[int, int]] = []
    length = 0
    pos = 0
    for m in _MATH_RANGE.finditer(text):
        before = text[pos : m.start()]
        out.append(before)
        length += len(before)
        inner = m.group(1).replace(MATH_OPEN, "").replace(MATH_CLOSE, "")
        if _COMMAND_END.search(inner) and text[m.end() : m.end() + 1].isalpha():
            inner += " "  # "\\succ are", not "\\succare"
        if inner:
            ranges.append((length, length + len(inner)))
        out.append(inner)
        length += len(inner)
        pos = m.end()
    out.append(text[pos:].replace(MATH_OPEN, "").replace(MATH_CLOSE, ""))
    return "".join(out), ranges or None


# --- spans of rows ----------------------------------------------------------------------------------


def _spans_by_row(page: Page, data: dict) -> dict[int, list[Span]]:
    """Each row's spans (keyed by ``id(row)``), found by where the text dict's lines lie."""
    by_chunk: dict[int, list[Row]] = {}
    for row in page.rows:
        by_chunk.setdefault(row.chunk, []).append(row)
    out: dict[int, list[Span]] = {}
    for bno, block in enumerate(data["blocks"]):
        candidates = by_chunk.get(bno)
        for line in block.get("lines", ()):
            dx, dy = line["dir"]
            if dx < 0.9 or abs(dy) > 0.1:
                continue
            box = line["bbox"]
            found = _containing(candidates, box) if candidates else None
            owner = found if found is not None else _containing(page.rows, box)
            if owner is None:
                continue
            spans = out.setdefault(id(owner), [])
            for s in line["spans"]:
                if s["text"]:
                    x0, y0, x1, y1 = s["bbox"]
                    ox, oy = s["origin"]
                    spans.append(Span(s["text"], s["font"], s["size"], s["flags"], ox, oy, x0, y0, x1, y1))
    return out


def _containing(rows: list[Row], box: tuple[float, float, float, float]) -> Row | None:
    """The row a text line belongs to: rows are unions of lines, so the smallest holding all of it."""
    x0, y0, x1, y1 = box
    best = None
    best_area = 0.0
    for row in rows:
        if row.x0 - 0.5 <= x0 and x1 <= row.x1 + 0.5 and row.y0 - 0.5 <= y0 and y1 <= row.y1 + 0.5:
            area = (row.x1 - row.x0) * (row.y1 - row.y0)
            if best is None or area < best_area:
                best, best_area = row, area
    return best


def _math_chars(spans: list[Span], stats: DocStats) -> tuple[int, int]:
    """(characters in maths fonts, all characters) of some spans, spaces left out."""
    math = total = 0
    for s in spans:
        n = len(s.text) - s.text.count(" ")
        total += n
        if symbols.is_maths_text(s.font, stats.body_font):
            math += n
    return math, total


def _has_maths(spans: list[Span], stats: DocStats) -> bool:
    if not spans:
        return False
    main = max(s.size for s in spans)
    for s in spans:
        if symbols.is_maths_text(s.font, stats.body_font) and s.text.strip():
            return True
        if s.size < 0.85 * main and s.text.strip():
            return True  # a script (or a footnote mark) in the text font
        if "\ufffd" in s.text:
            return True
    return False


# --- 1. visual lines ---------------------------------------------------------------------------------


def _merge_visual_lines(page: Page, spans: dict[int, list[Span]], stats: DocStats) -> dict[int, list[Span]]:
    """Rows on one printed line, cut apart by MuPDF at scripts, merged into one row (and chunk)."""
    rows = sorted(page.rows, key=lambda r: r.x0)
    facts = _RowFacts(spans, stats)
    near = _near_rows(rows, facts)
    merged_into: dict[int, Row] = {}
    groups: list[list[Row]] = []
    group_of: dict[int, list[Row]] = {}
    for row in rows:
        if id(row) in group_of:
            continue
        group = [row]
        group_of[id(row)] = group
        groups.append(group)
        extended = True
        while extended:
            extended = False
            last = group[-1]
            for other in near(last):
                if id(other) in group_of or other.x0 < last.x0:
                    continue
                if _same_line(last, other, facts, page.width / 2):
                    group.append(other)
                    group_of[id(other)] = group
                    extended = True
                    break
    out = dict(spans)
    new_rows: list[Row] = []
    parent: dict[int, int] = {}  # union-find over chunk numbers: chunks sharing a printed line

    def root(c: int) -> int:
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for group in groups:
        if len(group) == 1:
            new_rows.append(group[0])
            continue
        group.sort(key=lambda r: r.x0)
        row = _merged_row(group)
        out[id(row)] = [s for r in group for s in spans.get(id(r), [])]
        for r in group:
            merged_into[id(r)] = row
            parent[root(r.chunk)] = root(group[0].chunk)
        new_rows.append(row)
    if not merged_into:
        return spans
    for row in new_rows:
        row.chunk = root(row.chunk)
    # Keep the page's row order: a merged row takes the place of its first part.
    order = {id(r): i for i, r in enumerate(page.rows)}
    place: dict[int, int] = {}
    for part in page.rows:
        merged = merged_into.get(id(part))
        if merged is not None:
            place[id(merged)] = min(place.get(id(merged), order[id(part)]), order[id(part)])
    new_rows.sort(key=lambda r: place.get(id(r), order.get(id(r), 0)))
    page.rows = new_rows
    return out


class _RowFacts:
    """What ``_same_line`` asks of each row, worked out once per row: the pairs of a page's rows
    are compared many times over (30-page papers: ~50,000 pairs, 1.5 s when recomputed each time)."""

    def __init__(self, spans: dict[int, list[Span]], stats: DocStats) -> None:
        self.spans = spans
        self.stats = stats
        self._maths: dict[int, bool] = {}
        self._baselines: dict[int, tuple[float, float]] = {}
        self._sizes: dict[int, float] = {}

    def maths(self, row: Row) -> bool:
        key = id(row)
        found = self._maths.get(key)
        if found is None:
            found = self._maths[key] = _has_maths(self.spans.get(key, []), self.stats)
        return found

    def baseline(self, row: Row) -> tuple[float, float]:
        key = id(row)
        found = self._baselines.get(key)
        if found is None:
            found = self._baselines[key] = _baseline(self.spans.get(key, []))
        return found

    def largest_size(self, row: Row) -> float:
        """The largest font size of the row's spans (maths ones too, unlike ``Row.size``)."""
        key = id(row)
        found = self._sizes.get(key)
        if found is None:
            found = self._sizes[key] = max((s.size for s in self.spans.get(key, [])), default=row.size)
        return found


def _near_rows(rows: list[Row], facts: _RowFacts) -> Callable[[Row], list[Row]]:
    """For a row, the rows (in ``rows``' order) close enough above or below it to share its printed
    line: a superset of what ``_same_line``'s vertical test lets through, found by bisection so that
    a page's rows are not all compared with each other."""
    by_top = sorted(rows, key=lambda r: r.y0)
    tops = [r.y0 for r in by_top]
    reach = 1.5 * max(facts.largest_size(r) for r in rows)
    tallest = max(r.y1 - r.y0 for r in rows)
    order = {id(r): i for i, r in enumerate(rows)}
    found: dict[int, list[Row]] = {}

    def near(row: Row) -> list[Row]:
        key = id(row)
        if key not in found:
            lo = bisect.bisect_left(tops, row.y0 - reach - tallest)
            hi = bisect.bisect_right(tops, row.y1 + reach)
            close = [o for o in by_top[lo:hi] if o.y1 >= row.y0 - reach]
            found[key] = sorted(close, key=lambda o: order[id(o)])
        return found[key]

    return near


def _same_line(a: Row, b: Row, facts: _RowFacts, middle: float) -> bool:
    """Whether row ``b`` continues row ``a`` on the same printed line (right of it, or stacked in it).

    ``middle`` is the page's centre line: two long rows on either side of it with a gap between
    them are the two columns' lines (a heading beside the other column's text), not one line.
    """
    gap = b.x0 - a.x1
    if gap > 1.2 * max(a.main_size, b.main_size, 1.0):
        return False
    if a.x1 < middle < b.x0 and gap > 0.5 * max(a.main_size, b.main_size) and min(a.chars, b.chars) >= 15:
        return False
    # Rows further apart than 1.35 of the larger one's size can pass neither test below (a piece
    # lies within [baseline - 1.35 size, baseline + 0.75 size] of the main line, or the boxes
    # overlap): most pairs of a page are rows of one column, and this drops them before anything
    # is read from their spans.
    if max(a.y0, b.y0) - min(a.y1, b.y1) > 1.5 * max(facts.largest_size(a), facts.largest_size(b)):
        return False
    # Only where maths split the line: plain text pieces side by side (table cells) stay apart.
    spans, stats = facts.spans, facts.stats
    sa, sb = spans.get(id(a), []), spans.get(id(b), [])
    if not sa or not sb or not (facts.maths(a) or facts.maths(b)):
        return False
    (ba, za), (bb, zb) = facts.baseline(a), facts.baseline(b)
    base, size, other, other_spans = (ba, za, b, sb) if za >= zb else (bb, zb, a, sa)
    # Full-size text of the other piece (not a big bracket, whose origin is its top, nor a lone
    # character after a space, which MuPDF sets on the baseline of the glyph before).
    full = [
        s
        for s in other_spans
        if s.size >= 0.85 * size
        and s.text.strip()
        and not symbols.is_extension_font(s.font)
        and not (s.text[0] == " " and len(s.text.strip()) == 1)
    ]
    if not full:
        # Script-size pieces (a fraction's numerator, limits, an exponent run, a big bracket)
        # within the band of the full-size line: up to a displayed fraction's numerator above
        # its baseline, most of an em below.
        if not (base - 1.35 * size <= other.y0 and other.y1 <= base + 0.75 * size):
            return False
        # Beside the line, or stacked within its width and touching it (the line above may hold
        # the piece in its band too, as a subscript would sit: it is not stacked over that line).
        return gap >= -1.0 or min(a.y1, b.y1) - max(a.y0, b.y0) > 0
    if min(a.y1, b.y1) - max(a.y0, b.y0) <= 0:
        return False
    # Two full-size pieces share a baseline (a radical or a script may make the next printed
    # line's box overlap this one: that is not enough) ...
    if min(a.y1, b.y1) - max(a.y0, b.y0) >= 0.45 * min(a.y1 - a.y0, b.y1 - b.y0) and any(
        abs(s.base - base) < 0.25 * size for s in full
    ):
        return True
    # ... or one is a short piece of maths stacked inside the other's width (a displaystyle
    # fraction's numerator or denominator set in the line).
    short, long_ = (a, b) if a.x1 - a.x0 < b.x1 - b.x0 else (b, a)
    math, total = _math_chars(sa if short is a else sb, stats)
    return (
        total > 0
        and math >= 0.5 * total
        and short.x1 - short.x0 < 0.4 * (long_.x1 - long_.x0)
        and long_.x0 - 1 <= short.x0
        and short.x1 <= long_.x1 + 1
    )


def _merged_row(group: list[Row]) -> Row:
    chars = sum(r.chars for r in group) or 1
    widest = max(group, key=lambda r: r.chars)
    parts = []
    prev = None
    for r in group:
        if prev is not None and r.x0 - prev.x1 > 0.8:
            parts.append(" ")
        parts.append(r.text)
        prev = r
    return Row(
        widest.page,
        widest.chunk,
        min(r.x0 for r in group),
        min(r.y0 for r in group),
        max(r.x1 for r in group),
        max(r.y1 for r in group),
        "".join(parts),
        max(r.size for r in group),
        widest.main_size,
        sum(r.bold * r.chars for r in group) / chars,
        sum(r.math * r.chars for r in group) / chars,
        widest.font,
        sum(r.chars for r in group),
        any(r.toc_entry for r in group),
    )


# --- 2. display equations ----------------------------------------------------------------------------


def _columns(page: Page, stats: DocStats) -> list[_Column]:
    if not two_columns(page):
        return [_Column(stats.left, stats.right)]
    mid = page.width / 2
    lefts = sorted(r.x1 for r in page.rows if r.x1 <= mid + 5 and len(r.text) > 40)
    rights = sorted(r.x0 for r in page.rows if r.x0 >= mid - 5 and len(r.text) > 40)
    left_right = lefts[int(len(lefts) * 0.9)] if lefts else mid
    right_left = rights[len(rights) // 10] if rights else mid
    return [_Column(stats.left, left_right), _Column(right_left, stats.right)]


def _column_of(row: Row, columns: list[_Column]) -> _Column | None:
    if len(columns) == 1:
        return columns[0]
    for col in columns:
        if row.x0 >= col.left - 15 and row.x1 <= col.right + 15:
            return col
    return None  # spans both columns


def _is_display_row(row: Row, spans: list[Span], col: _Column, stats: DocStats) -> bool:
    math, total = _math_chars(spans, stats)
    if total == 0:
        return False
    share = math / total
    text = row.text.strip()
    if _BULLET.match(text):
        return False
    numbered = _NUMBER_AT_END.search(text) is not None and row.x1 >= col.right - 0.2 * (col.right - col.left)
    indented = row.x0 >= col.left + 0.8 * stats.body_size
    full = row.x0 <= col.left + 3 and row.x1 >= col.right - 3
    if numbered and share >= 0.12 and (indented or share >= 0.5):
        return True
    if full and not numbered:
        return share >= 0.85
    # A short line of maths at the left margin ends a paragraph ("… a linear function of PE_pos.").
    return share >= 0.5 and indented


def _attachable(row: Row, spans: list[Span], stats: DocStats) -> bool:
    """A row that may belong to a display next to it: maths, scripts or limits, a lone number."""
    if not spans:
        return False
    math, total = _math_chars(spans, stats)
    if total and math / total >= 0.3:
        return True
    if row.main_size < 0.85 * stats.body_size and len(row.text) < 40:
        return True
    return _NUMBER_AT_END.fullmatch(row.text.strip()) is not None


def _displays(
    page: Page,
    spans: dict[int, list[Span]],
    stats: DocStats,
    reader: PageReader,
    new_chunk: Callable[[], int],
) -> None:
    columns = _columns(page, stats)
    rows = sorted(page.rows, key=lambda r: (r.y0, r.x0))
    column = {id(r): _column_of(r, columns) for r in rows}
    seeds = [
        r
        for r in rows
        if (col := column[id(r)]) is not None and _is_display_row(r, spans.get(id(r), []), col, stats)
    ]
    if not seeds:
        return
    taken: set[int] = set()
    regions: list[list[Row]] = []
    body = stats.body_size
    seed_ids = {id(r) for r in seeds}
    for seed in seeds:
        if id(seed) in taken:
            continue
        region = [seed]
        taken.add(id(seed))
        col = column[id(seed)]
        grew = True
        while grew:
            grew = False
            x0, y0, x1, y1 = box_around(region)
            for r in rows:
                if r.y1 < y0 - body or id(r) in taken or column[id(r)] is not col:
                    continue
                if r.y0 > y1 + body:
                    break  # rows are in order from the top: the rest are further down
                gap = max(r.y0 - y1, y0 - r.y1)
                if len(r.text) <= 60 and _beside(r, region):
                    region.append(r)  # words on the display's own line: "maximize", "where", "(3)"
                    taken.add(id(r))
                    grew = True
                    continue
                if gap > 0.75 * body or min(r.x1, x1) - max(r.x0, x0) < -0.5 * body:
                    continue
                row_spans = spans.get(id(r), [])
                if id(r) in seed_ids or (gap < 0.5 * body and _attachable(r, row_spans, stats)):
                    region.append(r)
                    taken.add(id(r))
                    grew = True
        regions.append(region)
    regions = _join_interjections(regions, rows, taken, column, body)
    # Maths in a plot's labels is no display: left to the figure (and dropped with it). Drawings
    # are read (a run of the page's content) only where a figure caption says there is a figure.
    has_figure = any(_FIGURE_CAPTION.match(r.text) for r in page.rows)
    replace: dict[int, list[Row]] = {}
    for region in regions:
        if has_figure and _in_figure(region, reader.figure_zones()):
            continue
        region_spans = [s for r in region for s in spans.get(id(r), [])]
        blocks = _equation_blocks(region, region_spans, reader, page.number)
        if not blocks:
            continue
        made = []
        for block in blocks:
            x0, y0, x1, y1 = block.bbox or (0, 0, 0, 0)
            row = Row(
                page.number,
                new_chunk(),
                x0,
                y0,
                x1,
                y1,
                block.text,
                body,
                body,
                0.0,
                1.0,
                "",
                len(block.text),
            )
            row.block = block
            made.append(row)
        swap_in(replace, region, made)
    apply_swaps(page, replace)


def _beside(row: Row, region: list[Row]) -> bool:
    """Whether ``row`` shares a printed line with one of the region's rows (mostly overlapping heights)."""
    for r in region:
        overlap = min(r.y1, row.y1) - max(r.y0, row.y0)
        if overlap > 0.6 * min(r.y1 - r.y0, row.y1 - row.y0):
            return True
    return False


def _in_figure(region: list[Row], zones: list[tuple[float, float, float, float]]) -> bool:
    x0, y0, x1, y1 = box_around(region)
    # A plot's tick labels and axis titles sit just outside its drawing.
    return any(
        zx0 - 25 <= x0 and x1 <= zx1 + 25 and zy0 - 14 <= y0 and y1 <= zy1 + 14
        for zx0, zy0, zx1, zy1 in zones
    )


def _join_interjections(regions, rows, taken, column, body) -> list[list[Row]]:
    """A short line of words between two parts of one display ("whenever", "and") joins them."""
    if len(regions) < 2:
        return regions
    regions.sort(key=lambda reg: min(r.y0 for r in reg))
    out = [regions[0]]
    for region in regions[1:]:
        prev = out[-1]
        p_y1 = max(r.y1 for r in prev)
        y0 = min(r.y0 for r in region)
        between = [
            r
            for r in rows
            if id(r) not in taken
            and r.y0 >= p_y1 - 1
            and r.y1 <= y0 + 1
            and column[id(r)] is column[id(prev[0])]
        ]
        if (
            len(between) == 1
            and len(between[0].text) <= 30
            and y0 - p_y1 < 3.2 * body
            and column[id(region[0])] is column[id(prev[0])]
        ):
            prev.append(between[0])
            taken.add(id(between[0]))
            prev.extend(region)
            continue
        out.append(region)
    return out


def _equation_blocks(
    region: list[Row], spans: list[Span], reader: PageReader, page_number: int
) -> list[Block]:
    """The equation blocks of one display region: one per printed number (or one if unnumbered)."""
    x0, y0, x1, y1 = box_around(region)
    glyphs = reader.char_glyphs((x0, y0, x1, y1), only=spans)
    if not glyphs:
        return []
    rules = reader.rules_in((x0, y0, x1, y1)) if _stacked(spans) else []
    numbers: list[tuple[str, float]] = []
    rest = glyphs
    while True:
        rest2, number = split_number(rest)
        if number is None:
            break
        taken = [g for g in rest if all(g is not h for h in rest2)]
        numbers.append((number, sum(g.base for g in taken) / len(taken)))
        rest = rest2
    groups = _by_number(rest, numbers)
    blocks = []
    for glyph_group, number in groups:
        lines = display_lines(glyph_group, [r for r in rules if _rule_in(r, glyph_group)])
        text = "\n".join(lines).strip()
        if not text:
            continue
        gx0, gy0, gx1, gy1 = box_around(glyph_group)
        blocks.append(
            Block(page=page_number, kind="equation", text=text, bbox=(gx0, gy0, gx1, gy1), number=number)
        )
    return blocks


def _rule_in(rule, glyphs: list[Glyph]) -> bool:
    y0 = min(g.y0 for g in glyphs)
    y1 = max(g.y1 for g in glyphs)
    return y0 - 1 <= rule.y <= y1 + 1


def _by_number(glyphs: list[Glyph], numbers: list[tuple[str, float]]) -> list[tuple[list[Glyph], str | None]]:
    """Glyphs split into one group per equation number: a number closes the lines down to its own."""
    if len(numbers) <= 1:
        return [(glyphs, numbers[0][0] if numbers else None)]
    numbers.sort(key=lambda n: n[1])
    cuts = []
    for (_, base), (_, next_base) in itertools.pairwise(numbers):
        # Cut between two numbered lines: at the widest empty band between their baselines.
        cuts.append(_cut_between(glyphs, base, next_base))
    groups: list[list[Glyph]] = [[] for _ in numbers]
    for g in glyphs:
        k = sum(1 for c in cuts if g.cy > c)
        groups[k].append(g)
    return [(group, number) for group, (number, _) in zip(groups, numbers, strict=False) if group]


def _cut_between(glyphs: list[Glyph], top: float, bottom: float) -> float:
    """The y inside (top, bottom) that the fewest glyph boxes cross, preferring the widest gap."""
    inside = sorted((g.y0, g.y1) for g in glyphs if g.y1 > top and g.y0 < bottom)
    best, best_gap = (top + bottom) / 2, -1.0
    edge = top
    for y0, y1 in inside:
        if y0 > edge and y0 - edge > best_gap:
            best, best_gap = (edge + y0) / 2, y0 - edge
        edge = max(edge, y1)
    if bottom > edge and bottom - edge > best_gap:
        best = (edge + bottom) / 2
    return best


# --- 3. inline maths --------------------------------------------------------------------------------


def _inline(spans: list[Span], stats: DocStats, reader: PageReader) -> str:
    """A row's text with its maths laid out and marked."""
    base, size = _baseline(spans)
    if _needs_characters(spans, size):
        box = box_around(spans)
        glyphs = reader.char_glyphs(box, text_tokens=False, only=spans)
        return inline_text(glyphs, reader.rules_in(box) if _stacked(spans) else [], base, size)
    return inline_text(reader.span_glyphs(spans), [], base, size)


def _needs_characters(spans: list[Span], size: float) -> bool:
    """Whether a row's maths must be read character by character, not span by span: glyphs stacked
    or special (radicals, accents, unnamed glyphs), or a script after a space (MuPDF puts the
    space, and the span's origin with it, on the previous glyph's baseline)."""
    for s in spans:
        if _SPECIAL.search(s.text) or symbols.is_extension_font(s.font):
            return True
        if s.text[:1] == " " and s.text.strip() and (s.flags & 1 or s.size < 0.85 * size):
            return True
    return _stacked(spans)


class _TableText:
    """Table cells' text, from the characters of the table, maths laid out (tables.CellText)."""

    def __init__(self, reader: PageReader) -> None:
        self.reader = reader

    def glyphs(self, box: tuple[float, float, float, float]) -> list[Glyph]:
        return self.reader.char_glyphs(box, text_tokens=False)

    def vertical_rules(self, box: tuple[float, float, float, float]) -> int:
        """How many vertical lines are drawn inside ``box`` (a ruled table's column separators)."""
        return self.reader.vertical_rules(box)

    def line_text(self, glyphs: list[Glyph]) -> str:
        """A printed line of a cell (no maths marks: a cell is shown whole through the notation)."""
        base, size = _line_base(glyphs)
        if all(not g.math and g.role == "ord" and abs(g.base - base) < 0.1 for g in glyphs):
            # Words only (most cells): no layout to do.
            return _plain(glyphs)
        text, _ranges = math_ranges(inline_text(glyphs, [], base, size))
        return " ".join(text.split())


def _plain(glyphs: list[Glyph]) -> str:
    """Words on one baseline, spaced where the text had spaces or gaps."""
    out = ""
    prev = None
    for g in sorted(glyphs, key=lambda g: g.x0):
        if prev is not None and (g.space_before or g.x0 - prev.x1 > 0.2 * g.size):
            out += " "
        out += g.text
        prev = g
    return out


def _line_base(line: list[Glyph]) -> tuple[float, float]:
    weights: dict[tuple[float, float], int] = {}
    for g in line:
        key = (round(g.base, 1), round(g.size, 1))
        weights[key] = weights.get(key, 0) + 1
    return max(weights, key=weights.__getitem__)


def _baseline(spans: list[Span]) -> tuple[float, float]:
    """The row's main baseline and size: those of most of its characters (a big operator's or
    bracket's origin is its top, and a span after a space may sit on the glyph before: neither
    counts when there is anything else)."""
    weights: dict[tuple[float, float], int] = {}
    for s in spans:
        n = len(s.text.strip())
        if n and not symbols.is_extension_font(s.font) and not (s.text[0] == " " and n == 1):
            key = (round(s.base, 1), round(s.size, 1))
            weights[key] = weights.get(key, 0) + n
    if not weights:
        return max(((s.base, s.size) for s in spans), key=lambda bs: bs[1], default=(0.0, 10.0))
    (base, size) = max(weights, key=weights.__getitem__)
    return base, size


def _stacked(spans: list[Span]) -> bool:
    """Whether some of a row's glyphs sit one above another (a fraction, a radical, limits)."""
    if any("√" in s.text for s in spans):
        return True
    maths = [s for s in spans if s.text.strip()]
    for i, a in enumerate(maths):
        for b in maths[i + 1 :]:
            overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
            if overlap > 0.6 * min(a.x1 - a.x0, b.x1 - b.x0) and abs(a.base - b.base) > 0.6 * max(
                a.size, b.size
            ):
                return True
    return False
