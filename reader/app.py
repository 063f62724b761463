"""The Syllabus app: ``syllabus`` with no arguments.

:func:`make_app` builds the app for the CLI and for the tests alike. Start-up imports only
Textual and the small library modules (curricula, progress); PyMuPDF, the fetchers,
sentence-transformers/torch and FAISS are imported inside thread workers, after the first
paint, so the curriculum shows in well under a second and the screen never freezes.

The app owns what outlives any one screen: the database connection, the activity clock
(:mod:`library.activity`), the poll for statuses written by another process, the background
work of :class:`~reader.controllers.indexing.Indexing` and
:class:`~reader.controllers.fetching.Fetching`, the status line's text, help and the palette.
It learns from the main screen through messages and tells it through its public methods.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.screen import Screen
from textual.worker import WorkerFailed

from index.db import connect
from library import curricula, dbhealth, progress, studylog
from library.activity import ActivityClock
from library.catalogue import Curriculum
from library.errors import SyllabusError
from reader.controllers.fetching import Fetching
from reader.controllers.indexing import Indexing
from reader.messages import (
    FetchFinished,
    FetchProgress,
    FetchRequested,
    IndexFinished,
    IndexProgress,
    ModelReady,
    NotesChanged,
    ReadingOpened,
    ReadingSelected,
)
from reader.printable_lines import PrintableLines
from reader.screens.help import HelpScreen
from reader.screens.main import MainScreen
from reader.screens.search import SearchScreen

if TYPE_CHECKING:
    from index.search import Hit

# Seconds between checks that another process (the CLI) changed statuses.
POLL_SECONDS = 2.0
# Seconds between checks that the user has gone idle (the clock then stops).
IDLE_CHECK_SECONDS = 30
THEMES = ("textual-dark", "textual-light")


class SyllabusApp(App[None]):
    CSS_PATH = "syllabus.tcss"
    TITLE = "Syllabus"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", show=True),
        Binding("slash", "search", "Search", show=True),
        Binding("p", "progress", "Progress", show=True),
        Binding("v", "review", "Review notes", show=True),
        Binding("q", "quit", "Quit", show=True),
        Binding("ctrl+t", "toggle_theme", "Light/dark theme"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    def __init__(
        self, *, curriculum_name: str | None = None, warm_model: bool = True, image_support: bool = False
    ) -> None:
        super().__init__()
        self.curriculum_name = curriculum_name
        self.warm_model = warm_model
        self.image_support = image_support
        self.clock = ActivityClock(self._record_time)
        self.indexing = Indexing(self)
        self.fetching = Fetching(self, lambda: self.curriculum)
        self._printable_lines = PrintableLines()
        self.fatal_error: SyllabusError | None = None  # what ended the app, shown as the CLI's one line
        self.last_query = ""
        self._data_version: int | None = None

    def _handle_exception(self, error: Exception) -> None:
        """A damaged database, a full disk or another user error met mid-session (a worker opening
        the database, say) ends the app with the one line the CLI prints, not a traceback.

        Textual's hook for unhandled exceptions is this private method; anything that is not a user
        error still goes to Textual's own handling (a traceback: a bug).
        """
        cause = error.error if isinstance(error, WorkerFailed) else error
        user_error = cause if isinstance(cause, SyllabusError) else dbhealth.translate(cause)
        if user_error is None:
            super()._handle_exception(error)
            return
        self.fatal_error = user_error
        self.exit(return_code=1)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the one that keeps escape sequences in data off the terminal."""
        return [*super().get_line_filters(), self._printable_lines]

    # --- state everyone shares ----------------------------------------------------------------------

    @cached_property
    def conn(self) -> sqlite3.Connection:
        # index.db.connect registers the notes and search tables; a fresh home is migrated here (ms).
        return connect()

    @cached_property
    def curriculum(self) -> Curriculum:
        if self.curriculum_name:
            return curricula.load(self.conn, self.curriculum_name)
        return curricula.active(self.conn)

    @property
    def main(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("main screen not mounted")

    def get_default_screen(self) -> Screen:
        return MainScreen(self.conn, self.curriculum, image_support=self.image_support)

    def on_mount(self) -> None:
        self.sub_title = self.curriculum.title
        saved = curricula.get_setting(self.conn, "theme")
        self.theme = saved if saved in THEMES else THEMES[0]
        self._data_version = self._db_version()
        self.set_interval(POLL_SECONDS, self.poll_database)
        self.set_interval(IDLE_CHECK_SECONDS, self.clock.check)

    def on_ready(self) -> None:
        if self.warm_model:
            # After the first frame: the model costs seconds of CPU and ~300 MB; nothing waits for
            # it. Not from on_mount: Textual holds back the frames painted while the app mounts,
            # so "after refresh" there came before anything was on screen, and the model's imports
            # held the GIL while the first frame was being drawn.
            self.call_after_refresh(self._load_model)

    # --- statuses written elsewhere ---------------------------------------------------------------------

    def _db_version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def poll_database(self) -> None:
        """Pick up statuses written by another process (``syllabus mark`` in another terminal).
        ``data_version`` changes only for other connections' commits, never for the app's own."""
        version = self._db_version()
        if version == self._data_version:
            return
        self._data_version = version
        rows = progress.statuses(self.conn, self.curriculum.name)
        self.main.sync_statuses({item_id: row["status"] for item_id, row in rows.items()})

    # --- time ------------------------------------------------------------------------------------------

    def on_reading_opened(self, message: ReadingOpened) -> None:
        self.clock.switch(message.reading_id)

    def _record_time(self, item_id: str, start: float, end: float) -> None:
        try:
            studylog.record_app_stretch(
                self.conn, curriculum=self.curriculum.name, item_id=item_id, start=start, end=end
            )
        except SyllabusError as exc:  # e.g. the reading left the curriculum; losing a stretch beats crashing
            self.log.warning(f"time not recorded: {exc}")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.clock.touch()
        await super().on_event(event)

    async def action_quit(self) -> None:
        self.clock.flush()
        self.exit()

    # --- the model, the index, fetches, and the status line that reports them ---------------------------

    def _load_model(self) -> None:
        self.indexing.load_model()
        self._show_status()

    def on_model_ready(self, message: ModelReady) -> None:
        if self.indexing.model_ready(message):
            self.main.enable_related()
        self._show_status()

    def on_notes_changed(self, message: NotesChanged) -> None:
        self.indexing.schedule_update()

    def on_index_progress(self, message: IndexProgress) -> None:
        self.indexing.progress(message)
        self._show_status()

    def on_index_finished(self, message: IndexFinished) -> None:
        self.indexing.finished(message)
        self._show_status()

    def on_fetch_requested(self, message: FetchRequested) -> None:
        if self.fetching.start(message.reading_id):
            self._show_status()

    def on_fetch_progress(self, message: FetchProgress) -> None:
        self.fetching.progress(message)
        self._show_status()
        self.main.fetch_progress(message)

    def on_fetch_finished(self, message: FetchFinished) -> None:
        self.fetching.finished(message)
        if message.ok:
            self.indexing.schedule_update()
        self._show_status()
        self.main.fetch_finished(message)

    def _show_status(self) -> None:
        parts = [*self.fetching.state, *self.indexing.state]
        try:
            main = self.main
        except LookupError:  # a status before the main screen is mounted: the next one shows
            return
        main.show_status(" · ".join(parts))

    # --- screens ----------------------------------------------------------------------------------------

    def on_reading_selected(self, message: ReadingSelected) -> None:
        # Posted from screens other than the main one (progress "read next"); the main screen opens it.
        self.main.open_reading(message.reading_id, block_index=message.block_index, whole=message.whole)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, type]]:
        # ~30 ms (every screen's module); only when help or the palette opens
        from reader.palette import help_sections

        return help_sections(type(self))

    def action_search(self) -> None:
        if isinstance(self.screen, SearchScreen):
            return
        titles = {r.id: r.title for _, r in self.curriculum.all_readings()}
        screen = SearchScreen(titles, self.last_query)

        def chosen(hit: Hit | None) -> None:
            self.last_query = screen.last_query
            if hit is not None:
                self.main.jump_to_hit(hit)

        self.push_screen(screen, chosen)

    def action_progress(self) -> None:
        # ~20 ms (plotting the log); only when the screen opens
        from reader.screens.progress import ProgressScreen

        if isinstance(self.screen, ProgressScreen):
            return
        self.clock.flush()  # so the screen counts the stretch running now
        if self.main.reading is not None:
            self.clock.switch(self.main.reading.id)
        self.push_screen(ProgressScreen(self.conn, self.curriculum))

    def action_review(self) -> None:
        # index.review and FSRS load in its worker; the screen module itself is ~3 ms
        from reader.screens.review import ReviewScreen

        if isinstance(self.screen, ReviewScreen):
            return
        self.push_screen(ReviewScreen(), self._after_review)

    def _after_review(self, note_id: int | None) -> None:
        """The review screen closed; with a note id, the user asked to open that note in the reader."""
        if note_id is not None:
            self.main.jump_to_note(note_id)

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]
        curricula.set_setting(self.conn, "theme", self.theme)

    def action_open_next(self) -> None:
        suggestions = progress.next_readings(self.conn, self.curriculum, limit=1)
        if not suggestions:
            self.notify("Nothing left to read.")
            return
        self.main.open_reading(suggestions[0].reading.id)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # ~30 ms (every screen's module); only when help or the palette opens
        from reader.palette import binding_commands

        yield from super().get_system_commands(screen)
        yield SystemCommand("Open next reading", "Open what `syllabus next` suggests", self.action_open_next)
        try:
            main = self.main
        except LookupError:
            return
        yield from binding_commands(self, [self, *main.binding_targets()])


def detect_image_support() -> bool:
    """Whether this terminal can draw images (sixel or the kitty graphics protocol).

    textual-image asks the terminal at import time, which is only possible before Textual
    takes over the terminal: so this runs in :func:`run_app`, and only for a real terminal.
    It costs 0.2-0.35 s in tmux: Pillow and numpy imports (~0.1 s), a sixel query, then a kitty
    graphics query that waits 0.1 s for an answer tmux never sends.
    """
    import sys

    if not (sys.__stdout__ and sys.__stdout__.isatty()) or os.environ.get("SYLLABUS_NO_IMAGES"):
        return False
    try:
        import textual_image.widget  # noqa: F401  (caches the cell size while the terminal can still answer)
        from textual_image.renderable import Image, SixelImage, TGPImage
    except Exception:
        return False
    return Image in (SixelImage, TGPImage)


def make_app(
    *, curriculum_name: str | None = None, warm_model: bool = True, image_support: bool = False
) -> SyllabusApp:
    """The app, for the CLI and the tests (which pass ``warm_model=False``: no embedding model)."""
    return SyllabusApp(curriculum_name=curriculum_name, warm_model=warm_model, image_support=image_support)


def run_app(curriculum_name: str | None = None) -> None:
    """``syllabus`` with no command: open the app on the active (or named) curriculum."""
    app = make_app(curriculum_name=curriculum_name, image_support=detect_image_support())
    _ = app.curriculum  # an unknown curriculum name fails here, as a one-line CLI error, not inside the app
    app.run()
    if app.fatal_error is not None:
        raise app.fatal_error
