"""The solutions dialog: a chapter's exercises with the user's own solution links, and its public
solutions once an exercise is done (the rule and the data: :mod:`library.solutions`, shared with
``syllabus solutions``). Enter opens a link in the system browser from a thread worker: starting
a browser can take a second and must not freeze the screen.
"""

from __future__ import annotations

import sqlite3
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from library import curricula
from library.catalogue import Curriculum
from library.errors import SyllabusError
from library.solutions import chapter_solutions, save_solution_link
from reader.messages import LinkOpened
from reader.screens.dialogs import PromptScreen
from reader.widgets.curriculum_tree import EXERCISE_ICON, STATUS_STYLE


def ask_solution_link(
    app, conn: sqlite3.Connection, curriculum: Curriculum, exercise_id: str, saved=None
) -> None:
    """Ask for the user's own solution link of an exercise and save it; ``saved(url)`` after."""
    found = curricula.find(curriculum, exercise_id)
    exercise = found.exercise
    if exercise is None:
        app.notify("Solution links are for exercises.", severity="warning")
        return
    current = chapter_solutions(conn, curriculum, found.chapter.number)
    state = next(e for e in current.exercises if e.exercise.id == exercise.id)

    def answer(value: str | None) -> None:
        if value is None:
            return
        try:
            save_solution_link(conn, curriculum, exercise.id, value)
        except SyllabusError as exc:
            app.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        app.notify(
            f"Solution link saved for {exercise.id}."
            if value.strip()
            else f"Solution link of {exercise.id} cleared.",
            timeout=3,
            markup=False,
        )
        if saved is not None:
            saved(value.strip())

    app.push_screen(
        PromptScreen(
            f"Link to your solution of {exercise.title} (blank clears it)",
            state.solution_url or "",
            placeholder="https://github.com/you/solution",
        ),
        answer,
    )


class SolutionsScreen(ModalScreen[None]):
    """A chapter's exercises with the user's links, and its public solutions once one is done."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open link", show=True),
        Binding("e", "edit_link", "Set your solution link", show=True),
        Binding("escape,q,S", "close", "Close", show=True),
    ]

    def __init__(
        self, conn: sqlite3.Connection, curriculum: Curriculum, chapter: int, *, just_done: str | None = None
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.conn = conn
        self.curriculum = curriculum
        self.number = chapter
        self.just_done = just_done
        self.data = chapter_solutions(conn, curriculum, chapter)

    def compose(self) -> ComposeResult:
        chapter = self.data.chapter
        with Vertical(classes="dialog solutions-dialog"):
            yield Label(
                Text(f"Chapter {chapter.number}: {chapter.title} · solutions"),
                classes="dialog-title",
                markup=False,
            )
            if self.just_done:
                title = next(
                    (e.exercise.title for e in self.data.exercises if e.exercise.id == self.just_done),
                    self.just_done,
                )
                yield Static(
                    Text(
                        f"Well done: {title} is marked done. Compare notes with these solutions.",
                        style="green",
                    ),
                    id="solutions-done",
                    markup=False,
                )
            yield OptionList(id="solutions-list")
            yield Static(
                Text("Enter opens a link in your browser · e sets your own solution link", style="dim"),
                id="solutions-note",
                markup=False,
            )

    def on_mount(self) -> None:
        self.fill()
        self.query_one(OptionList).focus()

    def fill(self) -> None:
        data = self.data
        options: list[Option | None] = []
        for state in data.exercises:
            line = Text(EXERCISE_ICON[state.status] + " ", style=STATUS_STYLE[state.status])
            line.append(state.exercise.title)
            line.append(f"  {state.status}", style="dim")
            if state.solution_url:
                line.append("\n  yours: ", style="dim")
                line.append(state.solution_url, style="cyan")
            else:
                line.append("\n  no link to your solution yet (e sets one)", style="dim")
            options.append(Option(line, id=f"ex:{state.exercise.id}"))
        options.append(None)  # a separator line
        available = len(data.chapter.solutions)
        if not available:
            options.append(
                Option(Text("No public solutions are listed for this chapter.", style="dim"), disabled=True)
            )
        elif not data.unlocked:
            first = data.exercises[0].exercise.id if data.exercises else "the exercise"
            options.append(
                Option(
                    Text(
                        f"{available} public solution(s), shown once an exercise of this chapter is done "
                        f"(press d on it in the curriculum, or `syllabus mark {first} done`).",
                        style="yellow",
                    ),
                    disabled=True,
                )
            )
        for index, link in enumerate(data.shown()):
            line = Text(link.title, style="bold")
            line.append("\n  " + link.url, style="cyan")
            if link.summary:
                line.append("\n  " + link.summary, style="dim")
            options.append(Option(line, id=f"url:{index}"))
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options(options)
        if highlighted is not None and highlighted < listing.option_count:
            listing.highlighted = highlighted
        elif data.shown() and self.just_done:
            listing.highlighted = listing.get_option_index("url:0")
        else:
            listing.highlighted = 0

    # --- actions ----------------------------------------------------------------------------------

    def _highlighted_id(self) -> str | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None:
            return None
        return listing.get_option_at_index(listing.highlighted).id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        option_id = self._highlighted_id()
        if option_id is None:
            return
        kind, _, value = option_id.partition(":")
        if kind == "url":
            self.open_link(self.data.shown()[int(value)].url)
            return
        state = next(e for e in self.data.exercises if e.exercise.id == value)
        if state.solution_url:
            self.open_link(state.solution_url)
        else:
            self.action_edit_link()

    def action_edit_link(self) -> None:
        option_id = self._highlighted_id() or ""
        exercise_id = option_id[3:] if option_id.startswith("ex:") else None
        if exercise_id is None and len(self.data.exercises) == 1:
            exercise_id = self.data.exercises[0].exercise.id
        if exercise_id is None:
            self.notify("Move to an exercise to set the link to your solution.", severity="warning")
            return

        def saved(url: str) -> None:
            self.data = chapter_solutions(self.conn, self.curriculum, self.number)
            self.fill()

        ask_solution_link(self.app, self.conn, self.curriculum, exercise_id, saved)

    @work(thread=True, group="browser")
    def open_link(self, url: str) -> None:
        import webbrowser  # finds and starts a browser: tens of milliseconds to a second

        try:
            ok = webbrowser.open(url)
            detail = "" if ok else "no browser is available here"
        except Exception as exc:  # webbrowser.Error, a browser that failed to start
            ok, detail = False, str(exc)
        self.post_message(LinkOpened(url, ok, detail))

    def on_link_opened(self, message: LinkOpened) -> None:
        if message.ok:
            self.notify(f"Opened {message.url}", timeout=3, markup=False)
        else:
            self.notify(
                f"Could not open a browser ({message.detail}). The link: {message.url}",
                severity="warning",
                timeout=10,
                markup=False,
            )

    def action_close(self) -> None:
        self.dismiss(None)
