"""The Syllabus app: ``syllabus`` with no arguments.

:func:`make_app` builds the app for the CLI and for the tests alike. Start-up imports only
Textual and the small library modules (curricula, progress); PyMuPDF, the fetchers,
sentence-transformers/torch and FAISS are imported inside thread workers, after the first
paint, so the curriculum shows in well under a second and the screen never freezes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from library import curricula, progress
from library.catalogue import Curriculum
from reader.messages import (
    FetchFinished,
    FetchProgress,
    IndexFinished,
    IndexProgress,
    ModelReady,
    ReadingSelected,
)

# Input older than this ends a stretch of study time (the clock stops while the user is away).
IDLE_SECONDS = 180
# Seconds between checks that another process (the CLI) changed statuses.
POLL_SECONDS = 2.0
# Notes are indexed this long after the last change, so a burst of edits costs one update.
INDEX_DELAY_SECONDS = 1.0
THEMES = ("textual-dark", "textual-light")


class ActivityClock:
    """Measures active reading time: a stretch runs while a reading is open and input keeps
    coming; more than ``idle`` seconds without input ends it at the last input."""

    def __init__(self, record, idle: float = IDLE_SECONDS) -> None:
        self.record = record  # record(item_id, start, end)
        self.idle = idle
        self.item_id: str | None = None
        self.start: float | None = None
        self.last: float | None = None

    def switch(self, item_id: str | None, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.flush(now)
        self.item_id = item_id
        if item_id is not None:
            self.start = self.last = now

    def touch(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if self.item_id is None:
            return
        if self.last is not None and now - self.last > self.idle:
            self.flush(now)
        if self.start is None:
            self.start = now
        self.last = now

    def check(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if self.last is not None and now - self.last > self.idle:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """End the running stretch at the last input and record it."""
        if (
            self.item_id is not None
            and self.start is not None
            and self.last is not None
            and self.last > self.start
        ):
            self.record(self.item_id, self.start, self.last)
        self.start = self.last = None


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
        self.model_state = "not loaded"
        self.index_state = ""
        self.fetch_state: dict[str, str] = {}
        self.clock = ActivityClock(self._record_time)
        self._data_version: int | None = None
        self._index_timer: Timer | None = None
        self.index_runs = 0
        self.last_query = ""
        self.model_loaded = False

    # --- state everyone shares ----------------------------------------------------------------------

    @cached_property
    def conn(self) -> sqlite3.Connection:
        # index.db.connect registers the notes and search tables; a fresh home is migrated here (ms).
        from index.db import connect

        return connect()

    @cached_property
    def curriculum(self) -> Curriculum:
        if self.curriculum_name:
            return curricula.load(self.conn, self.curriculum_name)
        return curricula.active(self.conn)

    @property
    def main(self):
        from reader.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("main screen not mounted")

    def get_default_screen(self) -> Screen:
        from reader.screens.main import MainScreen

        return MainScreen(self.conn, self.curriculum)

    def on_mount(self) -> None:
        self.sub_title = self.curriculum.title
        saved = curricula.get_setting(self.conn, "theme")
        self.theme = saved if saved in THEMES else THEMES[0]
        self._data_version = self._db_version()
        self.set_interval(POLL_SECONDS, self._poll_database)
        self.set_interval(30, self.clock.check)

    def on_ready(self) -> None:
        if self.warm_model:
            # After the first frame: the model costs seconds of CPU and ~300 MB; nothing waits for
            # it. Not from on_mount: Textual holds back the frames painted while the app mounts,
            # so "after refresh" there came before anything was on screen, and the model's imports
            # held the GIL while the first frame was being drawn.
            self.call_after_refresh(self.load_model)

    # --- statuses ---------------------------------------------------------------------------------------

    def set_status(self, item_id: str, status: str) -> None:
        from library.errors import SyllabusError

        try:
            found = progress.mark(self.conn, self.curriculum, item_id, status)
        except SyllabusError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self._data_version = self._db_version()
        before = self.main.curriculum_tree.status(found.id, found.kind)
        self.main.status_changed(found.id, status)
        self.notify(f"{found.id}: {status}", timeout=2, markup=False)
        if found.kind == "exercise" and status == "done" and before != "done":
            self.main.exercise_done(found.id, found.chapter)

    def _db_version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def _poll_database(self) -> None:
        """Pick up statuses written by another process (``syllabus mark`` in another terminal)."""
        version = self._db_version()
        if version == self._data_version:
            return
        self._data_version = version
        rows = progress.statuses(self.conn, self.curriculum.name)
        main = self.main
        for item_id, row in rows.items():
            if main.curriculum_tree.statuses.get(item_id) != row["status"]:
                main.status_changed(item_id, row["status"])

    # --- time ------------------------------------------------------------------------------------------

    def reading_opened(self, reading_id: str) -> None:
        self.clock.switch(reading_id)

    def _record_time(self, item_id: str, start: float, end: float) -> None:
        from library import studylog
        from library.errors import SyllabusError

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

    # --- the model and the index -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="model")
    def load_model(self) -> None:
        self.call_from_thread(self._set_model_state, "loading model…")
        started = time.perf_counter()
        try:
            # sentence-transformers + torch (~6 s, ~400 MB) or the verified ONNX export (~0.4 s).
            from index.db import connect
            from index.embed import get_embedder

            conn = connect()
            try:
                embedder = get_embedder(conn)
                embedder.embed(["warm up"])
            finally:
                conn.close()
        except ImportError as exc:
            self.post_message(ModelReady(False, f"embeddings not available: {exc}"))
            return
        except Exception as exc:
            self.post_message(ModelReady(False, f"model failed to load: {exc}"))
            return
        self.post_message(ModelReady(True, getattr(embedder, "name", ""), time.perf_counter() - started))

    def on_model_ready(self, message: ModelReady) -> None:
        if message.ok:
            self.model_loaded = True
            self._set_model_state(f"model ready ({message.seconds:.1f} s)")
            self.main.enable_related()
            self.schedule_index_update()
        else:
            self._set_model_state(message.detail)

    def _set_model_state(self, state: str) -> None:
        self.model_state = state
        self._show_status()

    def note_saved(self, note_id: int) -> None:
        self.main.refresh_notes()
        self.schedule_index_update()

    def schedule_index_update(self) -> None:
        """Update the index soon; not before the model is loaded, so that two threads never
        load it at once (the model-ready hook runs the pending update)."""
        if not self.model_loaded:
            return
        if self._index_timer is not None:
            self._index_timer.stop()
        self._index_timer = self.set_timer(INDEX_DELAY_SECONDS, self.update_index)

    @work(thread=True, exclusive=True, group="index")
    def update_index(self) -> None:
        worker = get_current_worker()
        try:
            from index.db import connect
            from index.update import update_index
        except ImportError:
            return
        conn = connect()

        def report(stage: str, done: int, total: int) -> None:
            if not worker.is_cancelled:
                self.post_message(IndexProgress(stage, done, total))

        try:
            # Embedding new passages and notes: ~50 passages a second on this CPU.
            update_index(conn, progress=report)
        except Exception as exc:
            self.post_message(IndexFinished(False, str(exc)))
        else:
            self.post_message(IndexFinished(True))
        finally:
            conn.close()

    def on_index_progress(self, message: IndexProgress) -> None:
        self.index_state = f"indexing {message.stage} {message.done}/{message.total}"
        self._show_status()

    def on_index_finished(self, message: IndexFinished) -> None:
        self.index_runs += 1
        self.index_state = "index up to date" if message.ok else f"indexing failed: {message.detail}"
        self._show_status()

    # --- fetching ---------------------------------------------------------------------------------------

    def fetch_reading(self, reading_id: str) -> None:
        found = curricula.find(self.curriculum, reading_id)
        if found.reading is None:
            self.notify("Exercises have nothing to fetch.", severity="warning")
            return
        if reading_id in self.fetch_state:
            self.notify(f"Already fetching {reading_id}.", markup=False)
            return
        self.fetch_state[reading_id] = "starting"
        self._show_status()
        self.fetch_worker(found.reading)

    @work(thread=True, group="fetch")
    def fetch_worker(self, reading) -> None:
        app = self

        class Progress:
            """Adapter from the fetcher's progress protocol to FetchProgress messages."""

            def start(self, label: str):
                return lambda done, total: app.post_message(FetchProgress(reading.id, done, total, label))

            def stop(self, label: str) -> None:
                pass

        try:
            # httpx, arxiv and PyMuPDF are imported by the fetcher: ~0.3 s, in this thread only.
            from index.db import connect
            from library.fetch.run import Fetcher
        except ImportError as exc:
            self.post_message(FetchFinished(reading.id, False, f"fetching is not available yet ({exc.name})"))
            return
        conn = connect()
        try:
            outcomes = Fetcher(conn, progress=Progress()).run([reading])
        except Exception as exc:
            self.post_message(FetchFinished(reading.id, False, str(exc)))
            return
        finally:
            conn.close()
        outcome = outcomes[0]
        self.post_message(
            FetchFinished(
                reading.id,
                not outcome.failed and outcome.document is not None,
                outcome.detail or outcome.status,
            )
        )

    def on_fetch_progress(self, message: FetchProgress) -> None:
        if message.total:
            self.fetch_state[message.reading_id] = f"{100 * message.done // message.total}%"
        else:
            self.fetch_state[message.reading_id] = f"{message.done // 1024} KB"
        self._show_status()
        self.main.fetch_progress(message)

    def on_fetch_finished(self, message: FetchFinished) -> None:
        self.fetch_state.pop(message.reading_id, None)
        self._show_status()
        if message.ok:
            self.notify(f"Fetched {message.reading_id}. {message.detail}", timeout=4, markup=False)
            self.schedule_index_update()
        else:
            self.notify(
                f"Could not fetch {message.reading_id}: {message.detail}",
                severity="error",
                timeout=8,
                markup=False,
            )
        self.main.fetch_finished(message)

    def _show_status(self) -> None:
        from rich.text import Text

        parts = []
        for reading_id, state in self.fetch_state.items():
            parts.append(f"fetching {reading_id} {state}")
        if self.index_state:
            parts.append(self.index_state)
        if self.model_state:
            parts.append(self.model_state)
        with contextlib.suppress(LookupError):
            self.main.query_one("#statusbar").update(Text(" · ".join(parts), style="dim"))

    # --- screens ----------------------------------------------------------------------------------------

    def on_reading_selected(self, message: ReadingSelected) -> None:
        # Posted from screens other than the main one (progress "read next"); the main screen opens it.
        self.main.open_reading(message.reading_id, block_index=message.block_index, whole=message.whole)

    def action_help(self) -> None:
        from reader.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, type]]:
        from reader.screens.main import MainScreen
        from reader.screens.note_editor import NoteEditor
        from reader.screens.progress import ProgressScreen
        from reader.screens.review import ReviewScreen
        from reader.screens.search import SearchScreen
        from reader.screens.solutions import SolutionsScreen
        from reader.widgets.curriculum_tree import CurriculumTree
        from reader.widgets.notes_panel import NotesPanel
        from reader.widgets.reader_view import ReaderView

        return [
            ("Everywhere", type(self)),
            ("Main screen", MainScreen),
            ("Curriculum", CurriculumTree),
            ("Reader", ReaderView),
            ("Notes panel", NotesPanel),
            ("Note editor", NoteEditor),
            ("Search", SearchScreen),
            ("Progress", ProgressScreen),
            ("Review", ReviewScreen),
            ("Solutions", SolutionsScreen),
        ]

    def action_search(self) -> None:
        from reader.screens.search import SearchScreen

        if isinstance(self.screen, SearchScreen):
            return
        titles = {r.id: r.title for _, r in self.curriculum.all_readings()}

        screen = SearchScreen(titles, self.last_query)

        def chosen(hit: Any) -> None:
            self.last_query = screen.last_query
            if hit is not None:
                self.main.jump_to_hit(hit)

        self.push_screen(screen, chosen)

    def action_progress(self) -> None:
        from reader.screens.progress import ProgressScreen

        if isinstance(self.screen, ProgressScreen):
            return
        self.clock.flush()  # so the screen counts the stretch running now
        if self.main.reading is not None:
            self.clock.switch(self.main.reading.id)
        self.push_screen(ProgressScreen(self.conn, self.curriculum))

    def action_review(self) -> None:
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

    # --- the command palette -----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Open next reading", "Open what `syllabus next` suggests", self.action_open_next)
        try:
            main = self.main
        except LookupError:
            return
        targets: list[tuple[type[DOMNode], DOMNode]] = [(type(self), self), (type(main), main)]
        from reader.widgets.curriculum_tree import CurriculumTree
        from reader.widgets.notes_panel import NotesPanel
        from reader.widgets.reader_view import ReaderView

        for widget_class in (CurriculumTree, ReaderView, NotesPanel):
            targets.append((widget_class, main.query_one(widget_class)))
        seen: set[str] = set()
        for node_class, target in targets:
            for binding in node_class.BINDINGS:
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                title = binding.description
                if title in seen or binding.action in ("command_palette",):
                    continue
                seen.add(title)
                keys = ", ".join(
                    self.get_key_display(Binding(k.strip(), binding.action)) for k in binding.key.split(",")
                )
                yield SystemCommand(
                    title,
                    f"{keys} · {node_class.__name__}",
                    lambda action=binding.action, target=target: self.call_later(
                        self.run_action, action, target
                    ),
                )


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
    *,
    curriculum_name: str | None = None,
    home: Path | str | None = None,
    warm_model: bool = True,
    image_support: bool = False,
) -> SyllabusApp:
    """The app, for the CLI and the tests. ``home`` sets the data home (``SYLLABUS_HOME``)."""
    if home is not None:
        os.environ["SYLLABUS_HOME"] = str(home)
    return SyllabusApp(curriculum_name=curriculum_name, warm_model=warm_model, image_support=image_support)


def run_app(curriculum_name: str | None = None) -> None:
    """``syllabus`` with no command: open the app on the active (or named) curriculum."""
    app = make_app(curriculum_name=curriculum_name, image_support=detect_image_support())
    _ = app.curriculum  # an unknown curriculum name fails here, as a one-line CLI error, not inside the app
    app.run()
