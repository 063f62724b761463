"""The reader: the blocks of a section (or of the whole work) as readable text, with a cursor.

A keyboard "current paragraph" cursor moves over the blocks; notes, images and the related panel
act on the block under it. The view draws only the lines on screen (Textual's line API over a
:class:`~reader.widgets.block_layout.Layout`), so moving the cursor or a page costs the same in a
67-page work as in a short section: it redraws the lines of two blocks, or one screen. The layout
of the whole document (wrapping every block at the view's width) runs in a thread worker when a
document is shown or the width changes; the old lines stay on screen until the new ones are ready.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from library.structure.model import Block
from reader.messages import BlockFocused, BlocksLaidOut
from reader.widgets.block_layout import Layout, lay_out, message_layout, text_width

# Where a block goes when the view scrolls to it: the least scrolling that shows it, at the top
# (a heading, with the blank line above it), or a quarter down, inside the top third (a jump).
Align = Literal["nearest", "top", "third"]
NOTE_MARK = "▌"


class ReaderView(ScrollView, can_focus=True):
    """Blocks with a paragraph cursor. The pane decides what to show; this widget shows it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Next paragraph", show=False),
        Binding("up,k", "cursor_up", "Previous paragraph", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup,b", "page_up", "Page up", show=False),
        Binding("home,g", "first", "First paragraph", show=False),
        Binding("end,G", "last", "Last paragraph", show=False),
        Binding("right_square_bracket", "next_heading", "Next heading", show=False),
        Binding("left_square_bracket", "previous_heading", "Previous heading", show=False),
        Binding("m", "toggle_tex", "Maths: rendered/TeX", show=False),
    ]
    # One class per kind of line; the stylesheet gives each its colour.
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reader-view--paragraph",
        "reader-view--heading",
        "reader-view--list_item",
        "reader-view--caption",
        "reader-view--equation",
        "reader-view--footnote",
        "reader-view--table",
        "reader-view--code",
        "reader-view--page",
        "reader-view--rule",
        "reader-view--blank",
        "reader-view--message",
        "reader-view--current",
        "reader-view--noted",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # What is on screen: the blocks, their layout, the cursor (a view position, -1: none).
        self.blocks: list[Block] = []
        self.text_layout = Layout(0)
        self.cursor = -1
        self.noted: dict[int, int] = {}
        self.reading_id: str | None = None
        self.fetchable = False
        # Maths shown in its TeX-like form rather than rendered to Unicode (the m key).
        self.tex = False
        # Blocks being laid out in the worker, where their cursor goes, and which request is current:
        # a result for an older request (the user moved on) is dropped.
        self._pending: list[Block] | None = None
        self._target: tuple[int | None, Align] = (None, "nearest")
        self._generation = 0
        self._message: Text | None = None

    # --- what to show --------------------------------------------------------------------------------

    def show_blocks(
        self, blocks: list[Block], *, cursor_block: int | None = None, noted: dict[int, int] | None = None
    ) -> None:
        """Show ``blocks``, the cursor on the block with document index ``cursor_block`` (else the
        first). They are laid out in a worker; until then the screen keeps what it shows."""
        self._generation += 1
        self.fetchable = False
        self.noted = dict(noted or {})
        self._message = None
        self._pending = list(blocks)
        self._target = (cursor_block, "third")
        self._start_layout()

    def show_message(self, message: Text | str, *, fetchable: bool = False) -> None:
        """A state with no text (loading, not fetched yet, extraction failed), shown at once: a
        layout still running for an earlier document is dropped when it reports."""
        self._generation += 1
        self._pending = None
        self.fetchable = fetchable
        self._message = message if isinstance(message, Text) else Text(message)
        self._install([], message_layout(self._message, self._view_width()), cursor=-1)

    def _view_width(self) -> int:
        return self.scrollable_content_region.width

    def _start_layout(self) -> None:
        width = self._view_width()
        if self._pending is None or width <= 0:
            return  # not sized yet: on_resize lays out
        self._lay_out(self._pending, width, self.tex, self._generation)

    @work(thread=True, exclusive=True, group="layout")
    def _lay_out(self, blocks: list[Block], width: int, tex: bool, generation: int) -> None:
        self.post_message(BlocksLaidOut(generation, blocks, lay_out(blocks, width, tex=tex)))

    def on_blocks_laid_out(self, message: BlocksLaidOut) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # the user moved on, or the width changed again
        self._pending = None
        block_index, align = self._target
        self._target = (None, "nearest")
        position = self.position_of(block_index, message.blocks)
        self._install(message.blocks, message.layout, cursor=-1)
        self.set_cursor(position if position is not None else 0, align=align)

    def _install(self, blocks: list[Block], layout: Layout, *, cursor: int) -> None:
        self.blocks = blocks
        self.text_layout = layout
        self.cursor = cursor
        self.virtual_size = Size(self._view_width(), len(layout))
        self.scroll_to(0, 0, animate=False, immediate=True, force=True)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        width = self._view_width()
        if width <= 0 or text_width(width) == self.text_layout.width:
            return
        if self._message is not None:
            self._install([], message_layout(self._message, width), cursor=-1)
        elif self._pending is None and self.blocks:
            self._lay_out_again()  # at the new width
        self._start_layout()

    def _lay_out_again(self) -> None:
        """Lay the blocks shown out again, the cursor's block staying where the reader looks."""
        self._generation += 1
        current = self.current_block
        self._pending = self.blocks
        self._target = (current.index if current is not None else None, "third")

    def position_of(self, block_index: int | None, blocks: list[Block] | None = None) -> int | None:
        """The view position of the block with document-wide index ``block_index``."""
        blocks = self.blocks if blocks is None else blocks
        if block_index is None:
            return None
        before = None
        for position, block in enumerate(blocks):
            if block.index == block_index:
                return position
            if block.index < block_index:
                # Not shown: the nearest block before it (a note on a block merged by re-extraction).
                before = position
        return before

    def set_noted(self, noted: dict[int, int]) -> None:
        self.noted = dict(noted)
        self.refresh()

    def is_noted(self, block_index: int) -> bool:
        return block_index in self.noted

    @property
    def current_block(self) -> Block | None:
        return self.blocks[self.cursor] if 0 <= self.cursor < len(self.blocks) else None

    @property
    def laying_out(self) -> bool:
        """True while a document waits for its layout (the cursor moves once it is shown)."""
        return self._pending is not None

    # --- drawing ---------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_y = round(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = scroll_y + y
        if not 0 <= index < len(self.text_layout.lines):
            return Strip.blank(width, base)
        line = self.text_layout.lines[index]
        style = self.get_component_rich_style(f"reader-view--{line.role}")
        position = line.position
        mark = Segment(" ")
        if position >= 0:
            if position == self.cursor:
                style += self.get_component_rich_style("reader-view--current")
            if self.blocks[position].index in self.noted:
                mark = Segment(NOTE_MARK, self.get_component_rich_style("reader-view--noted"))
        body = Strip(line.segments).apply_style(style)
        if position >= 0 and position == self.cursor:
            body = body.extend_cell_length(self.text_layout.width + 1, style)
        strip = Strip([mark, Segment(" "), *body])
        return strip.crop_extend(0, width, base).apply_style(base)

    def _refresh_block(self, position: int) -> None:
        if 0 <= position < len(self.text_layout.tops):
            self.refresh_lines(
                self.text_layout.tops[position] - round(self.scroll_offset.y),
                self.text_layout.heights[position],
            )

    # --- the cursor ------------------------------------------------------------------------------------

    @property
    def _height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def set_cursor(self, position: int, *, align: Align = "nearest") -> None:
        """Put the cursor on the block at view ``position`` and scroll so that it shows."""
        if not self.blocks:
            return
        position = max(0, min(position, len(self.blocks) - 1))
        old = self.cursor
        self.cursor = position
        self._scroll_to_block(position, align)
        self._refresh_block(old)
        self._refresh_block(position)
        if old != position:
            block = self.blocks[position]
            self.post_message(BlockFocused(block.index, block.text))

    # Every scroll here is immediate and forced: it happens now, before the next key is read, and
    # also right after a new layout, before Textual has decided that the view has a scrollbar.

    def _scroll_to_block(self, position: int, align: Align) -> None:
        top, bottom = self.text_layout.tops[position], self.text_layout.bottom(position)
        height, y = self._height, round(self.scroll_offset.y)
        if align == "top":
            target = top - 1
        elif align == "third":
            target = top - height // 4
        elif top < y:
            target = top
        elif bottom > y + height:
            target = min(top, bottom - height)
        else:
            return
        self.scroll_to(y=max(0, target), animate=False, immediate=True, force=True)

    def _visible(self, position: int) -> bool:
        y = round(self.scroll_offset.y)
        return self.text_layout.bottom(position) > y and self.text_layout.tops[position] < y + self._height

    def _first_visible(self) -> int | None:
        y = round(self.scroll_offset.y)
        position = self.text_layout.first_block_from(y)
        if position is None or self.text_layout.tops[position] >= y + self._height:
            return self.text_layout.block_at(y)
        return position

    def action_cursor_down(self) -> None:
        if not self.blocks:
            return
        if self.cursor < 0 or not self._visible(self.cursor):
            # Scrolled away with the mouse: start from what is on screen.
            first = self._first_visible()
            self.set_cursor(first if first is not None else 0)
        elif self.text_layout.bottom(self.cursor) > round(self.scroll_offset.y) + self._height:
            # A long paragraph: show the rest of it before moving on.
            self.scroll_relative(y=max(1, self._height - 2), animate=False, immediate=True, force=True)
        else:
            self.set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        if not self.blocks:
            return
        if self.cursor < 0 or not self._visible(self.cursor):
            first = self._first_visible()
            self.set_cursor(first if first is not None else 0)
        elif self.text_layout.tops[self.cursor] < round(self.scroll_offset.y):
            self.scroll_relative(y=-max(1, self._height - 2), animate=False, immediate=True, force=True)
        else:
            self.set_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move_by_page(+1)

    def action_page_up(self) -> None:
        self._move_by_page(-1)

    def _move_by_page(self, direction: int) -> None:
        """Scroll one screen (less two lines, to keep the reader's place) and put the cursor on the
        first block that starts on the new screen. Both happen now: no scroll lands later."""
        if not self.blocks:
            return
        y = round(self.scroll_offset.y)
        new_y = max(0, min(y + direction * max(1, self._height - 2), round(self.max_scroll_y)))
        if new_y == y:  # at an end already: the cursor goes to the first or last block
            self.set_cursor(len(self.blocks) - 1 if direction > 0 else 0)
            return
        self.scroll_to(y=new_y, animate=False, immediate=True, force=True)
        target = self._first_visible()
        if target is not None:
            self.set_cursor(target)

    def action_first(self) -> None:
        self.set_cursor(0)

    def action_last(self) -> None:
        self.set_cursor(len(self.blocks) - 1)

    def action_next_heading(self) -> None:
        for position in range(self.cursor + 1, len(self.blocks)):
            if self.blocks[position].kind == "heading":
                self.set_cursor(position, align="top")
                return

    def action_previous_heading(self) -> None:
        for position in range(self.cursor - 1, -1, -1):
            if self.blocks[position].kind == "heading":
                self.set_cursor(position, align="top")
                return

    def jump_to_block(self, block_index: int) -> bool:
        """Put the cursor on a block, in the top third of the view (a search hit, a note, the outline)."""
        if self._pending is not None:
            self._target = (block_index, "third")
            return True
        position = self.position_of(block_index)
        if position is None:
            return False
        self.set_cursor(position, align="third")
        return True

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.blocks:
            return
        y = offset.y + round(self.scroll_offset.y)
        if 0 <= y < len(self.text_layout.lines) and self.text_layout.lines[y].position >= 0:
            self.set_cursor(self.text_layout.lines[y].position)

    # --- maths ----------------------------------------------------------------------------------------

    def action_toggle_tex(self) -> None:
        """Show maths rendered (softmax(QKᵀ/√dₖ)V) or as its TeX-like source."""
        self.tex = not self.tex
        if self._pending is None and self.blocks:
            self._lay_out_again()
            self._start_layout()
        self.notify("Maths as TeX" if self.tex else "Maths rendered", timeout=2)
