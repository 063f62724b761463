"""The main screen: the curriculum on the left, the reader in the middle, notes and related
passages on the right.

The screen lays these out and routes between them: the curriculum tree's status keys are written
here (``progress.mark``), the reading pane (:class:`~reader.widgets.reading_pane.ReadingPane`)
owns the open reading and its document, the notes controller
(:class:`~reader.controllers.notes.NotesController`) owns the notes actions, and the related panel
asks for its own neighbours. Upwards it only posts messages (``ReadingOpened``, ``NotesChanged``,
``FetchRequested``); the app calls the public methods below (``open_reading``,
``status_changed``, ``show_status``, …) and never queries the screen's widgets.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.events import DescendantFocus, Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Label, Static, Tree

from library import curricula, positions, progress
from library.catalogue import Chapter, Curriculum, Reading
from library.store import key_of
from reader.controllers.notes import NotesController
from reader.controllers.panes import Panes
from reader.controllers.statuses import Statuses
from reader.controllers.writes import Writes
from reader.messages import (
    BlockFocused,
    FetchFinished,
    FetchProgress,
    FetchRequested,
    HitChosen,
    JumpToNote,
    NoteActionRequested,
    ReadingSelected,
    StatusRequested,
)
from reader.widgets.curriculum_tree import READING_KEYS, CurriculumTree, Item
from reader.widgets.footer import Footer
from reader.widgets.item_details import ItemDetails
from reader.widgets.notes_panel import NotesPanel
from reader.widgets.reader_view import ReaderView
from reader.widgets.reading_pane import ReadingPane
from reader.widgets.related_panel import RelatedPanel

if TYPE_CHECKING:
    from index.search import Hit

# How long the cursor must rest on a paragraph before its position is saved and "related" asked.
SETTLE_SECONDS = 0.4


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "outline", "Outline", show=True),
        Binding("w", "toggle_whole", "Section/whole", show=True),
        Binding("i", "image", "Show block as image"),
        Binding("O", "open_page", "Open page in PDF viewer", show=False),
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
        Binding("n", "note", "Note", show=True, priority=True),
        Binding("S", "solutions", "Exercise solutions"),
        Binding("L", "solution_link", "Set your solution link"),
    ]

    def __init__(
        self, conn: sqlite3.Connection, curriculum: Curriculum, writes: Writes, *, image_support: bool = False
    ) -> None:
        super().__init__()
        self.conn = conn
        self.curriculum = curriculum
        self.writes = writes
        self.image_support = image_support
        self.notes = NotesController(self)
        self.statuses = Statuses(self)
        self.panes = Panes(self)
        self.related_enabled = False
        self._settle_timer: Timer | None = None
        self._pending_block: tuple[int, str] | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "note":
            # Only in the reader; elsewhere ``n`` is an ordinary key (a priority binding sees every key).
            return self.reader.has_focus
        return True

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
                yield ItemDetails(self.curriculum, id="item-details")
            yield ReadingPane(
                self.conn, self.curriculum, self.writes, image_support=self.image_support, id="reading-pane"
            )
            with Vertical(id="side-panel"):
                yield NotesPanel(id="notes")
                yield RelatedPanel(id="related")
        yield Static("", id="statusbar", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.notes_panel.set_notes([], placeholder="Open a reading to see its notes.")
        self.related_panel.set_placeholder("Related passages appear here once the index is ready.")
        self.related_panel.titles = {r.id: r.title for _, r in self.curriculum.all_readings()}
        self.curriculum_tree.focus()
        self.panes.apply_width(self.app.size.width)
        self._select_where_the_user_was()

    def _select_where_the_user_was(self) -> None:
        """Put the tree's cursor on the reading last opened; on a fresh home, on the chapter of
        what to read next, leaving every chapter folded so the whole curriculum fits on screen."""
        target = positions.last_opened(self.conn, self.curriculum.name)
        if target is not None and self.curriculum_tree.select_item(target):
            return
        suggestions = progress.next_readings(self.conn, self.curriculum, limit=1)
        if suggestions:
            self.curriculum_tree.select_chapter(suggestions[0].chapter)

    def on_resize(self, event: Resize) -> None:
        self.panes.apply_width(event.size.width)

    # --- the parts, for the app and the controllers ------------------------------------------------------

    @property
    def curriculum_tree(self) -> CurriculumTree:
        return self.query_one(CurriculumTree)

    @property
    def pane(self) -> ReadingPane:
        return self.query_one(ReadingPane)

    @property
    def reader(self) -> ReaderView:
        return self.pane.reader

    @property
    def notes_panel(self) -> NotesPanel:
        return self.query_one(NotesPanel)

    @property
    def related_panel(self) -> RelatedPanel:
        return self.query_one(RelatedPanel)

    @property
    def reading(self) -> Reading | None:
        """The reading open in the reader, if any."""
        return self.pane.reading

    @property
    def chapter(self) -> Chapter | None:
        return self.pane.chapter

    def binding_targets(self) -> list[DOMNode]:
        """This screen and the widgets whose key bindings the command palette offers."""
        return [self, self.curriculum_tree, self.reader, self.notes_panel]

    def show_status(self, text: str) -> None:
        """The status line at the bottom: what runs in the background (model, index, fetches)."""
        self.query_one("#statusbar", Static).update(Text(text, style="dim"))

    # --- the curriculum --------------------------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Item]) -> None:
        self._show_details(event.node.data)

    def _show_details(self, item: Item | None) -> None:
        status = self.curriculum_tree.status(item.id, item.kind) if item is not None else ""
        self.query_one(ItemDetails).show(item, status)

    @on(StatusRequested)
    def _status_requested(self, message: StatusRequested) -> None:
        message.stop()
        self.set_status(message.item_id, message.status)

    def action_set_status(self, key: str) -> None:
        if self.reading is None:
            self.notify("Open a reading first (or set statuses in the curriculum tree).", severity="warning")
            return
        self.set_status(self.reading.id, READING_KEYS[key])

    def set_status(self, item_id: str, status: str) -> None:
        self.statuses.set(item_id, status)

    def status_changed(self, item_id: str, status: str) -> None:
        """A status was written (here, or by another process: the app's poll calls this)."""
        self.curriculum_tree.set_item_status(item_id, status)
        if self.curriculum_tree.current_item is not None:
            self._show_details(self.curriculum_tree.current_item)
        if self.reading is not None and self.reading.id == item_id:
            self.pane.status = self.curriculum_tree.status(item_id)
            self.pane.show_title()

    def sync_statuses(self, statuses: dict[str, str]) -> None:
        """Statuses as the database has them now: those that changed are redrawn."""
        for item_id, status in statuses.items():
            if self.curriculum_tree.statuses.get(item_id) != status:
                self.status_changed(item_id, status)

    def action_focus_curriculum(self) -> None:
        self.panes.show_sidebar()
        self.curriculum_tree.focus()

    def action_focus_reader(self) -> None:
        self.reader.focus()

    def action_toggle_sidebar(self) -> None:
        self.panes.toggle_sidebar()

    def action_toggle_side_panel(self) -> None:
        if self.panes.toggle_side_panel():
            self._settled()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self.panes.focus_moved(event.widget)

    # --- exercises and their solutions ---------------------------------------------------------------

    def action_solutions(self) -> None:
        number = self.statuses.chapter_in_view()
        if number is None:
            self.notify("Move to a chapter or an exercise to see its solutions.", severity="warning")
            return
        self.statuses.show_solutions(number)

    def action_solution_link(self) -> None:
        self.statuses.ask_link()

    # --- opening a reading ------------------------------------------------------------------------------

    @on(ReadingSelected)
    def _reading_selected(self, message: ReadingSelected) -> None:
        message.stop()
        self.open_reading(message.reading_id, block_index=message.block_index, whole=message.whole)

    def open_reading(self, reading_id: str, *, block_index: int | None = None, whole: bool = False) -> None:
        """Open a reading of the curriculum in the reader (an exercise: say there is nothing to read)."""
        found = curricula.find(self.curriculum, reading_id)
        if found.reading is None:
            self.notify("Exercises have no text to read.", severity="information")
            return
        # Open with its document already shown: the pane only moves the cursor.
        already_open = self.reading is not None and self.reading.id == found.reading.id
        already_open = already_open and self.pane.structure is not None
        if not already_open:
            self.curriculum_tree.select_item(found.reading.id)
            self.pane.status = self.curriculum_tree.status(found.reading.id)
        self.pane.open(found.reading, found.chapter, block_index=block_index, whole=whole)
        if not already_open:
            self.notes.refresh()

    def action_toggle_whole(self) -> None:
        self.pane.toggle_whole()

    def action_outline(self) -> None:
        self.pane.outline()

    def action_image(self) -> None:
        self.pane.show_image()

    def action_open_page(self) -> None:
        self.pane.open_page()

    # --- position, related ----------------------------------------------------------------------------

    def on_block_focused(self, message: BlockFocused) -> None:
        self._pending_block = (message.block_index, message.text)
        if self._settle_timer is not None:
            self._settle_timer.stop()
        self._settle_timer = self.set_timer(SETTLE_SECONDS, self._settled)

    def _settled(self) -> None:
        self.pane.save_position()
        if self._pending_block is not None and self.related_enabled and self.query_one("#side-panel").display:
            block_index, text = self._pending_block
            self.related_panel.ask(block_index, text, key_of(self.reading) if self.reading else None)

    def enable_related(self) -> None:
        """The embedding model is loaded: the related panel may now ask for neighbours."""
        self.related_enabled = True
        self.related_panel.set_placeholder("Move the cursor to a paragraph.")
        if self._pending_block is not None:
            self._settled()

    # --- notes ---------------------------------------------------------------------------------------

    def action_note(self) -> None:
        """``n`` in the reader: the note editor on the paragraph under the cursor. A priority binding,
        so the editor is on screen before the app hands on the keys typed after ``n``: they go into
        the note, never to the reader's keys (``d`` would mark the reading done)."""
        block = self.reader.current_block
        if block is None:
            self.notify("Open a reading and move to a paragraph to write a note on it.", severity="warning")
            return
        self.notes.request(block)

    def on_note_action_requested(self, message: NoteActionRequested) -> None:
        self.notes.act(message)

    def on_jump_to_note(self, message: JumpToNote) -> None:
        self.notes.jump_to(message.note_id)

    def jump_to_note(self, note_id: int) -> None:
        self.notes.jump_to(note_id)

    def action_undo_note(self) -> None:
        self.notes.undo()

    # --- search hits -------------------------------------------------------------------------------------

    def on_hit_chosen(self, message: HitChosen) -> None:
        self.jump_to_hit(message.hit)

    def jump_to_hit(self, hit: Hit) -> None:
        """Open a search or related hit: a note at its passage, a passage at its first block."""
        if hit.kind == "note" and hit.note_id is not None:
            self.notes.jump_to(hit.note_id)
            return
        reading_id = hit.reading or self._reading_for_key(hit.reading_key)
        if reading_id is None:
            self.notify("That passage belongs to a work outside this curriculum.", severity="information")
            return
        self.open_reading(reading_id, block_index=hit.block_index)

    def _reading_for_key(self, key: str | None) -> str | None:
        if key is None:
            return None
        for _, reading in self.curriculum.all_readings(with_resources=False):
            if key_of(reading) == key:
                return reading.id
        return None

    # --- fetching -------------------------------------------------------------------------------------------

    def action_fetch(self) -> None:
        if self.reading is None:
            self.notify("Open a reading first (or press f on one in the curriculum).", severity="warning")
            return
        self.post_message(FetchRequested(self.reading.id))

    def fetch_progress(self, message: FetchProgress) -> None:
        self.pane.fetch_progress(message)

    def fetch_finished(self, message: FetchFinished) -> None:
        """A fetch ended; the open reading, newly fetched, is shown from its new document."""
        self.pane.fetch_ended()
        if self.reading is not None and message.reading_id == self.reading.id and message.ok:
            self.pane.forget()
            self.open_reading(message.reading_id)
