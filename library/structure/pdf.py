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

from library.structure import errors, footnotes, mupdf, regions
from library.structure.figures import FigureRegions
from library.structure.headings import (
    is_known_unnumbered,
    level_of,
    looks_like_title,
    split_number,
)
from library.structure.layout import (
    DocStats,
    Row,
    doc_stats,
    drop_furniture,
    read_pages,
    reading_order,
    sheet_box,
    unmark_body_font,
)
from library.structure.model import Block, BlockKind, DocumentStructure, box_around
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
# A line led by a plain number ("4: W = []", "2. Foo", "3) Bar"): an algorithm line or a list item
# when the lines next to it carry the numbers before and after it.
_LINE_NUMBER = re.compile(r"^(\d{1,3})([.:)]?)\s")
# Abbreviations a title line can end with without ending the title ("… vs.", "… e.g.").
_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:vs|cf|etc|al|e\.g|i\.e|resp|approx|fig|figs|eq|eqs|sec|no)\.$", re.I
)


@dataclass
class Candidate:
    row: int  # index into the flat row list
    number: str | None
    title: str
    styled: bool  # bold or larger than body text
    kind: str  # "num", "known", "plain"


def open_pdf(path: Path):
    """Open a PDF, turning every way it can be unreadable into its own :class:`BadDocument`."""
    pymupdf = mupdf.load()  # ~0.1 s on first import: the MuPDF bindings

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
        unmark_body_font(pages, stats)
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
        figures = FigureRegions(doc, pages)
        toc = doc.get_toc(simple=True) if use_outline else []
        source = "heuristic"
        chosen = None
        if toc:
            chosen = _from_outline(toc, rows, chunk_ids, candidates, stats, figures)
            if chosen is not None:
                source = "outline"
        if chosen is None:
            chosen = _select(candidates, rows, stats)
        _complete_titles(chosen, rows, chunk_ids, stats)
        blocks, headings = _build_blocks(rows, chunk_ids, chosen, stats, figures)
        turned = {page.number: page for page in pages if page.turned}
        for block in blocks if turned else ():
            if block.page in turned and block.bbox is not None:
                block.bbox = sheet_box(turned[block.page], block.bbox)  # where a renderer finds it
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


def _titled_in_maths(row: Row, styled_size: float) -> bool:
    """Whether a row set largely in maths fonts still has words styled as a heading's.

    "5 ESTIMATING P_D^ρ(Ŷ|X)" is 45 % maths; its words are bold (or large), which a display
    equation's few words never are. Bold is counted among the characters outside maths fonts.
    """
    return row.math <= 0.75 and (row.bold >= 0.6 * (1 - row.math) or row.size >= styled_size)


def _in_numbered_run(rows: list[Row], i: int) -> bool:
    """Whether row ``i`` sits between lines numbered just before and after it, one line apart.

    An algorithm's lines ("3: …", "4: Wcompleted = []", "5: …") and a list's short items are
    numbered like sections; two headings are never on successive lines with successive numbers.
    """
    row = rows[i]
    m = _LINE_NUMBER.match(row.text)
    if m is None:
        return False
    n, mark = int(m.group(1)), m.group(2)
    height = row.y1 - row.y0
    for k, step in ((i - 1, -1), (i + 1, 1)):
        if not 0 <= k < len(rows) or rows[k].page != row.page:
            continue
        other = rows[k]
        gap = other.y0 - row.y1 if step > 0 else row.y0 - other.y1
        if gap > height:
            continue
        mo = _LINE_NUMBER.match(other.text)
        if mo is not None and mo.group(2) == mark and int(mo.group(1)) == n + step:
            return True
    return False


def _candidates(rows: list[Row], chunk_ids: list[int], stats: DocStats) -> list[Candidate]:
    out: list[Candidate] = []
    styled_size = stats.body_size + 0.9
    for i, row in enumerate(rows):
        text = row.text
        if len(text) > 150 or row.toc_entry:
            continue
        # A row mostly in maths fonts is an equation, unless it is a numbered title with maths in
        # it (checked below; only numbered rows may be such titles).
        mathy = row.math > 0.4
        if mathy and not _titled_in_maths(row, styled_size):
            continue
        if len(text) <= 8 and text.isascii() and sum(map(str.isalpha, text)) < 2:
            # Fewer than two letters ("0.5", "(b)", "12"): no title, label or known name can be
            # read from it, so nothing below would take it. Figures hold hundreds of these.
            continue
        # _styled, inlined: runs for every row. A title with maths in it is styled by its words.
        styled = mathy or row.bold >= 0.6 or row.size >= styled_size
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
            if row.run_in and number.count(".") < 2:
                # "2. Optimization Challenge (Section 4). In the…": a list item's bold lead-in.
                # Sections and subsections are display headings; only deeper levels run in.
                continue
            if _in_numbered_run(rows, i):
                continue
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
        if mathy:
            continue
        bare = text.rstrip(".: ")
        if is_known_unnumbered(bare) and (styled or _shouting(bare)):
            out.append(Candidate(i, None, bare, True, "known"))
            continue
        first_of_chunk = i == 0 or chunk_ids[i - 1] != chunk_ids[i]
        if (
            styled
            and first_of_chunk
            and not row.run_in
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
    # The title as printed on its first row, when the title is read from the text (not taken from
    # the outline): a title that runs on to more rows is joined from these.
    printed: str | None = None
    rows: int = 1  # rows the heading takes, its title's continuation lines included


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
        out.append(Chosen(cand.row, None, _title_text(cand.title), 1, cand.title))
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
                    chosen.append(Chosen(cand.row, head, _title_text(cand.title), 1, cand.title))
            elif len(head) == 1 and head.isalpha():
                if last_letter is None:
                    ok = head == "A" and ((top_digit is not None and top_digit >= 2) or appendix_seen)
                else:
                    ok = 1 <= ord(head) - ord(last_letter) <= 2
                if ok:
                    last_letter = current_top = head
                    chosen.append(Chosen(cand.row, head, _title_text(cand.title), 1, cand.title))
        elif head == current_top:
            try:
                tail = tuple(int(p) for p in parts[1:])
            except ValueError:
                continue
            if any(t > 40 for t in tail):
                continue
            chosen.append(Chosen(cand.row, number, _title_text(cand.title), len(parts), cand.title))
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
        chosen.append(Chosen(cand.row, None, _title_text(cand.title), level, cand.title))
    return chosen


def _title_text(title: str) -> str:
    return titlecase_if_shouting(title.strip().rstrip(":").strip())


# --- a heading's extent: titles that run on to a second or third row ---------------------------


def _complete_titles(chosen: list[Chosen], rows: list[Row], chunk_ids: list[int], stats: DocStats) -> None:
    """Give every chosen heading its rows and its whole title, in place.

    A long title wraps onto the next rows in the same style: "3 THE TRADITIONAL CLASSIFICATION
    PR-" + "OBLEM", "3.5 Dialogue Summarization vs." + "News Summarization". A title taken from
    the outline keeps its own words unless the rows below add some it lacks.
    """
    heads = {c.row for c in chosen}
    words: set[str] | None = None  # the document's words, read the first time a title needs them
    for c in chosen:
        end = _heading_end(rows, chunk_ids, c.row, heads, stats)
        c.rows = end - c.row
        first = c.row + 1 if _LABEL_ONLY.match(rows[c.row].text) else c.row
        more = [rows[k].text for k in range(first + 1, end)]
        if not more:
            continue
        if c.printed is not None:
            if words is None and any(_HYPHEN_END.search(t) for t in [c.printed, *more[:-1]]):
                words = _document_words(rows)
            c.title = _title_text(_join_title_lines([c.printed, *more], words or set()))
        elif norm_title(" ".join(more)) not in norm_title(c.title):
            c.title = _title_text(join_lines([c.title, *more]))


def _heading_end(rows: list[Row], chunk_ids: list[int], i: int, heads: set[int], stats: DocStats) -> int:
    """Index of the first row after the heading that starts at row ``i``."""
    n = len(rows)
    j = i + 1
    first = rows[i]
    if _LABEL_ONLY.match(first.text) and j < n and j not in heads and rows[j].page == first.page:
        j += 1  # the title under a "Chapter 3" line
    while j < n and j - i < 3 and j not in heads:
        same_block = chunk_ids[j] == chunk_ids[j - 1]
        if not same_block and j + 1 < n and chunk_ids[j + 1] == chunk_ids[j]:
            break  # a row of another block continues a title only when it is alone in its block
        if not _continues_title(rows[j - 1], rows[j], first, stats, same_block):
            break
        j += 1
    return j


def _continues_title(above: Row, row: Row, first: Row, stats: DocStats, same_block: bool) -> bool:
    """Whether ``row`` is the next line of the title whose previous line is ``above``."""
    if row.page != above.page or len(row.text) >= 90 or not _styled(row, stats):
        return False
    # The same style: size (the main size too, for small capitals, whose capitals are larger)
    # and weight.
    if abs(row.size - first.size) >= 0.6 and abs(row.main_size - first.main_size) >= 0.6:
        return False
    if (row.bold >= 0.6) != (first.bold >= 0.6):
        return False
    # From another block, only the line just below (PyMuPDF keeps a block's lines together).
    if not same_block and not -0.5 * (above.y1 - above.y0) < row.y0 - above.y1 < 0.8 * (above.y1 - above.y0):
        return False
    text = above.text.rstrip()
    return not ends_sentence(text) or _ABBREVIATION_END.search(text) is not None


_HYPHEN_END = re.compile(r"([A-Za-z]+)-$")
_LEADING_WORD = re.compile(r"[A-Za-z]+")


def _join_title_lines(lines: list[str], words: set[str]) -> str:
    """A title's lines joined. A word broken at a line-end hyphen is joined without the hyphen when
    the document has it as one word ("PR-" + "OBLEM": "PROBLEM"), with it otherwise ("Self-" +
    "Supervision")."""
    out = lines[0].strip()
    for line in lines[1:]:
        line = line.strip()
        end = _HYPHEN_END.search(out)
        lead = _LEADING_WORD.match(line)
        if end is not None and lead is not None:
            whole = (end.group(1) + lead.group(0)).lower()
            out = out[:-1] + line if whole in words else out + line
        else:
            out = f"{out} {line}"
    return clean(out)


def _document_words(rows: list[Row]) -> set[str]:
    """Every word of the document, lower case (a few milliseconds; only for titles broken at a hyphen)."""
    return set(_LEADING_WORD.findall(" ".join(row.text for row in rows).lower()))


# --- selection from the outline --------------------------------------------------------------


def _readings(rows: list[Row], chunk_ids: list[int], r: int) -> tuple[set[str], set[str]]:
    """How row ``r`` can read as an outline entry: (its titles, its titles and whole texts).

    The row alone, or with the next row of its block (a title on two lines), with or without
    its number; normalised with norm_title.
    """
    text = rows[r].text
    same_block = r + 1 < len(rows) and chunk_ids[r + 1] == chunk_ids[r]
    text2 = join_lines([text, rows[r + 1].text]) if same_block else text
    titles = {norm_title(split_number(text)[1]), norm_title(split_number(text2)[1])}
    return titles, titles | {norm_title(text), norm_title(text2)}


def _from_outline(
    toc: list,
    rows: list[Row],
    chunk_ids: list[int],
    candidates: list[Candidate],
    stats: DocStats,
    figures: FigureRegions,
) -> list[Chosen] | None:
    """Outline entries found as heading rows on (or next to) their pages; ``None`` if most are not.

    An entry's title can also be printed as a label inside a figure (a survey's taxonomy diagram
    names its sections): of the rows that read as the entry, a styled one in the body text wins,
    and a row inside a figure is never taken.
    """
    by_page: dict[int, list[int]] = {}
    for cand in candidates:
        by_page.setdefault(rows[cand.row].page, []).append(cand.row)
    cand_at = {c.row: c for c in candidates}
    read_as: dict[int, tuple[set[str], set[str]]] = {}  # a candidate's readings, made once
    chosen: list[Chosen] = []
    used: set[int] = set()
    found = 0
    for level, raw_title, page, *_ in toc:
        number_o, title_o = split_number(raw_title)
        if number_o and not looks_like_title(title_o):
            number_o, title_o = None, raw_title
        want = norm_title(raw_title)
        want_title = norm_title(title_o)
        # (page rank, weak, row, the row's title is the whole entry) of every row reading as the entry.
        matches = []
        for rank, p in enumerate((page, page + 1, page - 1)):
            for r in by_page.get(p, ()):
                if r in used:
                    continue
                readings = read_as.get(r)
                if readings is None:
                    readings = read_as[r] = _readings(rows, chunk_ids, r)
                titles, options = readings
                if want in options or want_title in options:
                    # A row at body size or larger that is styled or numbered, or one printed
                    # with the entry's own number, is a heading; another may be a figure's label.
                    cand = cand_at[r]
                    weak = (
                        not (cand.styled or cand.kind == "num") or rows[r].size < stats.body_size - 0.6
                    ) and not (number_o and cand.number == number_o)
                    matches.append((rank, weak, r, want in titles))
                    if rank == 0 and not weak:
                        break  # a styled row on the entry's own page: nothing comes before it
            else:
                continue
            break
        match = None
        for _rank, weak, r, whole in sorted(matches):
            # A weak match is checked against the page's figures (read only now, for this page).
            if weak and figures.holds([rows[r]]):
                continue
            match = r
            if whole:
                # The row's title is the entry's whole text: a leading "A" ("A Minimal Toy
                # Example") is an article, not an appendix letter.
                number_o, title_o = None, raw_title
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
        from_text = not number_o and bool(cand.number)
        chosen.append(
            Chosen(
                match,
                number,
                _title_text(cand.title if from_text else title_o),
                lvl,
                cand.title if from_text else None,
            )
        )
    if not toc or found < max(1, len(toc) // 2):
        return None
    # The outline may stop at one level or leave out the appendices: add the numbered headings
    # found in the text that it lacks. A section is never there twice: a heading whose title an
    # entry already has is that entry's.
    have = {c.number for c in chosen if c.number}
    titles = {norm_title(c.title) for c in chosen}
    for extra in _select_numbered(candidates, rows):
        if extra.row in used or not extra.number or extra.number in have:
            continue
        if norm_title(extra.title) in titles:
            continue
        chosen.append(extra)
    chosen.sort(key=lambda c: c.row)
    return _with_frame_headings(chosen, candidates, rows)


# --- blocks ------------------------------------------------------------------------------------


def _label_line(row: Row, stats: DocStats, page_height: float) -> bool:
    """Whether a row may be a figure's label: short, somewhat smaller than the body text, words
    that end no sentence, not maths, not a footnote. Only the page's figure boxes can tell.

    Smaller rows (under 0.8 of the body size: a plot's ticks and axis titles, most of them dropped
    by _kind_of) do not make a page worth reading on their own: plots hold hundreds of them, and
    reading a plot's drawing costs as much as reading its page's text twice.
    """
    text = row.text
    return (
        len(text) < 40
        and 0.8 * stats.body_size <= row.main_size < stats.body_size - 0.6
        and row.math <= 0.3
        and not ends_sentence(text)
        and sum(map(str.isalpha, text)) >= 2
        and not (row.y0 > 0.6 * page_height and _FOOTNOTE_MARK.match(text))
    )


def _figure_text(
    kind: str, rows: list[Row], text: str, stats: DocStats, figures: FigureRegions, label_pages: set[int]
) -> bool:
    """Whether a block that _kind_of typed is text of a figure instead, to be left out: a label
    taken for a paragraph, or a heatmap's row of numbers low on a page taken for a footnote (a
    footnote always has words)."""
    if kind == "paragraph":
        return _figure_label(rows, stats, figures, label_pages)
    if kind == "footnote":
        return sum(map(str.isalpha, text)) < 2
    return False


def _label_pages(
    rows: list[Row], chunk_ids: list[int], stats: DocStats, page_height: dict[int, float]
) -> set[int]:
    """Pages worth reading for their figure boxes: those with labels stacked in one block (two
    label lines, one under the other: "Training-Based" over "Approaches", a legend's entries),
    the mark of a diagram. A page with a lone small line is left unread."""
    label = [_label_line(r, stats, page_height[r.page]) for r in rows]
    return {
        rows[k].page
        for k in range(1, len(rows))
        if label[k] and label[k - 1] and chunk_ids[k] == chunk_ids[k - 1]
    }


def _figure_label(rows: list[Row], stats: DocStats, figures: FigureRegions, label_pages: set[int]) -> bool:
    """Whether lines of small text that end no sentence are a figure's, not a paragraph.

    A diagram's box labels ("Training-Based", "Approaches"), a taxonomy's lists of methods, a
    plot's title and legend are set smaller than the body text and end no sentence. Such text is
    checked against the figure boxes of its page, read only for pages with label-like lines
    (``label_pages``), so most pages never read theirs. Prose in a box (a prompt, a summary) is
    set at body size or ends its sentences, and stays; so does small text that is not inside a
    drawn shape or an image (a table's cells, a reference list, an affiliation line).
    """
    limit = stats.body_size - 0.6
    for row in rows:
        if row.main_size >= limit or row.math > 0.3:
            return False  # body-sized, or maths (an equation's piece)
    if ends_sentence(rows[-1].text):
        return False
    return rows[0].page in label_pages and figures.holds(rows)


def _kind_of(rows: list[Row], text: str, stats: DocStats, page_height: float) -> BlockKind | None:
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
    rows: list[Row], chunk_ids: list[int], chosen: list[Chosen], stats: DocStats, figures: FigureRegions
) -> tuple[list[Block], list[Heading]]:
    heads = {c.row: c for c in chosen}
    page_height = {r.page: 0.0 for r in rows}
    for r in rows:
        if r.y1 > page_height[r.page]:
            page_height[r.page] = r.y1
    label_pages = _label_pages(rows, chunk_ids, stats, page_height)
    # Runs of rows in reading order, each with the heading it is (None: a run of body text).
    items: list[tuple[list[Row], Chosen | None]] = []
    i = 0
    n = len(rows)
    while i < n:
        if i in heads:
            head = heads[i]
            j = i + head.rows  # the title's rows (see _complete_titles)
            items.append((rows[i:j], head))
            i = j
            continue
        group = [rows[i]]
        j = i + 1
        while j < n and j not in heads and chunk_ids[j] == chunk_ids[i] and rows[i].block is None:
            group.append(rows[j])
            j += 1
        items.append((group, None))
        i = j
    blocks: list[Block] = []
    headings: list[Heading] = []
    for group, heading in items:
        page = group[0].page
        if heading is not None:
            headings.append(Heading(len(blocks), heading.number, heading.title, heading.level))
            label = f"{heading.number} {heading.title}" if heading.number else heading.title
            blocks.append(
                Block(
                    page=page,
                    kind="heading",
                    text=label,
                    index=len(blocks),
                    bbox=box_around(group),
                    section=heading.number,
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
            if block_kind is None or _figure_text(block_kind, part, text, stats, figures, label_pages):
                continue
            pbox = box_around(part)
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
