"""A Markdown page's structure: sections from its ``#`` headings, blocks in reading order.

The Markdown is a fetched article's (:func:`library.structure.html.article_markdown`) or a
``.md`` file's. Every block is on page 1. Inline syntax is rendered by
:mod:`library.structure.markdown_inline` (emphasis marks and escapes gone, maths ranges kept in
``Block.math``); ``$$…$$`` is an ``equation`` block holding its TeX (``\\tag{n}`` becomes its
``number``); a pipe table is a ``table`` block with its ``rows``.
"""

from __future__ import annotations

import re

from library.structure.html import MARKDOWN_HEADING, strip_anchor_glyphs
from library.structure.markdown_inline import Piece, render_inline, render_paragraph
from library.structure.model import Block, BlockKind, DocumentStructure
from library.structure.sections import Heading, build_sections
from library.structure.text import clean
from library.textclean import strip_escapes

_TITLE_COMMENT = re.compile(r"^<!--\s*title:\s*(.*?)\s*-->$")
_LIST_ITEM = re.compile(r"^([-*+]|\d+[.)])\s+")
_RULE = re.compile(r"^([-*_])(?:\s*\1){2,}$")
_TABLE_DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")
_TEX_COMMENT = re.compile(r"(?<!\\)%.*$")


def _equation(tex_lines: list[str], index: int) -> Block:
    """An equation block from its TeX lines: comments dropped, one line, ``\\tag`` as its number."""
    tex = " ".join(_TEX_COMMENT.sub("", line) for line in tex_lines)
    tag = _TAG.search(tex)
    tex = " ".join(_TAG.sub("", tex).split())
    return Block(page=1, kind="equation", text=tex, index=index, number=tag.group(1).strip() if tag else None)


def _heading(raw: str) -> tuple[str, list[tuple[int, int]]]:
    text, math = render_inline(clean(raw))
    text = strip_anchor_glyphs(text)
    return text, [(a, min(b, len(text))) for a, b in math if a < len(text)]


def _table(lines: list[str], index: int) -> Block:
    """A pipe table: its rows of rendered cells, and the same as a GitHub Markdown table."""
    rows: list[list[str]] = []
    maths: list[list[list[tuple[int, int]]]] = []
    for line in lines:
        if _TABLE_DELIMITER.match(line):
            continue
        cells = _CELL_SPLIT.split(line.strip())
        cells = cells[1 if cells[0] == "" else 0 : -1 if len(cells) > 1 and cells[-1] == "" else None]
        rendered = [render_inline(clean(cell)) for cell in cells]
        rows.append([text for text, _ in rendered])
        maths.append([math for _, math in rendered])
    width = max((len(r) for r in rows), default=0)
    out = ""
    ranges: list[tuple[int, int]] = []
    for number, (row, row_maths) in enumerate(zip(rows, maths, strict=True)):
        row.extend([""] * (width - len(row)))
        out += "|"
        for cell, cell_maths in zip(row, row_maths + [[]] * (width - len(row_maths)), strict=True):
            out += " "
            ranges.extend((len(out) + a, len(out) + b) for a, b in cell_maths)
            out += cell if cell_maths else cell.replace("|", "\\|")  # ranges index the cell as it is
            out += " |"
        if number == 0:
            out += "\n|" + "---|" * width
        out += "\n"
    return Block(page=1, kind="table", text=out.rstrip("\n"), index=index, rows=rows, math=ranges or None)


def markdown_structure(md: str) -> DocumentStructure:
    """Sections (``#``..``####`` headings) and blocks of a Markdown page; every block is on page 1."""
    md = strip_escapes(md)  # before any offsets are taken: block.math must index the final text
    title = None
    blocks: list[Block] = []
    heads: list[tuple[int, int, str]] = []  # (block index, raw level, text)
    para: list[str] = []
    para_kind: BlockKind = "paragraph"

    def add(piece: Piece, kind: BlockKind) -> None:
        if piece.kind == "equation":
            blocks.append(_equation([piece.text], len(blocks)))
        else:
            blocks.append(
                Block(page=1, kind=kind, text=piece.text, index=len(blocks), math=piece.math or None)
            )

    def flush() -> None:
        nonlocal para, para_kind
        if para_kind == "code":
            text = "\n".join(para).strip("\n")
            if text.strip():
                blocks.append(Block(page=1, kind="code", text=text, index=len(blocks)))
        elif para_kind == "equation":
            if "".join(para).strip():
                blocks.append(_equation(para, len(blocks)))
        elif para_kind == "table":
            blocks.append(_table(para, len(blocks)))
        elif para:
            for piece in render_paragraph(clean(" ".join(para))):
                add(piece, para_kind)
                para_kind = "paragraph"  # what follows a display equation in a list item is prose
        para, para_kind = [], "paragraph"

    fence: str | None = None  # "```" inside a code block, "$$" inside display maths
    for line in md.splitlines():
        stripped = line.strip()
        if fence == "```":
            if stripped.startswith("```"):
                fence = None
                flush()
            else:
                para.append(line)
            continue
        if fence == "$$":
            end = stripped.find("$$")
            if end < 0:
                para.append(stripped)
                continue
            para.append(stripped[:end])
            fence = None
            flush()
            stripped = stripped[end + 2 :].strip()
            if not stripped:
                continue
        if stripped.startswith("```"):
            flush()
            fence, para_kind = "```", "code"
            continue
        if stripped.startswith("$$") and "$$" not in stripped[2:]:
            flush()
            fence, para_kind = "$$", "equation"
            para.append(stripped[2:])
            continue
        m = _TITLE_COMMENT.match(stripped)
        if m:
            title = m.group(1)
            continue
        m = MARKDOWN_HEADING.match(stripped)
        if m:
            flush()
            text, math = _heading(m.group(2))
            if not text:
                continue
            level = len(m.group(1))
            if level <= 4:
                heads.append((len(blocks), level, text))
            blocks.append(Block(page=1, kind="heading", text=text, index=len(blocks), math=math or None))
            continue
        if not stripped or _RULE.match(stripped):
            flush()
            continue
        if _LIST_ITEM.match(stripped):
            flush()
            para_kind = "list_item"
            para.append(re.sub(r"^([-*+])\s+", "", stripped))
            continue
        if stripped.startswith("|"):
            if para_kind != "table":
                flush()
                para_kind = "table"
            para.append(stripped)
            continue
        if para_kind == "table":
            flush()
        para.append(re.sub(r"^(>\s?)+", "", stripped))
    flush()
    # A single leading h1 above h2 sections is the page's title, not a section.
    levels = [lvl for _, lvl, _ in heads]
    if heads and levels.count(1) == 1 and heads[0][1] == 1 and len(heads) > 1 and min(levels[1:]) >= 2:
        title = title or heads[0][2]
        heads = heads[1:]
    headings = []
    base = min((lvl for _, lvl, _ in heads), default=1)
    for index, level, text in heads:
        number = None
        m = re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*)$", text)
        if m:
            number, text = m.group(1), m.group(2)
        blocks[index].section = number
        headings.append(Heading(index, number, text, level - base + 1))
    return DocumentStructure(
        kind="html",
        page_count=1,
        sections=build_sections(blocks, headings),
        blocks=blocks,
        source="html",
        title=title,
    )
