"""The middle of the main screen: the open reading's title, its fetch progress and its text.

The pane owns the open reading's state (its document, structure, assigned part and which of
part or whole work is shown), loads the document in a thread worker
(:func:`reader.loading.load_document`), keeps the cursor's place (``library.positions``) and
shows a block as an image. The screen opens readings (:meth:`ReadingPane.open`) and sets what
the pane shows beside the text (:attr:`status`, :attr:`noted`); the pane posts
:class:`~reader.messages.ReadingOpened` when it opens one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static
from textual.worker import get_current_worker

from library import positions
from library.catalogue import Chapter, Curriculum, Reading
from library.errors import SyllabusError
from library.structure.render import render_block_png
from reader.loading import load_document, state_text
from reader.messages import DocumentLoaded, FetchProgress, ReadingOpened
from reader.screens.dialogs import OutlineScreen
from reader.screens.image import ImageScreen
from reader.widgets.reader_view import ReaderView

if TYPE_CHECKING:
    import sqlite3

    from library.store import Document
    from library.structure.model import Block, DocumentStructure, SectionContent
    from reader.controllers.writes import Writes

View = Literal["section", "whole"]


class ReadingPane(Vertical):
    def __init__(
        self,
        conn: sqlite3.Connection,
        curriculum: Curriculum,
        writes: Writes,
        *,
        image_support: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.conn = conn
        self.curriculum = curriculum
        self.writes = writes
        self.image_support = image_support  # whether the terminal can draw images (decided at start)
        self.reading: Reading | None = None
        self.chapter: Chapter | None = None
        self.document: Document | None = None
        self.structure: DocumentStructure | None = None
        self.content: SectionContent | None = None
        self.view: View = "section"
        # Set by the screen: the open reading's status, and how many notes each block has.
        self.status = ""
        self.noted: dict[int, int] = {}
        self._saved: tuple[str, int, View] | None = None  # the place written last

    def compose(self) -> ComposeResult:
        yield Static(Text("No reading open", style="dim"), id="reading-title", markup=False)
        yield ProgressBar(id="fetch-progress", show_eta=False)
        yield ReaderView(id="reader")

    def on_mount(self) -> None:
        self.query_one("#fetch-progress", ProgressBar).display = False
        self._show_welcome()

    def _show_welcome(self) -> None:
        """Before any reading is open: the curriculum's size and the first keys to know."""
        text = Text()
        text.append(self.curriculum.title + "\n\n", style="bold")
        text.append(f"{len(self.curriculum.chapters)} chapters · ")
        text.append(f"{sum(len(c.readings) for c in self.curriculum.chapters)} readings\n\n")
        text.append(
            "Enter opens a reading · d marks it done · / searches · p shows progress · v reviews notes · "
            "? lists every key"
        )
        self.reader.show_message(text)

    @property
    def reader(self) -> ReaderView:
        return self.query_one(ReaderView)

    # --- opening ---------------------------------------------------------------------------------------

    def open(
        self, reading: Reading, chapter: Chapter, *, block_index: int | None = None, whole: bool = False
    ) -> None:
        """Show ``reading`` (loading its document in a worker), the cursor on ``block_index`` if given.
        A reading already open is not loaded again: the cursor just moves."""
        if self.reading is not None and self.reading.id == reading.id and self.structure is not None:
            if block_index is not None:
                self.jump_to_block(block_index)
            self.reader.focus()
            return
        self.reading, self.chapter = reading, chapter
        self.document = self.structure = self.content = None
        self.show_title()
        self.post_message(ReadingOpened(reading.id))
        self.reader.reading_id = reading.id
        # At once, not in a worker of its own: it must never land after the document it announces.
        self.reader.show_message(Text("Loading…", style="dim"))
        self._load_worker(reading, block_index, whole)
        self.reader.focus()

    def forget(self) -> None:
        """Forget the open reading's document (a new one was fetched): the next open loads it again."""
        self.structure = None

    @work(thread=True, exclusive=True, group="load")
    def _load_worker(self, reading: Reading, block_index: int | None, whole: bool) -> None:
        worker = get_current_worker()
        try:
            result = load_document(reading)
        except Exception as exc:  # an unexpected extraction failure must not take the app down
            result = DocumentLoaded(reading.id, "error", detail=f"{type(exc).__name__}: {exc}")
        result.block_index = block_index
        result.whole = result.whole or whole
        if not worker.is_cancelled:
            self.post_message(result)

    def on_document_loaded(self, message: DocumentLoaded) -> None:
        message.stop()
        if self.reading is None or message.reading_id != self.reading.id:
            return  # the user moved on
        if message.state != "ok" or message.structure is None or message.content is None:
            self.document = message.document
            self.reader.show_message(state_text(message), fetchable=message.state == "missing")
            return
        self.document, self.structure, self.content = message.document, message.structure, message.content
        saved = positions.get(self.conn, self.curriculum.name, self.reading.id)
        target = message.block_index
        view: View = "whole" if message.whole else "section"
        if target is None and saved is not None:
            target, view = saved.block_index, saved.view
        if target is not None and view == "section" and not _shows(self.content.blocks, target):
            view = "whole"  # the place to show lies outside the assigned section
        self.view = view
        self._render_view(target)
        if message.detail:
            self.notify(message.detail, title="Showing the whole work", severity="warning", markup=False)

    # --- what is shown -----------------------------------------------------------------------------------

    def show_title(self) -> None:
        if self.reading is None:
            return
        reading = self.reading
        title = Text(reading.title, style="bold")
        title.append(f"  {self.chapter.number if self.chapter else ''} · ", style="dim")
        if self.content is not None and self.view == "section":
            title.append(
                reading.pointer.label if reading.pointer.kind != "whole" else "Whole work", style="cyan"
            )
            if self.content.title and reading.pointer.kind != "whole":
                title.append(f" “{self.content.title}”", style="cyan")
        elif self.content is not None:
            title.append("Whole work", style="cyan")
        else:
            title.append(reading.pointer.label, style="cyan")
        title.append(f" · {self.status}", style="dim")
        self.query_one("#reading-title", Static).update(title)

    def show_noted(self, noted: dict[int, int]) -> None:
        """How many notes each block has (the reader marks those blocks)."""
        self.noted = dict(noted)
        self.reader.set_noted(self.noted)

    def _shown_blocks(self) -> list[Block]:
        if self.view == "section" and self.content is not None:
            return list(self.content.blocks)
        return list(self.structure.blocks) if self.structure is not None else []

    def _render_view(self, target: int | None) -> None:
        self.reader.show_blocks(self._shown_blocks(), cursor_block=target, noted=self.noted)
        self.show_title()

    def toggle_whole(self) -> None:
        """Between the assigned part and the whole work, the cursor staying on its block."""
        if self.structure is None or self.content is None:
            self.notify("Open a fetched reading first.", severity="warning")
            return
        current = self.reader.current_block
        self.view = "whole" if self.view == "section" else "section"
        target = current.index if current is not None else None
        if self.view == "section" and target is not None and not _shows(self.content.blocks, target):
            target = None
        self._render_view(target)
        self.save_position()

    def jump_to_block(self, block_index: int) -> None:
        """Put the cursor on a block of the work, showing the whole work if the part does not hold it."""
        if self.structure is None:
            return
        shown = self.reader.position_of(block_index) is not None and _shows(self.reader.blocks, block_index)
        if not shown and self.view == "section" and _shows(self.structure.blocks, block_index):
            self.view = "whole"
            self._render_view(block_index)
            return
        self.reader.jump_to_block(block_index)

    def outline(self) -> None:
        """The headings of what is shown, in a dialog; the chosen one takes the cursor."""
        reader = self.reader
        if not reader.blocks:
            self.notify("Open a fetched reading to see its outline.", severity="warning")
            return
        shown = {b.index for b in reader.blocks}
        sections = self.structure.sections if self.structure is not None else []
        headings = [(s.first_block, s.level, s.label) for s in sections if s.first_block in shown]
        if not headings:
            headings = [(b.index, 1, b.text[:60]) for b in reader.blocks if b.kind == "heading"]
        if not headings:
            self.notify("This text has no headings.", severity="information")
            return
        current = reader.current_block

        def jump(block_index: int | None) -> None:
            if block_index is not None:
                reader.jump_to_block(block_index)
                reader.focus()

        self.app.push_screen(OutlineScreen(headings, current.index if current else None), jump)

    def save_position(self) -> None:
        """Remember the block under the cursor, so the reading opens there next time."""
        block = self.reader.current_block
        if self.reading is None or block is None:
            return
        name, reading_id, view = self.curriculum.name, self.reading.id, self.view
        if self._saved == (reading_id, block.index, view):
            return
        self._saved = (reading_id, block.index, view)
        self.writes.submit(
            "saving your place", lambda conn: positions.save(conn, name, reading_id, block.index, view)
        )

    # --- fetching ------------------------------------------------------------------------------------------

    def fetch_progress(self, message: FetchProgress) -> None:
        """A download of the open reading moved on: show it in the bar under the title."""
        if self.reading is None or message.reading_id != self.reading.id:
            return
        bar = self.query_one("#fetch-progress", ProgressBar)
        bar.display = True
        bar.update(total=message.total, progress=message.done)

    def fetch_ended(self) -> None:
        self.query_one("#fetch-progress", ProgressBar).display = False

    # --- images --------------------------------------------------------------------------------------------

    def show_image(self) -> None:
        """The block under the cursor as an image of its PDF region (a caption: with its figure)."""
        block = self.reader.current_block
        if not self.image_support:
            self.notify(
                "This terminal cannot show images (it needs sixel or the kitty graphics protocol).",
                severity="warning",
            )
            return
        document = self.document
        path = document.path if document is not None and document.is_pdf else None
        if block is None or block.bbox is None or path is None:
            self.notify("Move to a block of a PDF to see it as an image.", severity="warning")
            return
        self._image_worker(path, block, self.structure.blocks if self.structure is not None else [])

    def open_page(self) -> None:
        """Open the page of the block under the cursor in the system PDF viewer: the fallback that
        always works, whatever the terminal."""
        from library.viewer import start, viewer_command

        block = self.reader.current_block
        document = self.document
        if block is None or block.bbox is None or document is None or document.path is None:
            self.notify("Move to a block of a PDF to open its page.", severity="warning")
            return
        if not document.is_pdf:
            self.notify("This reading has no PDF to open.", severity="warning")
            return
        command, supports_page = viewer_command(document.path, block.page)
        try:
            start(command)
        except SyllabusError as exc:
            self.notify(str(exc), severity="error")
            return
        where = (
            f"at page {block.page}" if supports_page else f"(this viewer cannot be told page {block.page})"
        )
        self.notify(f"Opened {command[0]} {where}", timeout=3)

    @work(thread=True, exclusive=True, group="image")
    def _image_worker(self, path: Path, block: Block, blocks: list[Block]) -> None:
        try:
            # PyMuPDF renders the clip at screen resolution: ~50 ms for an equation.
            png = render_block_png(path, block, blocks)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"Could not render the region: {exc}", severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, ImageScreen(png, f"{block.kind} · p. {block.page}"))


def _shows(blocks: list[Block], block_index: int) -> bool:
    return any(b.index == block_index for b in blocks)
