"""Statuses set on the main screen (the status keys on the tree or on the open reading), and the
solutions of an exercise's chapter that a newly done exercise offers.

A status is written by ``progress.mark`` (the rule ``syllabus mark`` follows) in the app's writes
worker (:mod:`reader.controllers.writes`); the tree shows it once it has landed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from library import progress
from reader.screens.solutions import SolutionsScreen, ask_solution_link

if TYPE_CHECKING:
    from library.catalogue import Chapter
    from library.curricula import Found
    from reader.screens.main import MainScreen


class Statuses:
    """Status writes and solution dialogs for one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def set(self, item_id: str, status: str) -> None:
        """Write a status the user set; once written, the tree shows it and a newly done exercise
        offers its chapter's solutions."""
        screen = self.screen
        curriculum = screen.curriculum

        def written(found: Found) -> None:
            before = screen.curriculum_tree.status(found.id, found.kind)
            screen.status_changed(found.id, status)
            screen.notify(f"{found.id}: {status}", timeout=2, markup=False)
            if found.kind == "exercise" and status == "done" and before != "done":
                self.exercise_done(found.id, found.chapter)

        def refused(exc: Exception) -> None:
            screen.notify(str(exc), severity="error", markup=False)

        screen.writes.submit(
            f"marking {item_id} {status}",
            lambda conn: progress.mark(conn, curriculum, item_id, status),
            written,
            refused,
        )

    # --- exercises and their solutions ---------------------------------------------------------------

    def chapter_in_view(self) -> int | None:
        """The chapter of the item under the tree's cursor, else of the open reading."""
        item = self.screen.curriculum_tree.current_item
        if item is not None:
            return item.chapter
        chapter = self.screen.chapter
        return chapter.number if chapter is not None else None

    def show_solutions(self, number: int, *, just_done: str | None = None) -> None:
        screen = self.screen
        screen.app.push_screen(SolutionsScreen(screen.conn, screen.curriculum, number, just_done=just_done))

    def exercise_done(self, exercise_id: str, chapter: Chapter) -> None:
        """An exercise was just marked done here: offer the chapter's public solutions."""
        if chapter.solutions:
            self.show_solutions(chapter.number, just_done=exercise_id)
        else:
            self.screen.notify(
                f"{exercise_id} done. L keeps a link to your solution.", timeout=4, markup=False
            )

    def ask_link(self) -> None:
        """``L``: the link to the user's own solution of the exercise in view."""
        screen = self.screen
        exercise_id = screen.curriculum_tree.exercise_in_view()
        if exercise_id is None:
            screen.notify(
                "Move to an exercise in the curriculum to set the link to your solution.", severity="warning"
            )
            return
        ask_solution_link(screen.app, screen.conn, screen.curriculum, exercise_id)
