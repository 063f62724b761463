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

from library.structure.text import clean

# Fonts that set mathematics in TeX-made and other PDFs. The body font is never counted as
# maths, so Computer Modern body text (CMR10) is not mistaken for an equation.
_MATH_FONT = re.compile(r"^(CM(MI|SY|EX|R|BSY|MIB)\d|MSBM|MSAM|rsfs|esint|Symbol|.*Math|.*MT(Extra|Symbol)|stmary|wasy|eufm|CMSS)", re.I)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|[-_,]?bd\b|CMBX|CMB\d|Medi|\.B$|-B$", re.I)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)


@dataclass
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

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass
class Page:
    number: int
    width: float
    height: float
    rows: list[Row] = field(default_factory=list)


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
        kind = _FONT_KINDS[font] = (bool(_BOLD_FONT.search(font)), bool(_MATH_FONT.match(font)))
    return kind


def _span_stats(spans: list[dict]) -> tuple[str, float, float, float, float, str, int]:
    text = "".join(s["text"] for s in spans)
    chars = 0
    bold = 0
    math = 0
    by_size: dict[float, int] = {}
    by_font: dict[str, int] = {}
    size = 0.0
    for s in spans:
        t = s["text"]
        n = len(t) - t.count(" ")
        if n <= 0:
            continue
        chars += n
        font = s["font"]
        by_font[font] = by_font.get(font, 0) + n
        sz = s["size"]
        by_size[sz] = by_size.get(sz, 0) + n
        bold_font, is_math = _font_kind(font)
        if bold_font or s["flags"] & 16:
            bold += n
        if is_math:
            math += n
        elif sz > size and not t.isspace():
            size = sz
    if not chars:
        return text, 0.0, 0.0, 0.0, 0.0, "", 0
    main_size = max(by_size, key=by_size.__getitem__)
    return text, size or main_size, main_size, bold / chars, math / chars, max(by_font, key=by_font.__getitem__), chars


def read_pages(doc) -> list[Page]:
    """Rows of every page, in PyMuPDF's order, with rotated text (the arXiv stamp) left out."""
    import pymupdf  # already loaded by the caller that opened ``doc``

    flags = pymupdf.TEXT_MEDIABOX_CLIP  # no ligatures kept, whitespace normalised, no images
    pages: list[Page] = []
    for page in doc:
        rect = page.rect
        out = Page(page.number + 1, rect.width, rect.height)
        data = page.get_text("dict", flags=flags)
        for bno, block in enumerate(data["blocks"]):
            lines = []
            for line in block.get("lines", ()):
                dx, dy = line["dir"]
                if dx < 0.9 or abs(dy) > 0.1:
                    continue  # rotated: the arXiv side stamp, axis labels
                spans = [s for s in line["spans"] if s["text"]]
                if spans and "".join(s["text"] for s in spans).strip():
                    lines.append((line["bbox"], spans))
            out.rows.extend(_rows_of_block(out.number, bno, lines))
        _merge_number_rows(out)
        pages.append(out)
    return pages


def _rows_of_block(page: int, bno: int, lines: list) -> list[Row]:
    """Join the lines of one block that share a baseline into rows."""
    groups: list[list] = []
    for bbox, spans in sorted(lines, key=lambda item: (item[0][1], item[0][0])):
        # Sorted by top edge, so a line can only share a baseline with the last few groups.
        for group in groups[-3:]:
            gb = group[0][0]
            overlap = min(gb[3], bbox[3]) - max(gb[1], bbox[1])
            if overlap > 0.5 * min(gb[3] - gb[1], bbox[3] - bbox[1]):
                group.append((bbox, spans))
                break
        else:
            groups.append([(bbox, spans)])
    rows = []
    for group in groups:
        group.sort(key=lambda item: item[0][0])
        spans: list[dict] = []
        prev_x1 = None
        for bbox, line_spans in group:
            if prev_x1 is not None and bbox[0] - prev_x1 > 1.0:
                spans.append({"text": " ", "font": "", "size": 0, "flags": 0})
            spans.extend(line_spans)
            prev_x1 = bbox[2]
        text, size, main_size, bold, math, font, chars = _span_stats(spans)
        if not chars:
            continue
        last_text = "".join(s["text"] for s in group[-1][1]).strip()
        toc_entry = len(group) > 1 and last_text.isdigit() and group[-1][0][0] - group[-2][0][2] > 15
        toc_entry = toc_entry or bool(re.search(r"(\.\s?){4,}\d+$", text.strip()))
        rows.append(Row(
            page, bno, min(b[0] for b, _ in group), min(b[1] for b, _ in group),
            max(b[2] for b, _ in group), max(b[3] for b, _ in group),
            clean(text), size, main_size, bold, math, font, chars, toc_entry,
        ))
    return rows


_NUM_ONLY = re.compile(r"^(\d{1,2}(\.\d{1,2}){0,3}|[A-Z](\.\d{1,2}){0,3})\.?$")


def _merge_number_rows(page: Page) -> None:
    """A section number set as its own block ("2.1" left of "Approach") joins its title's row."""
    rows = page.rows
    numbers = [i for i, row in enumerate(rows) if len(row.text) <= 12 and _NUM_ONLY.match(row.text)]
    if not numbers:
        return
    # Rows bucketed by the height of their middle, so each number looks only at its neighbours.
    buckets: dict[int, list[int]] = {}
    for j, other in enumerate(rows):
        buckets.setdefault(int((other.y0 + other.y1) / 8), []).append(j)
    drop: set[int] = set()
    for i in numbers:
        row = rows[i]
        middle = (row.y0 + row.y1) / 2
        tolerance = 0.4 * (row.y1 - row.y0)
        best = None
        key = int(middle / 4)
        near = [j for k in range(key - 2, key + 3) for j in buckets.get(k, ())]
        for j in near:
            other = rows[j]
            gap = other.x0 - row.x1
            if j == i or j in drop or not 0 <= gap < 40:
                continue
            if abs((other.y0 + other.y1) / 2 - middle) < tolerance and (best is None or other.x0 < rows[best].x0):
                best = j
        if best is None or rows[best].chunk == row.chunk:
            continue
        other = rows[best]
        merged_chars = row.chars + other.chars
        rows[best] = Row(
            other.page, other.chunk, row.x0, min(row.y0, other.y0), other.x1, max(row.y1, other.y1),
            f"{row.text} {other.text}", max(row.size, other.size), other.main_size,
            (row.bold * row.chars + other.bold * other.chars) / merged_chars,
            (row.math * row.chars + other.math * other.chars) / merged_chars,
            other.font, merged_chars,
        )
        drop.add(i)
    if drop:
        page.rows = [r for k, r in enumerate(rows) if k not in drop]


def doc_stats(pages: list[Page]) -> DocStats:
    sizes: Counter = Counter()
    fonts: Counter = Counter()
    for page in pages:
        for row in page.rows:
            sizes[round(row.main_size * 2) / 2] += row.chars
            fonts[row.font] += row.chars
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    lefts = sorted(r.x0 for p in pages for r in p.rows if len(r.text) > 40 and abs(r.main_size - body) < 1)
    rights = sorted(r.x1 for p in pages for r in p.rows if len(r.text) > 40 and abs(r.main_size - body) < 1)
    left = lefts[len(lefts) // 50] if lefts else 0.0
    right = rights[-1 - len(rights) // 50] if rights else 1e9
    return DocStats(body, fonts.most_common(1)[0][0] if fonts else "", left, right)


def drop_furniture(pages: list[Page], stats: DocStats) -> None:
    """Remove running headers and footers, page numbers and line numbers, in place."""
    def key(row: Row) -> str:
        return re.sub(r"\d+", "#", row.text.lower())

    def in_margin(page: Page, row: Row) -> bool:
        return row.y1 < page.height * 0.09 or row.y0 > page.height * 0.91

    seen: Counter = Counter()
    for page in pages:
        for k in {key(r) for r in page.rows if in_margin(page, r)}:
            seen[k] += 1
    repeated = max(3, len(pages) // 3)
    for page in pages:
        kept = []
        for row in page.rows:
            if in_margin(page, row) and (seen[key(row)] >= repeated or _PAGE_NUMBER.match(row.text)):
                continue
            # Line numbers of review copies: bare numbers outside the text block.
            if row.text.isdigit() and (row.x1 < stats.left - 2 or row.x0 > stats.right + 2):
                continue
            kept.append(row)
        page.rows = kept


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
