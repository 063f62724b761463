"""A document's blocks laid out as lines of one width: what the reader draws, computed once.

:class:`~reader.widgets.reader_view.ReaderView` draws only the lines on screen, so a key costs
the same in a one-page note and in a 67-page work; laying the whole document out is the one cost
that grows with it, and :func:`lay_out` runs in a thread worker (T5, 692 blocks: ~0.25 s). A line
holds Rich segments styled only by the block itself (bold headings, italic captions); the view adds
colours from its component classes when it draws, so a theme change needs no new layout.

Document text becomes a :class:`rich.text.Text`, never parsed as markup (escape sequences are
removed from every line the app draws: ``reader.printable_lines``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

import msgspec
from rich import box
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from library.structure.model import Block
from library.structure.notation import readable, to_unicode

# Columns of text at most: longer lines are hard to follow back to their start.
MAX_TEXT_WIDTH = 88
# Columns before the text: the note mark (a bar when the block has notes) and a space.
GUTTER = 2
# How far list items and equations are set in from the text's left edge.
INDENT = {"list_item": 0, "equation": 4}
# A bullet (or dash) the extraction kept at the start of a list item: the reader draws its own.
_BULLET = re.compile(r"^\s*(?:[•◦▪▫‣⁃∙·●○■□–—*-])\s+")

# What a line is, for its colour: a block's kind, or one of these.
PAGE, BLANK, RULE, MESSAGE = "page", "blank", "rule", "message"


@dataclass(frozen=True, slots=True)
class Line:
    """One screen line: its segments, what it shows, and the block (view position) it belongs to."""

    segments: tuple[Segment, ...]
    role: str
    position: int = -1  # -1: not part of a block (a page marker, a blank line)


@dataclass
class Layout:
    """Lines for one width; ``tops[p]`` and ``heights[p]`` place the block at view position ``p``."""

    width: int
    lines: list[Line] = field(default_factory=list)
    tex: bool = False  # maths in its TeX-like form, not rendered
    tops: list[int] = field(default_factory=list)
    heights: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines)

    def bottom(self, position: int) -> int:
        """The line after the last line of the block at ``position``."""
        return self.tops[position] + self.heights[position]

    def block_at(self, y: int) -> int | None:
        """The view position of the block shown on line ``y``, or of the last block above it."""
        if not self.tops:
            return None
        index = bisect_right(self.tops, y) - 1
        return max(0, index)

    def first_block_from(self, y: int) -> int | None:
        """The first block whose first line is ``y`` or below."""
        index = bisect_right(self.tops, y - 1)
        return index if index < len(self.tops) else None


def text_width(view_width: int) -> int:
    """Columns of text in a view ``view_width`` wide (the gutter and a right margin taken off)."""
    return max(10, min(MAX_TEXT_WIDTH, view_width - GUTTER - 1))


def block_text(block: Block, *, tex: bool = False) -> Text:
    """How one block reads on screen, before it is wrapped: its maths rendered to Unicode where
    that is exact (``softmax(QKᵀ/√dₖ)V``), or in its TeX-like form with ``tex``."""
    # An equation's number is set at the right edge by _block_lines, not after the text.
    body = readable(msgspec.structs.replace(block, number=None) if block.number else block, tex=tex).strip()
    if block.kind == "heading":
        text = Text(style="bold")
        if block.section and not body.startswith(block.section):
            text.append(block.section + " ")
        text.append(body)
        return text
    if block.kind == "caption":
        return Text(body, style="italic")
    if block.kind == "list_item":
        return Text(_BULLET.sub("", body, count=1))
    if block.kind == "footnote":
        text = Text()
        if block.marker and not body.startswith(block.marker):
            text.append(block.marker + " ", style="bold")
        text.append(body)
        return text
    return Text(body)


def _wrapped(console: Console, text: Text, width: int) -> list[tuple[Segment, ...]]:
    return [tuple(line.render(console, end="")) for line in text.wrap(console, width, overflow="fold")]


def _block_lines(console: Console, block: Block, width: int, tex: bool) -> list[tuple[Segment, ...]]:
    """The lines of one block at ``width`` columns."""
    if block.kind == "table" and block.rows:
        rows = block.rows if tex else [[to_unicode(cell) for cell in row] for row in block.rows]
        return _table_lines(console, rows, width)
    text = block_text(block, tex=tex)
    if block.kind == "list_item":
        # A hanging indent: the bullet, then every line of the item set in after it.
        lines = _wrapped(console, text, width - 2)
        return [(Segment("• " if i == 0 else "  "), *line) for i, line in enumerate(lines)]
    indent = INDENT.get(block.kind, 0)
    lines = _wrapped(console, text, width - indent)
    if block.kind == "equation" and block.number and lines:
        # The number at the right edge of the equation's last line, as printed.
        number = f"({block.number})"
        last = lines[-1]
        used = sum(s.cell_length for s in last)
        gap = width - indent - used - len(number)
        lines[-1] = (*last, Segment(" " * max(1, gap)), Segment(number))
    if indent:
        return [(Segment(" " * indent), *line) for line in lines]
    return lines


def _table_lines(console: Console, rows: list[list[str]], width: int) -> list[tuple[Segment, ...]]:
    """A table's cells as a grid, its first row the header (as the extraction gives it)."""
    table = Table(box=box.SQUARE, show_header=len(rows) > 1, header_style="bold", padding=(0, 1))
    columns = max(len(row) for row in rows)
    for _ in range(columns):
        table.add_column(overflow="fold")
    cells = [[Text(cell) for cell in row] + [Text()] * (columns - len(row)) for row in rows]
    if len(rows) > 1:
        for column, header in zip(table.columns, cells[0], strict=True):
            column.header = header
        cells = cells[1:]
    for row in cells:
        table.add_row(*row)
    options = console.options.update_width(width)
    return [tuple(line) for line in console.render_lines(table, options, pad=False)]


def _console(width: int) -> Console:
    # A console of its own: lay_out runs in a worker thread, and only measures and wraps.
    return Console(width=width, color_system="truecolor", markup=False, emoji=False, highlight=False)


def lay_out(blocks: list[Block], view_width: int, *, tex: bool = False) -> Layout:
    """Every block at the width of a view ``view_width`` columns wide, with ``[p. N]`` where a page
    starts, a blank line between blocks (list items follow each other) and before each heading;
    maths rendered, or in its TeX-like form with ``tex``."""
    width = text_width(view_width)
    console = _console(width)
    layout = Layout(width, tex=tex)
    lines = layout.lines
    page = None
    previous: Block | None = None
    for position, block in enumerate(blocks):
        if block.page != page:
            page = block.page
            marker = f"[p. {page}]"
            lines.append(Line((Segment(marker.rjust(width)),), PAGE))
        elif previous is not None and block.kind == "heading" and lines and lines[-1].role != BLANK:
            lines.append(Line((), BLANK))
        if block.kind == "footnote" and (previous is None or previous.kind != "footnote"):
            # Footnotes stand apart from the text they annotate.
            lines.append(Line((Segment("─" * min(20, width)),), RULE))
        layout.tops.append(len(lines))
        block_lines = _block_lines(console, block, width, tex) or [()]
        lines.extend(Line(segments, block.kind, position) for segments in block_lines)
        layout.heights.append(len(block_lines))
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        if not (block.kind == "list_item" and following is not None and following.kind == "list_item"):
            lines.append(Line((), BLANK))
        previous = block
    return layout


def message_layout(message: Text, view_width: int) -> Layout:
    """A state with no document (not fetched, nothing to read), wrapped like a paragraph."""
    width = text_width(view_width)
    layout = Layout(width)
    lines = [(), *_wrapped(_console(width), message, width)]
    layout.lines = [Line(segments, MESSAGE) for segments in lines]
    return layout
