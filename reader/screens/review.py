"""The review screen: notes come back on an FSRS schedule (``index.review``), one at a time.

The cue comes first (the reading, the quoted passage, where it is); the user recalls their
note, reveals it with space or Enter, and grades their recall 1-4 (again, hard, good, easy).
``x`` keeps a note out of review, ``s`` skips it for this session. Grades and exclusions are
written by a thread worker with its own connection, which then picks the next due note, so
the screen never waits on the database. Every user text is shown literally (rich Text).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from index.db import connect
from reader.messages import ReviewGraded, ReviewLoaded
from reader.widgets.footer import Footer

if TYPE_CHECKING:
    from index.review import ReviewItem, ReviewStats

GRADES = {1: "again", 2: "hard", 3: "good", 4: "easy"}
# Actions that need a note on screen; the grades also need it revealed.
CARD_ACTIONS = {"reveal", "grade", "exclude", "skip", "open_note"}


def when(ts: float, now: float | None = None) -> str:
    """A due time a person can place: "Tue 04 Mar 14:05 (in 3 h)"."""
    now = time.time() if now is None else now
    seconds = ts - now
    if seconds < 3600:
        rel = f"in {max(1, round(seconds / 60))} min"
    elif seconds < 2 * 86400:
        rel = f"in {round(seconds / 3600)} h"
    else:
        rel = f"in {round(seconds / 86400)} days"
    return f"{datetime.fromtimestamp(ts):%a %d %b %H:%M} ({rel})"


def load_next(skipped: frozenset[int]) -> ReviewLoaded:
    """The first due note not skipped in this session, with the counts (runs in a thread)."""
    # index.review and FSRS: ~40 ms, in this worker thread: the screen paints first
    from index import review
    from index.notes import get_note

    conn = connect()
    try:
        stats = review.stats(conn)
        # Skipped notes stay due and may come first: ask for one more than were skipped.
        items = review.due(conn, limit=len(skipped) + 1)
        item = next((i for i in items if i.note_id not in skipped), None)
        page = section = None
        if item is not None:
            anchor = get_note(conn, item.note_id).anchor
            if anchor is not None:
                page, section = anchor.page, anchor.section
        return ReviewLoaded(item, page, section, stats)
    finally:
        conn.close()


class ReviewScreen(Screen[int | None]):
    """Due notes, one at a time: cue, reveal, grade. Dismissed with a note's id when the user asks
    to open that note in the reader, with None otherwise."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", show=True),
        Binding("space,enter", "reveal", "Show note", show=True),
        Binding("1", "grade(1)", "Again", show=True),
        Binding("2", "grade(2)", "Hard", show=True),
        Binding("3", "grade(3)", "Good", show=True),
        Binding("4", "grade(4)", "Easy", show=True),
        Binding("x", "exclude", "Exclude note", show=True),
        Binding("s", "skip", "Skip", show=True),
        Binding("o", "open_note", "Open in reader", show=False),
        Binding("r", "restart", "Review skipped again", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.item: ReviewItem | None = None  # the note on screen
        self.stats: ReviewStats | None = None
        self.revealed = False
        self.busy = True  # a worker is writing or loading: keys wait for it
        self.skipped: set[int] = set()
        self.graded = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-body"):
            yield Static("", id="review-count", markup=False)
            with VerticalScroll(id="review-card"):
                yield Static("", id="review-source", markup=False)
                yield Static("", id="review-quote", markup=False)
                yield Static("", id="review-note", markup=False)
                yield Static("", id="review-tags", markup=False)
            yield Static("", id="review-empty", markup=False)
            yield Static("", id="review-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#review-card").display = False
        self.query_one("#review-empty", Static).update(Text("Loading…", style="dim"))
        self.load()

    # --- loading -----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="review")
    def load(self) -> None:
        try:
            result = load_next(frozenset(self.skipped))
        except Exception as exc:  # e.g. a locked database: say so, keep the app
            result = ReviewLoaded(error=str(exc))
        self.post_message(result)

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        self.busy = False
        self.revealed = False
        if message.error:
            self.item = None
            self._show_empty(Text(f"Could not load the review queue: {message.error}", style="red"))
            return
        self.item, self.stats = message.item, message.stats
        self._show_count()
        if self.item is None:
            self._show_nothing_due()
        else:
            self._show_card(self.item, message.page, message.section)
        self.refresh_bindings()

    def _show_count(self) -> None:
        stats = self.stats
        text = Text("Review", style="bold")
        if stats is not None:
            text.append(f" · {stats.due_now} due", style="bold yellow" if stats.due_now else "")
            if stats.new:
                text.append(f" · {stats.new} new")
            text.append(f" · {stats.reviewed_today} reviewed today", style="dim")
            if stats.excluded:
                text.append(f" · {stats.excluded} excluded", style="dim")
        if self.skipped:
            text.append(f" · {len(self.skipped)} skipped", style="dim")
        self.query_one("#review-count", Static).update(text)

    def _show_card(self, item: ReviewItem, page: int | None, section: str | None) -> None:
        self.query_one("#review-empty").display = False
        card = self.query_one("#review-card", VerticalScroll)
        card.display = True
        card.scroll_home(animate=False)
        source = Text(item.reading_title or item.reading_id or "A note without a reading", style="bold")
        where = []
        if item.chapter is not None:
            where.append(f"chapter {item.chapter}")
        if section:
            where.append(section)
        if page is not None:
            where.append(f"p. {page}")
        where.append(item.state if item.state == "new" else f"{item.state}, {item.reps} reviews")
        source.append("\n" + " · ".join(where), style="dim")
        self.query_one("#review-source", Static).update(source)
        quote = self.query_one("#review-quote", Static)
        quote.display = bool(item.quote)
        quote.update(Text(item.quote or ""))
        self._show_note()

    def _show_note(self) -> None:
        note = self.query_one("#review-note", Static)
        tags = self.query_one("#review-tags", Static)
        hint = self.query_one("#review-hint", Static)
        if self.item is None:
            return
        if self.revealed:
            note.set_class(False, "-hidden")
            note.update(Text(self.item.body))
            tags.display = bool(self.item.tags)
            tags.update(Text(" ".join(f"#{t}" for t in self.item.tags), style="dim"))
            hint.update(
                Text("How well did you recall it?  1 again · 2 hard · 3 good · 4 easy   x exclude · s skip")
            )
        else:
            note.set_class(True, "-hidden")
            cue = (
                "Recall your note on this passage…"
                if self.item.quote
                else "Recall your note on this reading…"
            )
            note.update(Text(cue, style="dim italic"))
            tags.display = False
            hint.update(Text("space or Enter shows your note · s skips it · x keeps it out of review"))

    def _show_nothing_due(self) -> None:
        stats = self.stats
        text = Text()
        if self.skipped and stats is not None and stats.due_now:
            text.append(f"You skipped the {stats.due_now} note(s) still due.\n", style="bold")
            text.append("Press r to go through them again, or Escape to go back.")
        elif stats is not None and stats.next_due is not None:
            text.append("Nothing is due for review.\n", style="bold")
            text.append(f"Next review: {when(stats.next_due)}.")
        elif stats is not None and stats.excluded:
            text.append("Nothing is due for review.\n", style="bold")
            text.append(
                f"Your other notes are excluded from review ({stats.excluded}); "
                "`syllabus review include ID` brings one back."
            )
        else:
            text.append("No notes to review yet.\n", style="bold")
            text.append("Notes you write with n in the reader come back here on a spaced schedule.")
        if self.graded:
            text.append(f"\n\nReviewed {self.graded} in this session.", style="green")
        self._show_empty(text)

    def _show_empty(self, text: Text) -> None:
        self.query_one("#review-card").display = False
        empty = self.query_one("#review-empty", Static)
        empty.display = True
        empty.update(text)
        self.query_one("#review-hint", Static).update(Text("Escape goes back", style="dim"))

    # --- keys -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CARD_ACTIONS and self.item is None:
            return False
        if action == "reveal" and self.revealed:
            return False
        if action == "restart":
            return bool(self.skipped) and self.item is None
        return True

    def action_reveal(self) -> None:
        if self.item is None or self.busy:
            return
        self.revealed = True
        self._show_note()
        self.refresh_bindings()

    def action_grade(self, rating: int) -> None:
        if self.item is None or self.busy:
            return
        if not self.revealed:
            self.notify("Recall first: space shows your note, then grade it.", severity="warning")
            return
        self.busy = True
        self.save_answer(self.item.note_id, GRADES[rating])

    def action_exclude(self) -> None:
        if self.item is None or self.busy:
            return
        self.busy = True
        self.save_answer(self.item.note_id, "excluded")

    def action_skip(self) -> None:
        if self.item is None or self.busy:
            return
        self.skipped.add(self.item.note_id)
        self.busy = True
        self.load()

    def action_restart(self) -> None:
        self.skipped.clear()
        self.busy = True
        self.load()

    def action_open_note(self) -> None:
        if self.item is None:
            return
        self.dismiss(self.item.note_id)

    def action_close(self) -> None:
        self.dismiss(None)

    # --- writing ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="review")
    def save_answer(self, note_id: int, action: str) -> None:
        """Grade or exclude in this thread, then pick the next note (one worker: never out of order)."""
        # ~40 ms on first use, in this worker thread
        from index import review

        conn = connect()
        try:
            if action == "excluded":
                review.exclude(conn, note_id)
                graded = ReviewGraded(note_id, action)
            else:
                result = review.grade(conn, note_id, action)
                graded = ReviewGraded(note_id, action, result.due, result.reviewed_at)
        except Exception as exc:  # a note deleted meanwhile (NotFound), a locked database
            graded = ReviewGraded(note_id, action, error=str(exc))
        finally:
            conn.close()
        self.post_message(graded)
        try:
            loaded = load_next(frozenset(self.skipped))
        except Exception as exc:
            loaded = ReviewLoaded(error=str(exc))
        self.post_message(loaded)

    def on_review_graded(self, message: ReviewGraded) -> None:
        if message.error:
            self.notify(message.error, title="Not saved", severity="error", markup=False)
        elif message.action == "excluded":
            self.notify(
                f"Note {message.note_id} excluded from review "
                f"(`syllabus review include {message.note_id}` brings it back).",
                timeout=4,
                markup=False,
            )
        elif message.due is not None:
            self.graded += 1
            self.notify(
                f"{message.action}: next review {when(message.due, message.reviewed_at)}",
                timeout=3,
                markup=False,
            )
