"""Page layout of a PDF: text rows from PyMuPDF span data, cleaned and put in reading order.

A *row* is one visual line of text (PyMuPDF lines on the same baseline joined, so "3" and
"Model Architecture" become "3 Model Architecture"), with its font size, boldness and share of
maths glyphs. Rows are grouped into *chunks* (PyMuPDF's blocks, kept in reading order: column
by column on two-column pages). Running headers and footers, page numbers, line numbers and
the rotated arXiv side stamp are dropped here; nothing downstream sees them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from library.structure import symbols
from library.structure.model import Block
from library.structure.symbols import font_family
from library.structure.text import clean

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|[-_,]?bd\b|CMBX|CMB\d|Medi|\.B$|-B$", re.I)
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)


@dataclass(slots=True)
class Row:
    page: int  # 1-based
    chunk: int  # PyMuPDF block number on the page
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float  # largest non-maths font size on the row
    main_size: float  # font size of most of the row's characters
    bold: float  # share of characters set in bold
    math: float  # share of characters set in maths fonts
    font: str  # font of most characters
    chars: int
    # Ends in a page number set apart ("Introduction ....... 2"): a table-of-contents entry.
    toc_entry: bool = False
    # The row's text with its inline maths laid out (library.structure.regions), when it has any.
    tex: str | None = None
    # A region already made into a block (a display equation, a table, a footnote): reading order
    # places it like any chunk, and block building takes it as it is.
    block: Block | None = None
    # Bold words followed by regular words on the same row ("2. Optimization Challenge. In the…"):
    # the run-in title of a list item or paragraph, never a display heading.
    run_in: bool = False
    # Share of characters set in ``font``: what ``math`` counts too much when that font is the body
    # font taken for a maths font (Computer Modern text: see unmark_body_font).
    font_share: float = 1.0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass
class Page:
    number: int
    width: float  # of the page as read: a turned page's width is its sheet's height
    height: float
    rows: list[Row] = field(default_factory=list)
    # PyMuPDF's text dict and text page, kept for the regions that need span and character data
    # (maths, tables) until library.structure.regions is done with the page.
    text_dict: dict | None = None
    textpage: object = None
    # A landscape page set sideways on a portrait sheet (a wide table) is read turned upright:
    # 90 when its lines run up the sheet, -90 when they run down, 0 for other pages.
    turned: int = 0


@dataclass
class DocStats:
    body_size: float
    body_font: str
    left: float  # usual left edge of body text
    right: float


_FONT_KINDS: dict[str, tuple[bool, bool]] = {}


def _font_kind(font: str) -> tuple[bool, bool]:
    """(bold, maths) for a font name; memoised because a page repeats a handful of fonts."""
    kind = _FONT_KINDS.get(font)
    if kind is None:
        kind = _FONT_KINDS[font] = (bool(_BOLD_FONT.search(font)), symbols.is_math_font(font))
    return kind


def _runs(spans: list[dict]) -> list[tuple[tuple[str, float, int], str]]:
    """A line's spans as runs of one (font, size, flags): ((font, size, flags), text) each.

    A 30-page paper has some 15,000 spans, because PyMuPDF makes every space between two words
    a span of its own (marked as synthetic); its lines have a few thousand runs. Grouping and
    joining happen in C, and everything after looks at runs, not spans.
    """
    if len(spans) == 1:
        span = spans[0]
        return [(_SPAN_STYLE(span), span["text"])]
    return [(style, "".join(map(_SPAN_TEXT, run))) for style, run in groupby(spans, _SPAN_STYLE)]


def _run_stats(
    runs: list[tuple[tuple[str, float, int], str]],
) -> tuple[float, float, float, float, str, int, bool, float]:
    """(size, main size, bold share, maths share, main font, characters, run-in, main font's share)
    of a row's runs.

    Spaces are not counted. The size is the largest outside maths fonts; the main size and font
    are those of most characters (the first, of equals). Run-in: bold words, then regular words
    (not maths) later on the row.
    """
    if len(runs) == 1:
        # Half the rows of a paper are one run: the figures below without the tallies.
        (font, sz, flags), t = runs[0]
        n = len(t) - t.count(" ")
        if n <= 0:
            return 0.0, 0.0, 0.0, 0.0, "", 0, False, 0.0
        bold_font, is_math = _FONT_KINDS.get(font) or _font_kind(font)
        size = 0.0 if is_math or t.isspace() else sz
        bold = 1.0 if bold_font or flags & 16 else 0.0
        return size or sz, sz, bold, 1.0 if is_math else 0.0, font, n, False, 1.0
    chars = 0
    bold = 0
    math = 0
    by_size: dict[float, int] = {}
    by_font: dict[str, int] = {}
    size = 0.0
    kinds = _FONT_KINDS
    bold_words = run_in = False
    for (font, sz, flags), t in runs:
        n = len(t) - t.count(" ")
        if n <= 0:
            continue
        chars += n
        by_font[font] = by_font.get(font, 0) + n
        by_size[sz] = by_size.get(sz, 0) + n
        bold_font, is_math = kinds.get(font) or _font_kind(font)
        if bold_font or flags & 16:
            bold += n
            bold_words = bold_words or any(map(str.isalpha, t))
        elif bold_words and not is_math and not run_in:
            run_in = sum(map(str.isalpha, t)) >= 2
        if is_math:
            math += n
        elif sz > size and not t.isspace():
            size = sz
    if not chars:
        return 0.0, 0.0, 0.0, 0.0, "", 0, False, 0.0
    main_size = max(by_size, key=by_size.__getitem__)
    main_font = max(by_font, key=by_font.__getitem__)
    return (
        size or main_size,
        main_size,
        bold / chars,
        math / chars,
        main_font,
        chars,
        run_in,
        by_font[main_font] / chars,
    )


_SPAN_STYLE = itemgetter("font", "size", "flags")
_SPAN_TEXT = itemgetter("text")
_LINE_FIELDS = itemgetter("dir", "spans", "bbox")


def read_pages(doc) -> list[Page]:
    """Rows of every page, in PyMuPDF's order, with rotated text (the arXiv stamp) left out.

    A page whose text mostly runs up or down the sheet (a landscape table set sideways) is read
    turned upright instead: its rows are in the turned page's frame (see :func:`sheet_box`).
    """
    import pymupdf  # already loaded by the caller that opened ``doc``

    # No ligatures kept, whitespace normalised, no images; boxes from the glyphs' ink (maths is laid
    # out from them: a radical hangs below its baseline, a CMEX sum starts at its origin), at no
    # measurable cost.
    flags = pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_ACCURATE_BBOXES
    pages: list[Page] = []
    for page in doc:
        rect = page.rect
        # Most of the time of a PDF's structure is spent here, in MuPDF: ~4 ms a page to run the
        # content streams into a text page, ~1.5 ms to turn it into this dict.
        textpage = page.get_textpage(flags=flags)
        data = textpage.extractDICT()
        out, up, down = _read_rows(page.number + 1, rect.width, rect.height, data["blocks"], 0)
        if max(up, down) > max(200, 2 * sum(row.chars for row in out.rows)):
            # Most text runs sideways (not just a stamp or axis labels): read it again upright,
            # one more pass over the dict.
            turned = 90 if up >= down else -90
            out, _, _ = _read_rows(page.number + 1, rect.width, rect.height, data["blocks"], turned)
        _merge_number_rows(out)
        out.text_dict = data
        out.textpage = textpage
        pages.append(out)
    return pages


def _read_rows(number: int, width: float, height: float, blocks: list, turned: int) -> tuple[Page, int, int]:
    """The page's rows from its text dict, and how many characters it left out as running up and down.

    ``turned`` 0 keeps the lines that run left to right; 90 (-90) keeps those that run up (down)
    the sheet, their boxes moved into the frame of the page turned upright.
    """
    out = Page(number, height if turned else width, width if turned else height, turned=turned)
    rows = out.rows
    up = down = 0
    for bno, block in enumerate(blocks):
        lines = []
        for (dx, dy), spans, bbox in map(_LINE_FIELDS, block.get("lines", ())):
            if turned == 0:
                if dx < 0.9 or abs(dy) > 0.1:
                    # The arXiv side stamp, axis labels, or a whole table set sideways.
                    if abs(dy) > 0.9:
                        n = sum(len(span["text"]) for span in spans)
                        up += n if dy < 0 else 0
                        down += n if dy > 0 else 0
                    continue
            elif abs(dx) > 0.1 or (dy > -0.9 if turned == 90 else dy < 0.9):
                continue
            else:
                bbox = upright_box(bbox, turned, width, height)
            if not spans:
                continue
            # Spans with no text add nothing to the text or to the tallies of _run_stats.
            runs = _runs(spans)
            text = runs[0][1] if len(runs) == 1 else "".join([t for _, t in runs])
            if text and not text.isspace():
                lines.append((bbox, runs, text))
        if len(lines) == 1:
            # Most blocks are one line (a heading, a label in a figure): no sorting or grouping.
            (x0, y0, x1, y1), runs, text = lines[0]
            row = _row(number, bno, x0, y0, x1, y1, runs, text, False)
            if row is not None:
                rows.append(row)
        elif lines:
            rows.extend(_rows_of_block(number, bno, lines))
    return out, up, down


def upright_box(bbox: tuple, turned: int, width: float, height: float) -> tuple[float, float, float, float]:
    """A box on the sheet (``width`` x ``height``) in the frame of the page turned upright."""
    x0, y0, x1, y1 = bbox
    if turned == 90:  # lines run up the sheet: its bottom edge is the turned page's left
        return (height - y1, x0, height - y0, x1)
    return (y0, width - x1, y1, width - x0)


def sheet_box(page: Page, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box of a turned page's frame back on its sheet, where renderers and viewers look for it."""
    if not page.turned:
        return box
    a, b, c, d = box
    if page.turned == 90:  # the sheet's height is the turned page's width
        return (b, page.width - c, d, page.width - a)
    return (page.height - d, a, page.height - b, c)


_DOT_LEADER = re.compile(r"(\.\s?){4,}\d+$")


def _top_then_left(line: tuple) -> tuple[float, float]:
    return line[0][1], line[0][0]


def _rows_of_block(page: int, bno: int, lines: list) -> list[Row]:
    """Join the lines of one block that share a baseline into rows.

    ``lines`` holds (bbox, runs, text) of each line, ``text`` being its runs' text joined.
    """
    lines = sorted(lines, key=_top_then_left)
    groups: list[list] = []
    # (top, bottom, height, lines) of each group, from its first line's box.
    extents: list[tuple[float, float, float, list]] = []
    for line in lines:
        left, top, right, bottom = line[0]
        height = bottom - top
        # Sorted by top edge, so a line can only share a baseline with the last few groups.
        for g_top, g_bottom, g_height, group in extents[-3:]:
            # min() and max() written out: this runs for every line of the document.
            overlap = (bottom if bottom < g_bottom else g_bottom) - (top if top > g_top else g_top)
            if overlap > 0.5 * (height if height < g_height else g_height) and not _side_by_side_clash(
                group, left, right
            ):
                group.append(line)
                break
        else:
            group = [line]
            groups.append(group)
            extents.append((top, bottom, height, group))
    rows = []
    for group in groups:
        if len(group) == 1:
            (x0, y0, x1, y1), runs, text = group[0]
            row = _row(page, bno, x0, y0, x1, y1, runs, text, False)
        else:
            group.sort(key=lambda item: item[0][0])
            runs = []
            parts = []
            prev_x1 = None
            for bbox, line_runs, line_text in group:
                if prev_x1 is not None and bbox[0] - prev_x1 > 1.0:
                    parts.append(" ")  # a gap between the pieces of a row reads as a space
                parts.append(line_text)
                runs.extend(line_runs)
                prev_x1 = bbox[2]
            toc_entry = group[-1][2].strip().isdigit() and group[-1][0][0] - group[-2][0][2] > 15
            row = _row(
                page,
                bno,
                min(b[0] for b, _, _ in group),
                min(b[1] for b, _, _ in group),
                max(b[2] for b, _, _ in group),
                max(b[3] for b, _, _ in group),
                runs,
                "".join(parts),
                toc_entry,
            )
        if row is not None:
            rows.append(row)
    return rows


def _side_by_side_clash(group: list, left: float, right: float) -> bool:
    """Whether a line overlaps a group's lines horizontally: then it is the next line, not the same row.

    A tall glyph (a square root, a subscript) can make two successive lines overlap vertically;
    pieces of one row sit beside each other, never on top of each other.
    """
    for (x0, _, x1, _), _, _ in group:  # noqa: SIM110  (hot path: a plain loop beats any() over a generator)
        if (right if right < x1 else x1) - (left if left > x0 else x0) > 2.0:
            return True
    return False


def _row(
    page: int, bno: int, x0: float, y0: float, x1: float, y1: float, runs: list, text: str, toc_entry: bool
) -> Row | None:
    """The row of some runs of text; ``None`` when they hold nothing but spaces."""
    size, main_size, bold, math, font, chars, run_in, font_share = _run_stats(runs)
    if not chars:
        return None
    if not toc_entry:
        stripped = text.strip()
        # The dot-leader pattern can only match text ending in a digit: skip the search otherwise.
        toc_entry = stripped[-1:].isdecimal() and _DOT_LEADER.search(stripped) is not None
    return Row(
        page,
        bno,
        x0,
        y0,
        x1,
        y1,
        clean(text),
        size,
        main_size,
        bold,
        math,
        font,
        chars,
        toc_entry,
        run_in=run_in,
        font_share=font_share,
    )


_NUM_ONLY = re.compile(r"^(\d{1,2}(\.\d{1,2}){0,3}|[A-Z](\.\d{1,2}){0,3})\.?$")


def _merge_number_rows(page: Page) -> None:
    """A section number set as its own block ("2.1" left of "Approach") joins its title's row."""
    rows = page.rows
    numbers = [i for i, row in enumerate(rows) if len(row.text) <= 12 and _NUM_ONLY.match(row.text)]
    if not numbers:
        return
    # Rows bucketed by the height of their middle, so each number looks only at its neighbours.
    # Middles and left edges are kept in lists: a figure's tick labels are hundreds of "numbers",
    # each looking at dozens of neighbours, and list look-ups are cheaper than attributes.
    middles = [(other.y0 + other.y1) / 2 for other in rows]
    lefts = [other.x0 for other in rows]
    buckets: dict[int, list[int]] = {}
    for j, other in enumerate(rows):
        buckets.setdefault(int((other.y0 + other.y1) / 8), []).append(j)
    bands: dict[int, list[int]] = {}
    drop: set[int] = set()
    for i in numbers:
        row = rows[i]
        middle = (row.y0 + row.y1) / 2
        tolerance = 0.4 * (row.y1 - row.y0)
        right = row.x1
        best = None
        key = int(middle / 4)
        # Neighbours that start just right of the number, in bucket order (ties go to the first).
        # Tick labels share their heights, so the rows of each band of buckets are listed once.
        band = bands.get(key)
        if band is None:
            band = bands[key] = [j for k in range(key - 2, key + 3) for j in buckets.get(k, ())]
        near = [j for j in band if 0 <= lefts[j] - right < 40]
        for j in near:
            if j == i or j in drop:
                continue
            if abs(middles[j] - middle) < tolerance and (best is None or lefts[j] < lefts[best]):
                best = j
        if best is None or rows[best].chunk == row.chunk:
            continue
        other = rows[best]
        merged_chars = row.chars + other.chars
        merged = rows[best] = Row(
            other.page,
            other.chunk,
            row.x0,
            min(row.y0, other.y0),
            other.x1,
            max(row.y1, other.y1),
            f"{row.text} {other.text}",
            max(row.size, other.size),
            other.main_size,
            (row.bold * row.chars + other.bold * other.chars) / merged_chars,
            (row.math * row.chars + other.math * other.chars) / merged_chars,
            other.font,
            merged_chars,
            run_in=other.run_in,
            font_share=other.font_share * other.chars / merged_chars,
        )
        # The merged row keeps its bucket (as it always has) but its middle and left edge move.
        middles[best] = (merged.y0 + merged.y1) / 2
        lefts[best] = merged.x0
        drop.add(i)
    if drop:
        page.rows = [r for k, r in enumerate(rows) if k not in drop]


def doc_stats(pages: list[Page]) -> DocStats:
    """Body text size and font, and the usual left and right edges of body text.

    The body size is the size of most characters on rows of running text (long rows of words),
    not of every glyph: a heatmap's hundreds of tiny digits, or a figure's labels, can
    outnumber a paper's prose characters on some pages but are never rows of words.
    """
    # Characters by font size (to half a point) and by font. Plain dicts, and the first of equal
    # counts wins, as with Counter.most_common.
    sizes: dict[float, int] = {}
    prose_sizes: dict[float, int] = {}
    fonts: dict[str, int] = {}
    prose_fonts: dict[str, int] = {}
    for page in pages:
        for row in page.rows:
            size = round(row.main_size * 2) / 2
            sizes[size] = sizes.get(size, 0) + row.chars
            fonts[row.font] = fonts.get(row.font, 0) + row.chars
            # Prose: a long row that starts with a letter and has words, not numbers, between its
            # spaces (a row of a heatmap or table, "0.12 0.31 0.08 …", has a space every few
            # characters). Checks made in C: this runs for every row.
            text = row.text
            if len(text) >= 30 and text[0].isalpha() and 5 * text.count(" ") < len(text):
                prose_sizes[size] = prose_sizes.get(size, 0) + row.chars
                prose_fonts[row.font] = prose_fonts.get(row.font, 0) + row.chars
    # A paper with no row of prose at all (a poster, a slide deck) falls back on every glyph.
    sizes = prose_sizes or sizes
    fonts = prose_fonts or fonts
    body = max(sizes, key=sizes.__getitem__) if sizes else 10.0
    body_rows = [r for p in pages for r in p.rows if len(r.text) > 40 and abs(r.main_size - body) < 1]
    lefts = sorted([r.x0 for r in body_rows])
    rights = sorted([r.x1 for r in body_rows])
    left = lefts[len(lefts) // 50] if lefts else 0.0
    right = rights[-1 - len(rights) // 50] if rights else 1e9
    return DocStats(body, max(fonts, key=fonts.__getitem__) if fonts else "", left, right)


def unmark_body_font(pages: list[Page], stats: DocStats) -> None:
    """Count the body font's characters as text, in place, where its name is a maths font's.

    A paper set in Computer Modern has its prose in CMR10, the font TeX also sets maths digits
    and operators in: every row of it would read as an equation. The body font is never maths,
    and nor are its other sizes (the title's CMR17, a heading's CMR12).
    """
    if not _font_kind(stats.body_font)[1]:
        return
    family = font_family(stats.body_font)
    for page in pages:
        for row in page.rows:
            if row.math and font_family(row.font) == family:
                row.math = max(0.0, row.math - row.font_share)


def drop_furniture(pages: list[Page], stats: DocStats) -> None:
    """Remove running headers and footers, page numbers and line numbers, in place."""

    def key(row: Row) -> str:
        return _DIGITS.sub("#", row.text.lower())

    seen: Counter = Counter()
    for page in pages:
        top, bottom = page.height * 0.09, page.height * 0.91  # the margins
        for k in {key(r) for r in page.rows if r.y1 < top or r.y0 > bottom}:
            seen[k] += 1
    repeated = max(3, len(pages) // 3)
    number_left = stats.left - 2
    number_right = stats.right + 2
    for page in pages:
        top, bottom = page.height * 0.09, page.height * 0.91
        kept = []
        for row in page.rows:
            if (row.y1 < top or row.y0 > bottom) and (
                seen[key(row)] >= repeated or _PAGE_NUMBER.match(row.text)
            ):
                continue
            # Line numbers of review copies: bare numbers outside the text block.
            if row.text.isdigit() and (row.x1 < number_left or row.x0 > number_right):
                continue
            kept.append(row)
        # A page number set a little above the bottom margin: the lowest row, alone and centred.
        if kept:
            last = max(kept, key=lambda r: r.y0)
            if (
                last.y0 > page.height * 0.8
                and _PAGE_NUMBER.match(last.text)
                and abs((last.x0 + last.x1) / 2 - page.width / 2) < page.width * 0.05
                and all(r.y1 < last.y0 for r in kept if r is not last)
            ):
                kept.remove(last)
        page.rows = kept


def swap_in(replaced: dict[int, list[Row]], region: list[Row], made: list[Row]) -> None:
    """Mark ``region``'s rows to be replaced by ``made`` (a table, an equation, a footnote as rows
    carrying their block), placed where the region's top-left row was; see :func:`apply_swaps`."""
    first = min(region, key=lambda r: (r.y0, r.x0))
    replaced[id(first)] = made
    for r in region:
        replaced.setdefault(id(r), [])


def apply_swaps(page: Page, replaced: dict[int, list[Row]]) -> None:
    """Replace the page's rows marked by :func:`swap_in`, keeping the order of the others."""
    if replaced:
        page.rows = [new for r in page.rows for new in replaced.get(id(r), [r])]


def two_columns(page: Page) -> bool:
    """Whether the page is set in two columns: much text lies wholly in each half."""
    mid = page.width / 2
    left = right = total = 0
    for row in page.rows:
        if len(row.text) < 20:
            continue
        total += row.chars
        if row.x1 <= mid + 5:
            left += row.chars
        elif row.x0 >= mid - 5:
            right += row.chars
    return total > 0 and left > 0.25 * total and right > 0.25 * total


def reading_order(page: Page) -> list[list[Row]]:
    """The page's chunks (lists of rows) in reading order: column by column within bands."""
    chunks: dict[int, list[Row]] = {}
    for row in page.rows:
        chunks.setdefault(row.chunk, []).append(row)
    items = []
    for rows in chunks.values():
        if len(rows) == 1:  # most chunks of a page with figures: nothing to sort or compare
            row = rows[0]
            items.append((row.x0, row.y0, row.x1, rows))
            continue
        rows.sort(key=lambda r: (r.y0, r.x0))
        x0 = min(r.x0 for r in rows)
        x1 = max(r.x1 for r in rows)
        y0 = min(r.y0 for r in rows)
        items.append((x0, y0, x1, rows))
    if not two_columns(page):
        items.sort(key=lambda it: (round(it[1]), it[0]))
        return [it[3] for it in items]
    mid = page.width / 2
    ordered: list[list[Row]] = []
    band: list = []

    def flush():
        left = sorted((it for it in band if it[0] < mid - 5 or it[2] <= mid + 5), key=lambda it: it[1])
        right = sorted((it for it in band if not (it[0] < mid - 5 or it[2] <= mid + 5)), key=lambda it: it[1])
        ordered.extend(it[3] for it in left + right)
        band.clear()

    for it in sorted(items, key=lambda it: it[1]):
        spanning = it[0] < mid - 20 and it[2] > mid + 20
        if spanning:
            flush()
            ordered.append(it[3])
        else:
            band.append(it)
    flush()
    return ordered
