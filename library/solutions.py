"""A chapter's public solutions, and the user's own solution links.

The rule, in one place: the public solutions a curriculum lists for a chapter (``Chapter.solutions``)
are offered once an exercise of that chapter is marked done, so they never spoil the work
(``syllabus solutions --all`` shows them anyway). Each exercise can keep a link to the user's own
solution (``item_status.solution_url``). ``syllabus solutions`` and the app's solutions dialog
both read :func:`chapter_solutions`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from library import progress
from library.catalogue import Chapter, Curriculum, Exercise, Link


@dataclass
class ExerciseState:
    exercise: Exercise
    status: str
    solution_url: str | None  # None when the user has given none (or cleared it)

    def to_dict(self) -> dict:
        return {
            "id": self.exercise.id,
            "title": self.exercise.title,
            "status": self.status,
            "solution_url": self.solution_url,
        }


@dataclass
class ChapterSolutions:
    """A chapter's exercises with their status and the user's links, and its public solutions."""

    chapter: Chapter
    exercises: list[ExerciseState] = field(default_factory=list)

    @property
    def unlocked(self) -> bool:
        """Whether the public solutions may be shown: an exercise of the chapter is done."""
        return any(e.status == "done" for e in self.exercises)

    def shown(self, *, show_all: bool = False) -> list[Link]:
        """The public solutions to show: all of them once unlocked (or asked for), else none."""
        return list(self.chapter.solutions) if show_all or self.unlocked else []

    def to_dict(self, *, show_all: bool = False) -> dict:
        return {
            "chapter": self.chapter.number,
            "title": self.chapter.title,
            "unlocked": show_all or self.unlocked,
            "exercises": [e.to_dict() for e in self.exercises],
            "solutions": [
                {"title": s.title, "url": s.url, **({"summary": s.summary} if s.summary else {})}
                for s in self.shown(show_all=show_all)
            ],
            "available": len(self.chapter.solutions),
        }


def chapter_solutions(conn: sqlite3.Connection, curriculum: Curriculum, number: int) -> ChapterSolutions:
    """The solutions state of chapter ``number`` (a :class:`UsageError` names the chapters if none)."""
    return solutions_of(conn, curriculum, [curriculum.chapter(number)])[0]


def solutions_of(
    conn: sqlite3.Connection, curriculum: Curriculum, chapters: list[Chapter]
) -> list[ChapterSolutions]:
    """The solutions state of each chapter, from one read of the progress table."""
    rows = progress.statuses(conn, curriculum.name)
    return [
        ChapterSolutions(
            chapter,
            [
                ExerciseState(
                    e,
                    progress.status_of(rows, e.id, "exercise"),
                    (rows[e.id]["solution_url"] or None) if e.id in rows else None,
                )
                for e in chapter.exercises
            ],
        )
        for chapter in chapters
    ]


def save_solution_link(conn: sqlite3.Connection, curriculum: Curriculum, exercise_id: str, url: str) -> str:
    """Keep ``url`` as the user's own solution to an exercise (blank clears it); its status is
    kept as it is. Returns the exercise's status."""
    status = progress.status_of(progress.statuses(conn, curriculum.name), exercise_id, "exercise")
    progress.mark(conn, curriculum, exercise_id, status, solution_url=url.strip())
    return status
