"""The reader: the blocks of a section (or of the whole work) as readable text, with a cursor.

One :class:`BlockView` per block, so the keyboard moves a "current paragraph" cursor that
notes, images and the related panel act on. Page changes are marked ``[p. 4]`` between
blocks. Document text is shown as a :class:`rich.text.Text`, never parsed as markup (escape
sequences are removed from every line the app draws: ``reader.printable_lines``).
"""

from __future__ import annotations

from typing import ClassVar

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from library.structure.model import Block
from library.structure.notation import readable, to_unicode
from reader.messages import BlockFocused, NoteRequested

KIND_PREFIX = {"list_item": "• "}


def block_text(block: Block, *, tex: bool = False) -> RenderableType:
    """How one block reads on screen: maths rendered to Unicode where exact (its TeX-like form with
    ``tex``), a table as a grid, a footnote set apart with its marker."""
    if block.kind == "table" and block.rows:
        return _table_grid(block, tex=tex)
    body = readable(block, tex=tex).strip()
    if block.kind == "heading":
        text = Text()
        if block.section and not body.startswith(block.section):
            text.append(block.section + " ", style="bold")
        text.append(body, style="bold")
        return text
    if block.kind == "caption":
        return Text(body, style="italic")
    if block.kind == "equation":
        return Text(body, style="italic")
    if block.kind == "footnote":
        return Text(f"[{block.marker}] " + body if block.marker else body, style="dim")
    return Text(KIND_PREFIX.get(block.kind, "") + body)


def _table_grid(block: Block, *, tex: bool) -> Table:
    """A table block as a Rich grid: its first row the header, each cell's maths rendered."""
    rows = [[(cell if tex else to_unicode(cell)) for cell in row] for row in block.rows or []]
    width = max(len(row) for row in rows)
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    for cell in rows[0] + [""] * (width - len(rows[0])):
        grid.add_column(Text(cell, style="bold"))
    for row in rows[1:]:
        grid.add_row(*[Text(cell) for cell in row + [""] * (width - len(row))])
    return grid


class BlockView(Static):
    """One block of the document. ``position`` is its place in the view, ``block`` its data."""

    def __init__(self, block: Block, position: int, *, tex: bool = False) -> None:
        super().__init__(block_text(block, tex=tex), classes=f"block block-{block.kind}", markup=False)
        self.block = block
        self.position = position


class PageMarker(Static):
    """``[p. 4]`` where a new page starts: a landmark, not a cursor stop."""

    def __init__(self, page: int) -> None:
        super().__init__(Text(f"[p. {page}]"), classes="page-marker", markup=False)
        self.page = page


class ReaderView(VerticalScroll, can_focus=True):
    """Blocks with a paragraph cursor. The screen decides what to show; this widget shows it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Next paragraph", show=False),
        Binding("up,k", "cursor_up", "Previous paragraph", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup,b", "page_up", "Page up", show=False),
        Binding("home,g", "first", "First paragraph", show=False),
        Binding("end,G", "last", "Last paragraph", show=False),
        Binding("right_square_bracket", "next_heading", "Next heading", show=False),
        Binding("left_square_bracket", "previous_heading", "Previous heading", show=False),
        Binding("n", "note", "Note", show=True),
        Binding("m", "toggle_tex", "Maths: rendered/TeX", show=False),
        Binding("O", "open_page", "Open page in PDF viewer", show=False),
    ]

    cursor: reactive[int] = reactive(-1, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.blocks: list[Block] = []
        self._views: list[BlockView] = []
        self.noted: dict[int, int] = {}
        self.reading_id: str | None = None
        self.fetchable = False
        # Maths shown in its TeX-like form rather than rendered to Unicode (the m key).
        self.tex = False

    # --- what to show --------------------------------------------------------------------------------

    async def show_blocks(
        self, blocks: list[Block], *, cursor_block: int | None = None, noted: dict[int, int] | None = None
    ) -> None:
        """Replace the content with ``blocks`` and put the cursor on block index ``cursor_block``."""
        self.fetchable = False
        self.blocks = list(blocks)
        self.noted = dict(noted or {})
        widgets: list[Static] = []
        self._views = []
        page = None
        for position, block in enumerate(self.blocks):
            if block.page != page:
                page = block.page
                widgets.append(PageMarker(page))
            view = BlockView(block, position, tex=self.tex)
            if block.index in self.noted:
                view.add_class("-noted")
            self._views.append(view)
            widgets.append(view)
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(widgets)
        self.scroll_home(animate=False)
        target = self.position_of(cursor_block) if cursor_block is not None else None
        self.cursor = -1
        self.set_cursor(target if target is not None else 0)

    async def show_message(self, message: Text | str, *, fetchable: bool = False) -> None:
        """A state with no text: not fetched yet, nothing to read, extraction failed."""
        self.blocks = []
        self._views = []
        self.cursor = -1
        self.fetchable = fetchable
        text = message if isinstance(message, Text) else Text(message)
        with self.app.batch_update():
            await self.remove_children()
            await self.mount(Static(text, classes="reader-message", markup=False))

    def position_of(self, block_index: int | None) -> int | None:
        """The view position of the block with document-wide index ``block_index``."""
        if block_index is None:
            return None
        for position, block in enumerate(self.blocks):
            if block.index == block_index:
                return position
        # Not shown: the nearest block before it (a note on a block merged by re-extraction).
        before = [p for p, b in enumerate(self.blocks) if b.index <= block_index]
        return before[-1] if before else None

    def set_noted(self, noted: dict[int, int]) -> None:
        self.noted = dict(noted)
        for view in self._views:
            view.set_class(view.block.index in self.noted, "-noted")

    @property
    def current_block(self) -> Block | None:
        return self.blocks[self.cursor] if 0 <= self.cursor < len(self.blocks) else None

    # --- the cursor ------------------------------------------------------------------------------------

    def set_cursor(self, position: int, *, top: bool = False) -> None:
        if not self._views:
            return
        position = max(0, min(position, len(self._views) - 1))
        if position == self.cursor:
            self._scroll_to_cursor(top=top)
            return
        self.cursor = position
        self._scroll_to_cursor(top=top)

    def watch_cursor(self, old: int, new: int) -> None:
        if 0 <= old < len(self._views):
            self._views[old].remove_class("-current")
        if 0 <= new < len(self._views):
            view = self._views[new]
            view.add_class("-current")
            self.post_message(BlockFocused(view.block.index, view.block.text))

    def _scroll_to_cursor(self, *, top: bool = False) -> None:
        if 0 <= self.cursor < len(self._views):
            view = self._views[self.cursor]
            self.call_after_refresh(self.scroll_to_widget, view, animate=False, top=top)

    def _cursor_bottom_hidden(self) -> bool:
        """True when the current block runs below the visible area (a long paragraph)."""
        if not (0 <= self.cursor < len(self._views)):
            return False
        region = self._views[self.cursor].virtual_region
        return region.bottom > self.scroll_offset.y + self.scrollable_content_region.height

    def _cursor_top_hidden(self) -> bool:
        if not (0 <= self.cursor < len(self._views)):
            return False
        return self._views[self.cursor].virtual_region.y < self.scroll_offset.y

    def action_cursor_down(self) -> None:
        if self._cursor_bottom_hidden():
            self.scroll_relative(y=max(1, self.scrollable_content_region.height - 2), animate=False)
        else:
            self.set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        if self._cursor_top_hidden():
            self.scroll_relative(y=-max(1, self.scrollable_content_region.height - 2), animate=False)
        else:
            self.set_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move_by_page(+1)

    def action_page_up(self) -> None:
        self._move_by_page(-1)

    def _move_by_page(self, direction: int) -> None:
        if not self._views:
            return
        height = self.scrollable_content_region.height
        self.scroll_relative(y=direction * max(1, height - 2), animate=False)
        top = self.scroll_offset.y + direction * max(1, height - 2)
        # The first block whose top is inside the new viewport becomes current.
        for position, view in enumerate(self._views):
            if view.virtual_region.y >= max(0, top):
                self.set_cursor(position)
                return
        self.set_cursor(len(self._views) - 1)

    def action_first(self) -> None:
        self.set_cursor(0)

    def action_last(self) -> None:
        self.set_cursor(len(self._views) - 1)

    def action_next_heading(self) -> None:
        for position in range(self.cursor + 1, len(self.blocks)):
            if self.blocks[position].kind == "heading":
                self.set_cursor(position, top=True)
                return

    def action_previous_heading(self) -> None:
        for position in range(self.cursor - 1, -1, -1):
            if self.blocks[position].kind == "heading":
                self.set_cursor(position, top=True)
                return

    def jump_to_block(self, block_index: int) -> bool:
        position = self.position_of(block_index)
        if position is None:
            return False
        self.set_cursor(position, top=True)
        return True

    def on_click(self, event) -> None:
        widget = event.widget
        while widget is not None and widget is not self and not isinstance(widget, BlockView):
            widget = widget.parent
        if isinstance(widget, BlockView):
            self.set_cursor(widget.position)

    # --- maths and the page itself -----------------------------------------------------------------

    def action_toggle_tex(self) -> None:
        """Show maths rendered (softmax(QKᵀ/√dₖ)V) or as its TeX-like source."""
        self.tex = not self.tex
        for view in self._views:
            view.update(block_text(view.block, tex=self.tex))
        self.notify("Maths as TeX" if self.tex else "Maths rendered", timeout=2)

    def action_open_page(self) -> None:
        """Open the current block's page in the system PDF viewer (the fallback that always works)."""
        from library import curricula, store
        from library.errors import SyllabusError
        from library.viewer import start, viewer_command

        block = self.current_block
        if block is None or block.bbox is None or self.reading_id is None:
            self.notify("Move to a block of a PDF to open its page.", severity="warning")
            return
        app = self.app
        try:
            reading = curricula.find(app.curriculum, self.reading_id).reading  # type: ignore[attr-defined]
            if reading is None:
                return
            doc = store.document_for_reading(
                app.conn,  # type: ignore[attr-defined]
                reading.id,
                arxiv_id=reading.arxiv_id,
                url=reading.url,
                version=reading.arxiv_version,
            )
            if doc is None or doc.path is None or not doc.is_pdf:
                self.notify("This reading has no PDF to open.", severity="warning")
                return
            command, supports_page = viewer_command(doc.path, block.page)
            start(command)
        except SyllabusError as exc:
            self.notify(str(exc), severity="error")
            return
        where = (
            f"at page {block.page}" if supports_page else f"(this viewer cannot be told page {block.page})"
        )
        self.notify(f"Opened {command[0]} {where}", timeout=3)

    # --- requests to the screen ----------------------------------------------------------------------

    def action_note(self) -> None:
        block = self.current_block
        if block is None:
            self.notify("Open a reading and move to a paragraph to write a note on it.", severity="warning")
            return
        self.post_message(NoteRequested(block.index, block.text.strip()))
