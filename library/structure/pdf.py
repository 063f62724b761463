"""Structure of a PDF: sections (from the outline, checked against the text, or detected from
font data) and the content as blocks in reading order.

``pdf_structure(path)`` is the entry point. It works in three passes over the rows that
:mod:`library.structure.layout` yields: find heading *candidates* (a row whose text reads as a
numbered or well-known heading and whose style stands out from the body text), *select* the
real headings (the outline's entries found on their pages, or a numbering sequence that makes
sense: 1, 2, 3 … then A, B …; subsections only under the current section), then *build* the
blocks (headings, paragraphs joined across column and page breaks, captions, equations, …).
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from pathlib import Path

from library.structure import errors, footnotes, regions
from library.structure.headings import (
    is_known_unnumbered,
    level_of,
    looks_like_title,
    split_number,
)
from library.structure.layout import DocStats, Row, doc_stats, drop_furniture, read_pages, reading_order
from library.structure.model import Block, DocumentStructure
from library.structure.sections import Heading, build_sections
from library.structure.text import (
    clean,
    ends_sentence,
    join_lines,
    join_paragraphs,
    norm_title,
    titlecase_if_shouting,
)

# In numbered papers only these unnumbered headings are top-level sections; others ("Summary",
# "Results") are run-in paragraph titles inside a numbered section.
_FRAME_NAMES = {
    "abstract",
    "references",
    "bibliography",
    "acknowledgements",
    "acknowledgments",
    "acknowledgement",
    "acknowledgment",
    "appendix",
    "appendices",
    "supplementary material",
    "supplementary materials",
    "contributions",
    "author contributions",
    "broader impact",
    "broader impacts",
    "online content",
}
_CAPTION = re.compile(r"^(figure|fig\.|table|algorithm|listing|exhibit)\s*[A-Z]?\d+(\.\d+)?\s*[:.|]", re.I)
_LABEL_ONLY = re.compile(r"^(?:chapter|appendix|part|section)\s+(\d{1,2}|[A-Z])\.?$", re.I)
_BULLET = re.compile(r"^([•◦▪‣∙·\-–—*]\s|\(?[a-z0-9ivx]{1,3}\)\s|\d{1,2}\.\s)")
_ITEM_START = re.compile(r"^[•◦▪‣∙]\s")
_FOOTNOTE_MARK = re.compile(r"^(\d{1,2}|[*∗†‡§¶])\s?(?:[^\W\d_]|[“\"(])")  # a mark, then words
_ROMAN = re.compile(r"[IVX]+")
_DIGIT = re.compile(r"\d")
_NUMBERS_ONLY = re.compile(r"^[\s\d.,%()\-−+^{}_]*$")


@dataclass
class Candidate:
    row: int  # index into the flat row list
    number: str | None
    title: str
    styled: bool  # bold or larger than body text
    kind: str  # "num", "known", "plain"


def open_pdf(path: Path):
    """Open a PDF, turning every way it can be unreadable into its own :class:`BadDocument`."""
    import pymupdf  # ~50 ms on first import: the MuPDF bindings

    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise errors.CorruptDocument(path, exc.strerror) from exc
    if size == 0:
        raise errors.EmptyDocument(path)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # MuPDF raises FileDataError/RuntimeError/ValueError for broken files
        with open(path, "rb") as fh:
            head = fh.read(1024)
        if b"%PDF" in head and re.search(rb"/Count\s+0\b", path.read_bytes()[:65536]):
            raise errors.NoPages(path) from exc
        raise errors.CorruptDocument(path) from exc
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise errors.EncryptedDocument(path)
    if doc.page_count == 0:
        doc.close()
        raise errors.NoPages(path)
    return doc


def pdf_structure(path: Path | str, *, use_outline: bool = True) -> DocumentStructure:
    """Sections and blocks of the PDF at ``path``. ``use_outline=False`` forces text-based detection."""
    # The cyclic garbage collector is paused meanwhile: PyMuPDF's page dicts and the rows made
    # from them are tens of thousands of young containers, none in a cycle, and the collector
    # would walk them 15 to 40 times a paper (5-15 ms). Cycles made meanwhile are collected when
    # it resumes; if the caller had paused it, it stays paused.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _structure(Path(path), use_outline)
    finally:
        if was_enabled:
            gc.enable()


def _structure(path: Path, use_outline: bool) -> DocumentStructure:
    doc = open_pdf(path)
    try:
        try:
            pages = read_pages(doc)
        except Exception as exc:  # a damaged content stream deep inside the file
            raise errors.CorruptDocument(path, str(exc)) from exc
        if not any(page.rows for page in pages):
            raise errors.NoTextLayer(path)
        stats = doc_stats(pages)
        drop_furniture(pages, stats)
        regions.apply(doc, pages, stats)
        rows: list[Row] = []
        chunk_ids: list[int] = []
        chunk = 0
        for page in pages:
            for rows_of_chunk in reading_order(page):
                chunk += 1
                rows.extend(rows_of_chunk)
                chunk_ids.extend([chunk] * len(rows_of_chunk))
        candidates = _candidates(rows, chunk_ids, stats)
        toc = doc.get_toc(simple=True) if use_outline else []
        source = "heuristic"
        chosen = None
        if toc:
            chosen = _from_outline(toc, rows, chunk_ids, candidates, stats)
            if chosen is not None:
                source = "outline"
        if chosen is None:
            chosen = _select(candidates, rows, stats)
        blocks, headings = _build_blocks(rows, chunk_ids, chosen, stats)
        title = _title(doc, rows)
        return DocumentStructure(
            kind="pdf",
            page_count=doc.page_count,
            sections=build_sections(blocks, headings),
            blocks=blocks,
            source=source,
            title=title,
        )
    finally:
        doc.close()


# --- candidates -------------------------------------------------------------------------------


def _styled(row: Row, stats: DocStats) -> bool:
    return row.bold >= 0.6 or row.size >= stats.body_size + 0.9


def _shouting(title: str) -> bool:
    letters = list(filter(str.isalpha, title))
    return len(letters) >= 4 and not any(map(str.islower, letters))


def _candidates(rows: list[Row], chunk_ids: list[int], stats: DocStats) -> list[Candidate]:
    out: list[Candidate] = []
    styled_size = stats.body_size + 0.9
    for i, row in enumerate(rows):
        text = row.text
        if len(text) > 150 or row.math > 0.4 or row.toc_entry:
            continue
        if len(text) <= 8 and text.isascii() and sum(map(str.isalpha, text)) < 2:
            # Fewer than two letters ("0.5", "(b)", "12"): no title, label or known name can be
            # read from it, so nothing below would take it. Figures hold hundreds of these.
            continue
        styled = row.bold >= 0.6 or row.size >= styled_size  # _styled, inlined: runs for every row
        number, title = split_number(text)
        label = _LABEL_ONLY.match(text)
        if label and styled and i + 1 < len(rows):
            # "Chapter 3" on its own line, the title on the next: one heading.
            below = rows[i + 1]
            if (
                below.page == row.page
                and 0 <= below.y0 - row.y1 < 3 * (row.y1 - row.y0)
                and _styled(below, stats)
            ):
                out.append(
                    Candidate(
                        i,
                        label.group(1).upper() if label.group(1).isalpha() else label.group(1),
                        below.text,
                        True,
                        "num",
                    )
                )
                continue
        if number and looks_like_title(title):
            roman = bool(_ROMAN.fullmatch(number)) and len(number) > 1
            if roman and not styled:
                continue
            if number.isalpha() and not (styled or (_shouting(title) and row.size >= stats.body_size - 0.6)):
                continue
            if styled or (_shouting(title) and row.size >= stats.body_size - 0.6):
                out.append(Candidate(i, number, title, True, "num"))
            else:
                out.append(Candidate(i, number, title, False, "num"))
            continue
        bare = text.rstrip(".: ")
        if is_known_unnumbered(bare) and (styled or _shouting(bare)):
            out.append(Candidate(i, None, bare, True, "known"))
            continue
        first_of_chunk = i == 0 or chunk_ids[i - 1] != chunk_ids[i]
        if (
            styled
            and first_of_chunk
            and looks_like_title(text)
            and len(text.split()) <= 12
            and not text.endswith((".", ":"))
            and row.main_size >= stats.body_size - 0.6
        ):
            out.append(Candidate(i, None, text, True, "plain"))
        elif first_of_chunk and looks_like_title(text) and len(text.split()) <= 16:
            out.append(Candidate(i, None, text, False, "plain"))
    return out


# --- selection without an outline ------------------------------------------------------------


@dataclass
class Chosen:
    row: int
    number: str | None
    title: str
    level: int


def _select(candidates: list[Candidate], rows: list[Row], stats: DocStats) -> list[Chosen]:
    chosen = _select_numbered(candidates, rows)
    if sum(1 for c in chosen if c.level == 1 and c.number) >= 2:
        return _with_frame_headings(chosen, candidates, rows)
    return _select_unnumbered(candidates, rows, stats)


def _with_frame_headings(chosen: list[Chosen], candidates: list[Candidate], rows: list[Row]) -> list[Chosen]:
    """Add the unnumbered top-level headings of a numbered paper: Abstract, References, …"""
    tops = [c for c in chosen if c.level == 1 and c.number]
    if not tops:
        return chosen
    top_size = sorted(rows[c.row].size for c in tops)[len(tops) // 2]
    used = {c.row for c in chosen}
    have = {norm_title(c.title) for c in chosen}
    first_top = tops[0].row
    out = list(chosen)
    for cand in candidates:
        if cand.kind != "known" or cand.row in used:
            continue
        name = norm_title(cand.title)
        if name not in _FRAME_NAMES or name in have:
            continue
        if name != "abstract" and rows[cand.row].size < top_size - 0.6 and rows[cand.row].bold < 0.6:
            continue
        if name != "abstract" and cand.row < first_top:
            continue
        out.append(Chosen(cand.row, None, _title_text(cand.title), 1))
    return sorted(out, key=lambda c: c.row)


def _select_numbered(candidates: list[Candidate], rows: list[Row]) -> list[Chosen]:
    chosen: list[Chosen] = []
    top_digit: int | None = None
    last_letter: str | None = None
    current_top: str | None = None
    appendix_seen = False
    for cand in candidates:
        if cand.kind == "known" and norm_title(cand.title) in (
            "appendix",
            "appendices",
            "supplementary material",
        ):
            appendix_seen = True
        if cand.kind != "num" or not cand.styled:
            continue
        number = cand.number or ""
        parts = number.split(".")
        head = parts[0]
        if len(parts) == 1:
            if head.isdigit():
                n = int(head)
                ok = last_letter is None and (
                    (top_digit is None and 0 <= n <= 3)
                    or (top_digit is not None and top_digit < n <= top_digit + 2)
                )
                if ok:
                    top_digit, current_top = n, head
                    chosen.append(Chosen(cand.row, head, _title_text(cand.title), 1))
            elif len(head) == 1 and head.isalpha():
                if last_letter is None:
                    ok = head == "A" and ((top_digit is not None and top_digit >= 2) or appendix_seen)
                else:
                    ok = 1 <= ord(head) - ord(last_letter) <= 2
                if ok:
                    last_letter = current_top = head
                    chosen.append(Chosen(cand.row, head, _title_text(cand.title), 1))
        elif head == current_top:
            try:
                tail = tuple(int(p) for p in parts[1:])
            except ValueError:
                continue
            if any(t > 40 for t in tail):
                continue
            chosen.append(Chosen(cand.row, number, _title_text(cand.title), len(parts)))
    return chosen


def _select_unnumbered(candidates: list[Candidate], rows: list[Row], stats: DocStats) -> list[Chosen]:
    """Papers without section numbers: styled short rows, levels by font size."""
    page1 = [r for r in rows if r.page == 1]
    title_size = max((r.size for r in page1), default=0)
    abstract_row = next(
        (c.row for c in candidates if c.kind == "known" and norm_title(c.title) == "abstract"), None
    )
    picked = []
    for cand in candidates:
        row = rows[cand.row]
        if not cand.styled or cand.kind == "num":
            continue
        if row.page == 1 and (row.size >= title_size - 0.1 and title_size > stats.body_size * 1.3):
            continue
        if abstract_row is not None and cand.row < abstract_row:
            continue
        picked.append(cand)
    sizes = sorted({round(rows[c.row].size * 2) / 2 for c in picked}, reverse=True)
    chosen = []
    for cand in picked:
        size = round(rows[cand.row].size * 2) / 2
        level = min(sizes.index(size) + 1, 3)
        if cand.kind == "known":
            level = 1
        chosen.append(Chosen(cand.row, None, _title_text(cand.title), level))
    return chosen


def _title_text(title: str) -> str:
    return titlecase_if_shouting(title.strip().rstrip(":").strip())


# --- selection from the outline --------------------------------------------------------------


def _from_outline(
    toc: list, rows: list[Row], chunk_ids: list[int], candidates: list[Candidate], stats: DocStats
) -> list[Chosen] | None:
    """Outline entries found as heading rows on (or next to) their pages; ``None`` if most are not."""
    by_page: dict[int, list[int]] = {}
    for cand in candidates:
        by_page.setdefault(rows[cand.row].page, []).append(cand.row)
    cand_at = {c.row: c for c in candidates}
    chosen: list[Chosen] = []
    used: set[int] = set()
    found = 0
    for level, raw_title, page, *_ in toc:
        number_o, title_o = split_number(raw_title)
        if number_o and not looks_like_title(title_o):
            number_o, title_o = None, raw_title
        want = norm_title(raw_title)
        want_title = norm_title(title_o)
        match = None
        for p in (page, page + 1, page - 1):
            for r in by_page.get(p, ()):
                if r in used:
                    continue
                text = rows[r].text
                if r + 1 < len(rows) and chunk_ids[r + 1] == chunk_ids[r]:
                    text2 = join_lines([text, rows[r + 1].text])
                else:
                    text2 = text
                _got_number, got_title = split_number(text)
                options = {
                    norm_title(text),
                    norm_title(got_title),
                    norm_title(text2),
                    norm_title(split_number(text2)[1]),
                }
                if want in options or want_title in options:
                    match = r
                    break
            if match is not None:
                break
        if match is None:
            continue
        if (
            match - 1 >= 0
            and match - 1 in cand_at
            and _LABEL_ONLY.match(rows[match - 1].text)
            and rows[match - 1].page == rows[match].page
        ):
            match -= 1  # the heading starts at its "Chapter 3" line
        found += 1
        used.add(match)
        cand = cand_at[match]
        number = cand.number if cand.kind == "num" else None
        number = number or number_o
        if number and number.isalpha() and len(number) > 1:
            number = None
        lvl = level_of(number) if number else level
        chosen.append(
            Chosen(match, number, _title_text(title_o if number_o or not cand.number else cand.title), lvl)
        )
    if not toc or found < max(1, len(toc) // 2):
        return None
    # The outline may stop at one level or leave out the appendices: add the numbered headings
    # found in the text that it lacks.
    have = {c.number for c in chosen if c.number}
    for extra in _select_numbered(candidates, rows):
        if extra.row in used or not extra.number or extra.number in have:
            continue
        chosen.append(extra)
    chosen.sort(key=lambda c: c.row)
    return _with_frame_headings(chosen, candidates, rows)


# --- blocks ------------------------------------------------------------------------------------


def _kind_of(rows: list[Row], text: str, stats: DocStats, page_height: float) -> str | None:
    """Block kind for a run of non-heading rows; ``None`` for text inside figures (dropped)."""
    if _CAPTION.match(text):
        return "caption"
    if len(rows) == 1:
        # One row (most blocks of a figure): the sums below, each of one term.
        row = rows[0]
        chars = row.chars or 1
        size = row.main_size * row.chars / chars
        avg_len = float(len(row.text))
    else:
        chars = sum(r.chars for r in rows) or 1
        size = sum(r.main_size * r.chars for r in rows) / chars
        avg_len = sum(len(r.text) for r in rows) / len(rows)
    small = size < stats.body_size - 0.7
    digits = len(_DIGIT.findall(text))
    if small and digits > 0.3 * (len(text) - text.count(" ")):
        return None  # a plot's axis: ticks and a title ("0 5000 10000 Training Iterations")
    if small and rows[0].y0 > page_height * 0.6 and _FOOTNOTE_MARK.match(text) and len(text.split()) >= 4:
        return "footnote"  # (a plot's "40M Frames" at the foot of the page is no footnote)
    if size < stats.body_size * 0.8 and avg_len < 30:
        return None  # labels and ticks inside a figure
    # Display equations are made into blocks before this (library.structure.regions): rows of
    # maths left here are running text with inline maths.
    if avg_len < 60 and digits > 0.3 * (len(text) - text.count(" ")):
        # Numbers alone (a plot's tick labels, an orphan equation number) are figure text; tables
        # are found whole, with their rows, by library.structure.tables.
        return None if _NUMBERS_ONLY.match(text) else "paragraph"
    if _BULLET.match(text):
        return "list_item"
    return "paragraph"


def _build_blocks(
    rows: list[Row], chunk_ids: list[int], chosen: list[Chosen], stats: DocStats
) -> tuple[list[Block], list[Heading]]:
    heads = {c.row: c for c in chosen}
    page_height = {r.page: 0.0 for r in rows}
    for r in rows:
        if r.y1 > page_height[r.page]:
            page_height[r.page] = r.y1
    items: list[tuple[str, list[Row], Chosen | None]] = []
    i = 0
    n = len(rows)
    while i < n:
        if i in heads:
            head = heads[i]
            group = [rows[i]]
            j = i + 1
            # A long title wraps onto a second row in the same style.
            if _LABEL_ONLY.match(rows[i].text) and j < n and j not in heads and rows[j].page == rows[i].page:
                group.append(rows[j])  # the title under a "Chapter 3" line
                j += 1
            while (
                j < n
                and j not in heads
                and chunk_ids[j] == chunk_ids[j - 1]
                and len(group) < 3
                and abs(rows[j].size - rows[i].size) < 0.6
                and (rows[j].bold >= 0.6) == (rows[i].bold >= 0.6)
                and _styled(rows[j], stats)
                and not ends_sentence(rows[j - 1].text)
                and len(rows[j].text) < 90
            ):
                group.append(rows[j])
                j += 1
            if len(group) > 1:
                extra = " ".join(r.text for r in group[1:])
                if norm_title(extra) not in norm_title(head.title):
                    head = Chosen(
                        head.row, head.number, _title_text(join_lines([head.title, extra])), head.level
                    )
            items.append(("heading", group, head))
            i = j
            continue
        group = [rows[i]]
        j = i + 1
        while j < n and j not in heads and chunk_ids[j] == chunk_ids[i] and rows[i].block is None:
            group.append(rows[j])
            j += 1
        items.append(("text", group, None))
        i = j
    blocks: list[Block] = []
    headings: list[Heading] = []
    for kind, group, head in items:
        page = group[0].page
        if kind == "heading":
            assert head is not None
            headings.append(Heading(len(blocks), head.number, head.title, head.level))
            label = f"{head.number} {head.title}" if head.number else head.title
            blocks.append(
                Block(
                    page=page,
                    kind="heading",
                    text=label,
                    index=len(blocks),
                    bbox=_bbox(group),
                    section=head.number,
                )
            )
            continue
        made = group[0].block
        if made is not None:  # a display equation, a table, a footnote: already a block
            made.index = len(blocks)
            blocks.append(made)
            continue
        # Rows of one chunk on different pages never happen; split on list bullets inside a chunk.
        # Most chunks of a page with figures are one row (a label, a tick), usually dropped below.
        for part in _split_items(group) if len(group) > 1 else (group,):
            text = join_lines([_text(r) for r in part]) if len(part) > 1 else clean(_text(part[0]))
            if not text:
                continue
            block_kind = _kind_of(part, text, stats, page_height[page])
            if block_kind is None:
                continue
            pbox = _bbox(part)
            prev = _continues(blocks, text) if block_kind == "paragraph" else None
            if prev is not None:
                blocks[prev].text = join_paragraphs(blocks[prev].text, text)
                if page != blocks[prev].page:
                    blocks[prev].end_page = page
                continue
            blocks.append(Block(page=page, kind=block_kind, text=text, index=len(blocks), bbox=pbox))
    for block in blocks:
        block.text, block.math = regions.math_ranges(block.text)
    footnotes.place(blocks, headings)
    return blocks, headings


def _text(row: Row) -> str:
    """A row's text, with its inline maths laid out when it has any."""
    return row.text if row.tex is None else row.tex


def _bbox(rows: list[Row]) -> tuple[float, float, float, float]:
    """The box around some rows (one loop, not four: this runs for every block)."""
    first = rows[0]
    x0, y0, x1, y1 = first.x0, first.y0, first.x1, first.y1
    for r in rows:
        if r.x0 < x0:
            x0 = r.x0
        if r.y0 < y0:
            y0 = r.y0
        if r.x1 > x1:
            x1 = r.x1
        if r.y1 > y1:
            y1 = r.y1
    return x0, y0, x1, y1


def _split_items(group: list[Row]) -> list[list[Row]]:
    """A chunk holding several list items becomes one part per item."""
    parts: list[list[Row]] = [[group[0]]]
    for row in group[1:]:
        if _ITEM_START.match(row.text):
            parts.append([row])
        else:
            parts[-1].append(row)
    return parts


def _continues(blocks: list[Block], text: str) -> int | None:
    """Index of the paragraph that ``text`` continues across a column or page break, if any."""
    if not (text[:1].islower() or text.startswith(regions.MATH_OPEN)):
        return None
    for k in range(len(blocks) - 1, max(-1, len(blocks) - 5), -1):
        b = blocks[k]
        if b.kind in ("caption", "footnote", "table"):
            continue
        if b.kind == "paragraph" and not ends_sentence(b.text):
            return k
        return None
    return None


def _title(doc, rows: list[Row]) -> str | None:
    meta = (doc.metadata or {}).get("title") or ""
    meta = meta.strip()
    if len(meta) > 5 and not re.search(r"\.(dvi|pdf|tex|docx?)$|^untitled|^microsoft word", meta, re.I):
        return meta
    page1 = [r for r in rows if r.page == 1]
    if not page1:
        return None
    biggest = max(r.size for r in page1)
    parts = [r.text for r in page1 if r.size >= biggest - 0.1]
    return " ".join(parts)[:200] or None
