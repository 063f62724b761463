"""The main screen: the curriculum on the left, the reader in the middle, notes and related
passages on the right.

The screen owns the state of the open reading (its document, structure, assigned section,
notes) and turns messages from the widgets into database writes and worker runs. Document
lookup, PDF extraction and region rendering happen in thread workers: PyMuPDF and a large
PDF cost from tenths of a second to seconds, and the screen never waits for them.
"""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Label, ProgressBar, Static
from textual.worker import get_current_worker

from library import curricula, progress
from library.catalogue import Chapter, Curriculum, Reading
from library.textclean import strip_escapes
from reader.messages import (
    BlockFocused,
    DocumentLoaded,
    FetchFinished,
    FetchProgress,
    FetchRequested,
    HitChosen,
    JumpToNote,
    NoteActionRequested,
    NoteRequested,
    ReadingSelected,
    RelatedResults,
    StatusRequested,
)
from reader.widgets.curriculum_tree import READING_KEYS, CurriculumTree
from reader.widgets.footer import Footer
from reader.widgets.notes_panel import NotesPanel
from reader.widgets.reader_view import ReaderView
from reader.widgets.related_panel import RelatedPanel

# Kinds of reading that are followed as a link, never downloaded.
LINK_KINDS = {"video", "course", "tool", "dataset", "link", "project"}
# Below this width the notes/related panel starts hidden (it can still be shown with N).
WIDE_ENOUGH_FOR_SIDE_PANEL = 120
# How long the cursor must rest on a paragraph before its position is saved and "related" asked.
SETTLE_SECONDS = 0.4


def reading_key_of(reading: Reading) -> str:
    """The work a reading names, spelled as notes and search spell it (one definition: library.store)."""
    from library.store import key_of

    return key_of(reading)


def load_document(reading: Reading) -> DocumentLoaded:
    """Find the stored document of ``reading`` and extract its structure (runs in a thread)."""
    if reading.kind in LINK_KINDS:
        return DocumentLoaded(reading.id, "link", detail=reading.url)
    try:
        from library import store
    except ImportError:
        return DocumentLoaded(reading.id, "unavailable", detail="the paper store is not installed yet")
    from index.db import connect

    conn = connect()
    try:
        document = store.document_for_reading(
            conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url, version=reading.arxiv_version
        )
    finally:
        conn.close()
    if document is None or document.path is None or not document.path.exists():
        return DocumentLoaded(reading.id, "missing")
    try:
        # PyMuPDF (~0.1 s to import) and the extraction itself (a cached structure is read in
        # milliseconds; a first extraction of a 15-page paper takes about a second).
        from library.structure import resolve
    except ImportError:
        return DocumentLoaded(
            reading.id, "unavailable", document=document, detail="section extraction is not installed yet"
        )
    from library.errors import SyllabusError

    try:
        structure = resolve.load(document.path)
    except SyllabusError as exc:
        return DocumentLoaded(reading.id, "error", document=document, detail=str(exc))
    try:
        content = resolve.resolve(structure, reading.pointer, name=reading.title)
    except SyllabusError as exc:
        # The assigned part cannot be found: show the whole work and say why.
        content = resolve.resolve(structure, None)
        return DocumentLoaded(reading.id, "ok", structure, content, document, detail=str(exc), whole=True)
    return DocumentLoaded(reading.id, "ok", structure, content, document)


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "outline", "Outline", show=True),
        Binding("w", "toggle_whole", "Section/whole", show=True),
        Binding("i", "image", "Show block as image"),
        Binding("f", "fetch", "Fetch open reading"),
        Binding("u", "set_status('u')", "Mark open reading unread", show=False),
        Binding("r", "set_status('r')", "Mark open reading reading", show=False),
        Binding("d", "set_status('d')", "Mark open reading done", show=False),
        Binding("s", "set_status('s')", "Mark open reading skimmed", show=False),
        Binding("x", "set_status('x')", "Mark open reading skipped", show=False),
        Binding("escape", "focus_curriculum", "Focus curriculum", show=False),
        Binding("R", "focus_reader", "Focus reader", show=False),
        Binding("ctrl+b", "toggle_sidebar", "Hide/show curriculum"),
        Binding("N", "toggle_side_panel", "Hide/show notes panel"),
        Binding("ctrl+z", "undo_note", "Undo note delete/edit"),
        Binding("S", "solutions", "Exercise solutions"),
        Binding("L", "solution_link", "Set your solution link"),
    ]

    def __init__(self, conn: sqlite3.Connection, curriculum: Curriculum) -> None:
        super().__init__()
        self.conn = conn
        self.curriculum = curriculum
        self.reading: Reading | None = None
        self.chapter: Chapter | None = None
        self.document: Any = None
        self.structure: Any = None
        self.content: Any = None
        self.view = "section"
        self.notes: list[Any] = []
        self._settle_timer: Timer | None = None
        self._pending_block: tuple[int, str] | None = None
        self.related_enabled = False
        self.side_panel_forced: bool | None = None

    # --- layout --------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        statuses = {
            item_id: row["status"]
            for item_id, row in progress.statuses(self.conn, self.curriculum.name).items()
        }
        with Horizontal(id="panes"):
            with Vertical(id="sidebar"):
                yield Label(Text(self.curriculum.title), id="curriculum-name", markup=False)
                yield CurriculumTree(self.curriculum, statuses, id="curriculum")
                yield Static("", id="item-details", markup=False)
            with Vertical(id="reading-pane"):
                yield Static(Text("No reading open", style="dim"), id="reading-title", markup=False)
                yield ProgressBar(id="fetch-progress", show_eta=False)
                yield ReaderView(id="reader")
            with Vertical(id="side-panel"):
                yield NotesPanel(id="notes")
                yield RelatedPanel(id="related")
        yield Static("", id="statusbar", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#fetch-progress").display = False
        self.query_one(NotesPanel).set_notes([], placeholder="Open a reading to see its notes.")
        self.query_one(RelatedPanel).set_placeholder("Related passages appear here once the index is ready.")
        self.query_one(RelatedPanel).titles = {r.id: r.title for _, r in self.curriculum.all_readings()}
        self.run_worker(self._show_welcome(), exclusive=False)
        self.query_one(CurriculumTree).focus()
        self._apply_width(self.app.size.width)
        self._select_where_the_user_was()

    def _select_where_the_user_was(self) -> None:
        """Put the tree's cursor on the reading last opened; on a fresh home, on the chapter of
        what to read next, leaving every chapter folded so the whole curriculum fits on screen."""
        from library import positions

        target = positions.last_opened(self.conn, self.curriculum.name)
        if target is not None and self.curriculum_tree.select_item(target):
            return
        suggestions = progress.next_readings(self.conn, self.curriculum, limit=1)
        if suggestions:
            self.curriculum_tree.select_chapter(suggestions[0].chapter)

    async def _show_welcome(self) -> None:
        text = Text()
        text.append(self.curriculum.title + "\n\n", style="bold")
        text.append(f"{len(self.curriculum.chapters)} chapters · ")
        text.append(f"{sum(len(c.readings) for c in self.curriculum.chapters)} readings\n\n")
        text.append(
            "Enter opens a reading · d marks it done · / searches · p shows progress · v reviews notes · "
            "? lists every key"
        )
        await self.query_one(ReaderView).show_message(text)

    def on_resize(self, event) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        if self.side_panel_forced is None:
            self.query_one("#side-panel").display = width >= WIDE_ENOUGH_FOR_SIDE_PANEL
        self.set_class(width < 100, "-narrow")

    # --- the curriculum --------------------------------------------------------------------------------

    @property
    def curriculum_tree(self) -> CurriculumTree:
        return self.query_one(CurriculumTree)

    @property
    def reader(self) -> ReaderView:
        return self.query_one(ReaderView)

    def on_tree_node_highlighted(self, event) -> None:
        item = event.node.data
        details = self.query_one("#item-details", Static)
        if item is None:
            details.update("")
            return
        text = Text()
        if item.kind == "reading":
            found = curricula.find(self.curriculum, item.id)
            reading = found.reading
            assert reading is not None
            text.append(reading.title + "\n", style="bold")
            text.append(
                f"{reading.kind} · {reading.pointer.label} · {self.curriculum_tree.status(reading.id)}\n",
                style="dim",
            )
            text.append(reading.url, style="dim")
        elif item.kind == "exercise":
            found = curricula.find(self.curriculum, item.id)
            text.append(found.exercise.title + "\n", style="bold")  # type: ignore[union-attr]
            text.append(f"exercise · {self.curriculum_tree.status(item.id, 'exercise')}", style="dim")
        elif item.kind == "chapter":
            chapter = self.curriculum.chapter(item.chapter)
            text.append(f"Chapter {chapter.number}: {chapter.title}\n", style="bold")
            if chapter.summary:
                text.append(chapter.summary, style="dim")
        details.update(text)

    @on(StatusRequested)
    def _status_requested(self, message: StatusRequested) -> None:
        message.stop()
        self.app.set_status(message.item_id, message.status)  # type: ignore[attr-defined]

    def action_set_status(self, key: str) -> None:
        if self.reading is None:
            self.notify("Open a reading first (or set statuses in the curriculum tree).", severity="warning")
            return
        self.app.set_status(self.reading.id, READING_KEYS[key])  # type: ignore[attr-defined]

    def status_changed(self, item_id: str, status: str) -> None:
        """Called by the app after a status was written (here or by another process)."""
        self.curriculum_tree.set_item_status(item_id, status)
        if self.curriculum_tree.current_item and self.curriculum_tree.cursor_node is not None:
            self.on_tree_node_highlighted(type("E", (), {"node": self.curriculum_tree.cursor_node})())
        if self.reading is not None and self.reading.id == item_id:
            self._show_title()

    def action_focus_curriculum(self) -> None:
        if not self.query_one("#sidebar").display:
            self.query_one("#sidebar").display = True
        self.curriculum_tree.focus()

    def action_focus_reader(self) -> None:
        self.reader.focus()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        if not sidebar.display:
            self.reader.focus()

    def action_toggle_side_panel(self) -> None:
        panel = self.query_one("#side-panel")
        panel.display = not panel.display
        self.side_panel_forced = panel.display
        if panel.display and self.size.width < WIDE_ENOUGH_FOR_SIDE_PANEL:
            # Three columns do not fit: the curriculum makes room (ctrl+b brings it back).
            self.query_one("#sidebar").display = False
        if panel.display:
            self._settled()

    # --- exercises and their solutions ---------------------------------------------------------------

    def _chapter_in_view(self) -> int | None:
        """The chapter of the item under the tree's cursor, else of the open reading."""
        item = self.curriculum_tree.current_item
        if item is not None:
            return item.chapter
        return self.chapter.number if self.chapter is not None else None

    def action_solutions(self) -> None:
        number = self._chapter_in_view()
        if number is None:
            self.notify("Move to a chapter or an exercise to see its solutions.", severity="warning")
            return
        self.show_solutions(number)

    def show_solutions(self, number: int, *, just_done: str | None = None) -> None:
        from reader.screens.solutions import SolutionsScreen

        self.app.push_screen(SolutionsScreen(self.conn, self.curriculum, number, just_done=just_done))

    def exercise_done(self, exercise_id: str, chapter: Chapter) -> None:
        """An exercise was just marked done here: offer the chapter's public solutions."""
        if chapter.solutions:
            self.show_solutions(chapter.number, just_done=exercise_id)
        else:
            self.notify(f"{exercise_id} done. L keeps a link to your solution.", timeout=4, markup=False)

    def action_solution_link(self) -> None:
        from reader.screens.solutions import ask_solution_link

        item = self.curriculum_tree.current_item
        exercise_id = None
        if item is not None and item.kind == "exercise":
            exercise_id = item.id
        elif item is not None:
            exercises = self.curriculum.chapter(item.chapter).exercises
            if len(exercises) == 1:
                exercise_id = exercises[0].id
        if exercise_id is None:
            self.notify(
                "Move to an exercise in the curriculum to set the link to your solution.", severity="warning"
            )
            return
        ask_solution_link(self.app, self.conn, self.curriculum, exercise_id)

    # --- opening a reading ------------------------------------------------------------------------------

    @on(ReadingSelected)
    def _reading_selected(self, message: ReadingSelected) -> None:
        message.stop()
        self.open_reading(message.reading_id, block_index=message.block_index, whole=message.whole)

    def open_reading(self, reading_id: str, *, block_index: int | None = None, whole: bool = False) -> None:
        found = curricula.find(self.curriculum, reading_id)
        if found.reading is None:
            self.notify("Exercises have no text to read.", severity="information")
            return
        if self.reading is not None and self.reading.id == found.reading.id and self.structure is not None:
            # Already open: just jump.
            if block_index is not None:
                self.jump_to_block(block_index)
            self.reader.focus()
            return
        self.reading, self.chapter = found.reading, found.chapter
        self.document = self.structure = self.content = None
        self.curriculum_tree.select_item(found.reading.id)
        self._show_title()
        self.app.reading_opened(found.reading.id)  # type: ignore[attr-defined]
        self.reader.reading_id = found.reading.id
        self.run_worker(self.reader.show_message(Text("Loading…", style="dim")))
        self.refresh_notes()
        self.load_worker(found.reading, block_index, whole)
        self.reader.focus()

    def _show_title(self) -> None:
        if self.reading is None:
            return
        title = Text(self.reading.title, style="bold")
        status = self.curriculum_tree.status(self.reading.id)
        title.append(f"  {self.chapter.number if self.chapter else ''} · ", style="dim")
        if self.content is not None and self.view == "section":
            label = self.reading.pointer.label if self.reading.pointer.kind != "whole" else "Whole work"
            title.append(label, style="cyan")
            if self.content.title and self.reading.pointer.kind != "whole":
                title.append(f" “{strip_escapes(self.content.title)}”", style="cyan")
        elif self.content is not None:
            title.append("Whole work", style="cyan")
        else:
            title.append(self.reading.pointer.label, style="cyan")
        title.append(f" · {status}", style="dim")
        self.query_one("#reading-title", Static).update(title)

    @work(thread=True, exclusive=True, group="load")
    def load_worker(self, reading: Reading, block_index: int | None, whole: bool) -> None:
        worker = get_current_worker()
        try:
            result = load_document(reading)
        except Exception as exc:  # an unexpected extraction failure must not take the app down
            result = DocumentLoaded(reading.id, "error", detail=f"{type(exc).__name__}: {exc}")
        result.block_index = block_index
        result.whole = result.whole or whole
        if not worker.is_cancelled:
            self.post_message(result)

    async def on_document_loaded(self, message: DocumentLoaded) -> None:
        if self.reading is None or message.reading_id != self.reading.id:
            return  # the user moved on
        reader = self.reader
        if message.state != "ok":
            self.document = message.document
            await reader.show_message(self._state_text(message), fetchable=message.state == "missing")
            return
        self.document, self.structure, self.content = message.document, message.structure, message.content
        from library import positions

        saved = positions.get(self.conn, self.curriculum.name, self.reading.id)
        target = message.block_index
        view = "whole" if message.whole else "section"
        if target is None and saved is not None:
            target, view = saved.block_index, saved.view
        if (
            target is not None
            and view == "section"
            and not any(b.index == target for b in self.content.blocks)
        ):
            view = "whole"  # the place to show lies outside the assigned section
        self.view = view
        await self._render_view(target)
        if message.detail:
            self.notify(message.detail, title="Showing the whole work", severity="warning", markup=False)

    def _state_text(self, message: DocumentLoaded) -> Text:
        text = Text()
        if message.state == "missing":
            text.append("This reading is not in your library yet.\n\n", style="bold")
            text.append(
                "Press f to fetch it (it downloads in the background), or attach a PDF you have with\n"
            )
            text.append(f"syllabus attach {self.reading.id if self.reading else ''} FILE.pdf", style="bold")
        elif message.state == "link":
            text.append("Nothing to download: follow the link.\n\n", style="bold")
            text.append(message.detail)
        elif message.state == "unavailable":
            text.append("Not available yet: ", style="bold")
            text.append(message.detail)
        else:
            text.append("Could not read this document.\n\n", style="bold red")
            text.append(message.detail)
        return text

    def _noted(self) -> dict[int, int]:
        noted: dict[int, int] = {}
        for note in self.notes:
            anchor = getattr(note, "anchor", None)
            if anchor is not None and anchor.block_index is not None and anchor.status == "attached":
                noted[anchor.block_index] = noted.get(anchor.block_index, 0) + 1
        return noted

    async def _render_view(self, target: int | None) -> None:
        blocks = self.content.blocks if self.view == "section" else self.structure.blocks
        await self.reader.show_blocks(blocks, cursor_block=target, noted=self._noted())
        self._show_title()

    async def action_toggle_whole(self) -> None:
        if self.structure is None:
            self.notify("Open a fetched reading first.", severity="warning")
            return
        current = self.reader.current_block
        self.view = "whole" if self.view == "section" else "section"
        target = current.index if current is not None else None
        if (
            self.view == "section"
            and target is not None
            and not any(b.index == target for b in self.content.blocks)
        ):
            target = None
        await self._render_view(target)
        self._save_position()

    def jump_to_block(self, block_index: int) -> None:
        if self.structure is None:
            return
        shown = self.reader.position_of(block_index) is not None and any(
            b.index == block_index for b in self.reader.blocks
        )
        in_work = any(b.index == block_index for b in self.structure.blocks)
        if not shown and self.view == "section" and in_work:
            self.view = "whole"
            self.run_worker(self._render_then_jump(block_index))
            return
        self.reader.jump_to_block(block_index)

    async def _render_then_jump(self, block_index: int) -> None:
        await self._render_view(block_index)

    def action_outline(self) -> None:
        from reader.screens.dialogs import OutlineScreen

        if not self.reader.blocks:
            self.notify("Open a fetched reading to see its outline.", severity="warning")
            return
        shown = {b.index for b in self.reader.blocks}
        headings: list[tuple[int, int, str]] = []
        for section in self.structure.sections if self.structure is not None else []:
            if section.first_block in shown:
                headings.append((section.first_block, section.level, strip_escapes(section.label)))
        if not headings:
            headings = [
                (b.index, 1, strip_escapes(b.text)[:60]) for b in self.reader.blocks if b.kind == "heading"
            ]
        if not headings:
            self.notify("This text has no headings.", severity="information")
            return
        current = self.reader.current_block

        def jump(block_index: int | None) -> None:
            if block_index is not None:
                self.reader.jump_to_block(block_index)
                self.reader.focus()

        self.app.push_screen(OutlineScreen(headings, current.index if current else None), jump)

    # --- position, related ----------------------------------------------------------------------------

    def on_block_focused(self, message: BlockFocused) -> None:
        self._pending_block = (message.block_index, message.text)
        if self._settle_timer is not None:
            self._settle_timer.stop()
        self._settle_timer = self.set_timer(SETTLE_SECONDS, self._settled)

    def _settled(self) -> None:
        self._save_position()
        if self._pending_block is not None and self.related_enabled and self.query_one("#side-panel").display:
            block_index, text = self._pending_block
            self.related_worker(block_index, text, reading_key_of(self.reading) if self.reading else None)

    def _save_position(self) -> None:
        block = self.reader.current_block
        if self.reading is None or block is None:
            return
        from library import positions

        positions.save(self.conn, self.curriculum.name, self.reading.id, block.index, self.view)  # type: ignore[arg-type]

    @work(thread=True, exclusive=True, group="related")
    def related_worker(self, block_index: int, text: str, reading_key: str | None) -> None:
        worker = get_current_worker()
        try:
            from index import search
            from index.db import connect

            conn = connect()
            try:
                hits = search.related(conn, text=text, k=8)
            finally:
                conn.close()
            result = RelatedResults(
                block_index, [h for h in hits if not _same_block(h, reading_key, block_index)]
            )
        except ImportError:
            result = RelatedResults(block_index, [], "search is not available yet")
        except Exception as exc:  # the panel is a nicety: report, never crash
            result = RelatedResults(block_index, [], f"related failed: {exc}")
        if not worker.is_cancelled:
            self.post_message(result)

    def on_related_results(self, message: RelatedResults) -> None:
        panel = self.query_one(RelatedPanel)
        if message.error:
            panel.set_placeholder(message.error)
        else:
            panel.set_hits(message.hits)

    def enable_related(self) -> None:
        """The embedding model is loaded: the related panel may now ask for neighbours."""
        self.related_enabled = True
        self.query_one(RelatedPanel).set_placeholder("Move the cursor to a paragraph.")
        if self._pending_block is not None:
            self._settled()

    # --- notes ---------------------------------------------------------------------------------------

    def refresh_notes(self) -> None:
        try:
            from index import notes as notes_api
        except ImportError:
            self.query_one(NotesPanel).set_notes([], placeholder="Notes are not available yet.")
            return
        if self.reading is None:
            return
        self.notes = notes_api.list_notes(self.conn, reading_key=reading_key_of(self.reading))
        self.query_one(NotesPanel).set_notes(self.notes)
        self.reader.set_noted(self._noted())

    def on_note_requested(self, message: NoteRequested) -> None:
        from reader.screens.note_editor import NoteEditor

        if self.reading is None:
            return
        block = next((b for b in self.reader.blocks if b.index == message.block_index), None)

        def save(draft) -> None:
            if draft is not None:
                self._add_note(draft, block)

        title = f"Note on {self.reading.title}"
        if block is not None:
            title += f" · p. {block.page}"
        self.app.push_screen(NoteEditor(title=title, quote=message.text), save)

    def _add_note(self, draft, block) -> None:
        from index import notes as notes_api
        from library.errors import SyllabusError

        assert self.reading is not None
        anchor = None
        if draft.quote:
            anchor = self._anchor_for(draft.quote, block)
        try:
            note = notes_api.add_note(
                self.conn,
                body=draft.body,
                curriculum=self.curriculum.name,
                reading_id=self.reading.id,
                reading_key=reading_key_of(self.reading),
                chapter=self.chapter.number if self.chapter else None,
                tags=draft.tags,
                anchor=anchor,
            )
        except SyllabusError as exc:
            self.notify(str(exc), title="Note not saved", severity="error", markup=False)
            return
        self.refresh_notes()
        self.query_one(NotesPanel).highlight_note(note.id)
        self.notify("Note saved.")
        self.app.note_saved(note.id)  # type: ignore[attr-defined]

    def _anchor_for(self, quote: str, block) -> Any:
        from index.anchors import locate, section_label
        from index.notes import Anchor

        document_id = str(self.document.id) if self.document is not None else None
        version = getattr(self.document, "arxiv_version", None)
        if self.structure is not None and block is not None:
            match = locate(self.structure, quote, block_index=block.index, page=block.page, fuzzy=False)
            if match is not None:
                return Anchor(
                    document_id=document_id,
                    arxiv_version=version,
                    section=match.section,
                    page=match.page,
                    exact=match.exact,
                    prefix=match.prefix,
                    suffix=match.suffix,
                    block_index=match.block_index,
                    status="attached",
                )
        # The user edited the quote into words the text does not have: keep it on this block.
        return Anchor(
            document_id=document_id,
            arxiv_version=version,
            page=block.page if block else None,
            section=section_label(self.structure, block.index, block.page)
            if (block and self.structure)
            else None,
            exact=" ".join(quote.split()),
            block_index=block.index if block else None,
            status="attached",
        )

    def on_jump_to_note(self, message: JumpToNote) -> None:
        self.jump_to_note(message.note_id)

    def jump_to_note(self, note_id: int) -> None:
        from index import notes as notes_api

        note = notes_api.get_note(self.conn, note_id)
        anchor = note.anchor
        block_index = anchor.block_index if anchor is not None else None
        if note.reading_id and (self.reading is None or self.reading.id != note.reading_id):
            try:
                self.open_reading(note.reading_id, block_index=block_index)
            except Exception as exc:  # a note on a reading this curriculum does not have
                self.notify(f"Cannot open the note's reading: {exc}", severity="warning", markup=False)
            return
        if block_index is None:
            self.notify("This note is not anchored to a passage.", severity="information")
            return
        self.jump_to_block(block_index)
        self.reader.focus()

    def on_note_action_requested(self, message: NoteActionRequested) -> None:
        from index import notes as notes_api
        from reader.screens.dialogs import PromptScreen
        from reader.screens.note_editor import NoteEditor

        note = notes_api.get_note(self.conn, message.note_id)
        if message.action == "delete":
            notes_api.delete_note(self.conn, note.id)
            self.refresh_notes()
            self.notify("Note deleted. ctrl+z brings it back.")
            self.app.note_saved(note.id)  # type: ignore[attr-defined]
        elif message.action == "edit":

            def save(draft) -> None:
                if draft is not None:
                    notes_api.edit_note(self.conn, note.id, body=draft.body, tags=draft.tags)
                    self.refresh_notes()
                    self.notify("Note saved.")
                    self.app.note_saved(note.id)  # type: ignore[attr-defined]

            self.app.push_screen(NoteEditor(title="Edit note", body=note.body, tags=list(note.tags)), save)
        elif message.action == "tag":

            def tag(value: str | None) -> None:
                if value is not None:
                    from reader.screens.note_editor import parse_tags

                    notes_api.edit_note(self.conn, note.id, tags=parse_tags(value))
                    self.refresh_notes()
                    self.app.note_saved(note.id)  # type: ignore[attr-defined]

            self.app.push_screen(PromptScreen("Tags (space-separated)", " ".join(note.tags)), tag)

    def action_undo_note(self) -> None:
        from index import notes as notes_api
        from library.errors import SyllabusError

        try:
            action, note = notes_api.undo_with_action(self.conn)
        except SyllabusError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.refresh_notes()
        self.notify(f"Undid the {action} of note {note.id}.", markup=False)
        self.app.note_saved(note.id)  # type: ignore[attr-defined]

    # --- search hits -------------------------------------------------------------------------------------

    def on_hit_chosen(self, message: HitChosen) -> None:
        self.jump_to_hit(message.hit)

    def jump_to_hit(self, hit: Any) -> None:
        if getattr(hit, "kind", None) == "note" and getattr(hit, "note_id", None) is not None:
            self.jump_to_note(hit.note_id)
            return
        reading_id = getattr(hit, "reading", None) or self._reading_for_key(getattr(hit, "reading_key", None))
        if reading_id is None:
            self.notify("That passage belongs to a work outside this curriculum.", severity="information")
            return
        block_index = None
        row = self.conn.execute("SELECT block_start FROM passages WHERE id = ?", (hit.id,)).fetchone()
        if row is not None:
            block_index = row["block_start"]
        self.open_reading(reading_id, block_index=block_index)

    def _reading_for_key(self, key: str | None) -> str | None:
        if key is None:
            return None
        for _, reading in self.curriculum.all_readings(with_resources=False):
            if reading_key_of(reading) == key:
                return reading.id
        return None

    # --- fetching and images ---------------------------------------------------------------------------

    def action_fetch(self) -> None:
        if self.reading is None:
            self.notify("Open a reading first (or press f on one in the curriculum).", severity="warning")
            return
        self.app.fetch_reading(self.reading.id)  # type: ignore[attr-defined]

    @on(FetchRequested)
    def _fetch_requested(self, message: FetchRequested) -> None:
        message.stop()
        self.app.fetch_reading(message.reading_id)  # type: ignore[attr-defined]

    def fetch_progress(self, message: FetchProgress) -> None:
        bar = self.query_one("#fetch-progress", ProgressBar)
        if self.reading is None or message.reading_id != self.reading.id:
            return
        bar.display = True
        bar.update(total=message.total, progress=message.done)

    def fetch_finished(self, message: FetchFinished) -> None:
        self.query_one("#fetch-progress", ProgressBar).display = False
        if self.reading is not None and message.reading_id == self.reading.id and message.ok:
            reading = self.reading
            self.reading = None  # reopen from scratch: the document is new
            self.open_reading(reading.id)

    def action_image(self) -> None:
        block = self.reader.current_block
        if not self.app.image_support:  # type: ignore[attr-defined]
            self.notify(
                "This terminal cannot show images (it needs sixel or the kitty graphics protocol).",
                severity="warning",
            )
            return
        if block is None or block.bbox is None or self.document is None or not self.document.is_pdf:
            self.notify("Move to a block of a PDF to see it as an image.", severity="warning")
            return
        self.image_worker(self.document.path, block.page, self._region_of(block), block.kind)

    def _region_of(self, block) -> tuple[float, float, float, float]:
        """A block's region; for a caption, the figure above it too (up to the previous block)."""
        x0, y0, x1, y1 = block.bbox
        if block.kind != "caption" or self.structure is None:
            return (x0, y0, x1, y1)
        above = [
            b
            for b in self.structure.blocks
            if b.page == block.page and b.bbox and b.bbox[3] <= y0 and b.index < block.index
        ]
        top = max((b.bbox[3] for b in above), default=0.0)
        return (min(x0, 0.0 if not above else min(b.bbox[0] for b in above)), top, x1, y1)

    @work(thread=True, exclusive=True, group="image")
    def image_worker(self, path, page: int, bbox, kind: str) -> None:
        try:
            # PyMuPDF renders the clip at screen resolution: ~50 ms for an equation.
            from library.structure.render import render_region_png
        except ImportError:
            self.app.call_from_thread(
                self.notify, "Rendering regions is not available yet.", severity="warning"
            )
            return
        try:
            png = render_region_png(path, page, bbox)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"Could not render the region: {exc}", severity="error")
            return
        from reader.screens.image import ImageScreen

        self.app.call_from_thread(self.app.push_screen, ImageScreen(png, f"{kind} · p. {page}"))


def _same_block(hit: Any, reading_key: str | None, block_index: int) -> bool:
    """A passage hit for the very paragraph under the cursor is no news: leave it out."""
    return (
        getattr(hit, "kind", None) == "passage"
        and getattr(hit, "reading_key", None) == reading_key
        and (getattr(hit, "block_start", None) == block_index)
    )
