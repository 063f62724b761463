"""Progress through a curriculum: statuses, per-chapter summaries, and what to read next."""

from __future__ import annotations

import heapq
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from library.catalogue import Chapter, Curriculum, Exercise, Reading
from library.curricula import Found, find
from library.db import write
from library.errors import UsageError

READING_STATUSES = ("unread", "reading", "done", "skimmed", "skipped")
EXERCISE_STATUSES = ("todo", "doing", "done")
FINISHED = frozenset({"done", "skimmed"})  # counts towards a chapter's bar
SETTLED = FINISHED | {"skipped"}  # no longer suggested by `next`

# Minutes per page of a paper read with care; the curriculum's readers study, they do not skim.
MINUTES_PER_PAGE = 6


def statuses(conn: sqlite3.Connection, curriculum: str) -> dict[str, sqlite3.Row]:
    rows = conn.execute("SELECT * FROM item_status WHERE curriculum = ?", (curriculum,))
    return {r["item_id"]: r for r in rows}


def status_of(rows: dict[str, sqlite3.Row], item_id: str, kind: str = "reading") -> str:
    row = rows.get(item_id)
    return row["status"] if row else ("unread" if kind == "reading" else "todo")


def mark(
    conn: sqlite3.Connection,
    curriculum: Curriculum,
    query: str,
    status: str,
    *,
    solution_url: str | None = None,
) -> Found:
    """Set the status of a reading or exercise. Validates everything before writing."""
    found = find(curriculum, query)
    allowed = READING_STATUSES if found.kind == "reading" else EXERCISE_STATUSES
    if status not in allowed:
        raise UsageError(
            f"unknown status {status!r} for {found.kind} {found.id}: use one of {', '.join(allowed)}"
        )
    if solution_url is not None and found.kind != "exercise":
        raise UsageError("--solution is for exercises")
    now = time.time()
    with write(conn):
        conn.execute(
            "INSERT INTO item_status (curriculum, item_id, kind, status, solution_url, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (curriculum, item_id) DO UPDATE SET"
            " status = excluded.status, kind = excluded.kind, updated_at = excluded.updated_at,"
            " solution_url = coalesce(excluded.solution_url, item_status.solution_url)",
            (curriculum.name, found.id, found.kind, status, solution_url, now),
        )
        conn.execute(
            "INSERT INTO status_history (curriculum, item_id, kind, status, at) VALUES (?, ?, ?, ?, ?)",
            (curriculum.name, found.id, found.kind, status, now),
        )
    return found


@dataclass
class Tally:
    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass
class ChapterProgress:
    number: int
    title: str
    recommended: Tally
    optional: Tally
    exercises: Tally

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Progress:
    curriculum: str
    chapters: list[ChapterProgress]
    recommended: Tally
    optional: Tally
    exercises: Tally

    def to_dict(self) -> dict:
        return asdict(self)


def summary(conn: sqlite3.Connection, curriculum: Curriculum) -> Progress:
    names = status_names(statuses(conn, curriculum.name))
    chapters = []
    totals = [Tally(), Tally(), Tally()]
    for chapter in curriculum.chapters:
        rec = tally([(r,) for r in chapter.recommended], names)
        opt = tally([(r,) for r in chapter.optional], names)
        ex = tally(exercise_groups(chapter), names)
        for total, part in zip(totals, (rec, opt, ex), strict=False):
            total.done += part.done
            total.total += part.total
        chapters.append(ChapterProgress(chapter.number, chapter.title, rec, opt, ex))
    return Progress(curriculum.name, chapters, *totals)


# --- counting: the one place that says what a chapter asks and how much of it is done -------------
#
# `progress`, `plan` and the app's curriculum tree all count through these, so they never disagree.

Item = Reading | Exercise
Unit = tuple[Item, ...]  # one piece of work: a reading, or exercises that are alternatives


def status_names(rows: Mapping[str, sqlite3.Row]) -> dict[str, str]:
    """Item id -> status, from :func:`statuses` rows (what the app keeps in memory)."""
    return {item_id: row["status"] for item_id, row in rows.items()}


def exercise_groups(chapter: Chapter) -> list[Unit]:
    """The chapter's exercises, those that are alternatives ("do this OR that") grouped as one."""
    groups: dict[str, list[Exercise]] = {}
    for exercise in chapter.exercises:
        groups.setdefault(exercise.alternative_to or exercise.id, []).append(exercise)
    return [tuple(group) for group in groups.values()]


def chapter_work(chapter: Chapter) -> list[Unit]:
    """What finishing ``chapter`` means: each recommended reading and each exercise (alternatives
    once); a chapter that asks for neither (a shelf of optional groundwork) counts its readings."""
    required: list[Unit] = [(r,) for r in chapter.recommended] + exercise_groups(chapter)
    return required or [(r,) for r in chapter.readings]


def unit_done(unit: Unit, names: Mapping[str, str]) -> bool:
    """A reading done or skimmed; an exercise group done when any of its alternatives is."""
    return any(_finished(item, names) for item in unit)


def _finished(item: Item, names: Mapping[str, str]) -> bool:
    if isinstance(item, Reading):
        return names.get(item.id, "unread") in FINISHED
    return names.get(item.id, "todo") == "done"


def tally(units: list[Unit], names: Mapping[str, str]) -> Tally:
    return Tally(sum(unit_done(u, names) for u in units), len(units))


def study_order(curriculum: Curriculum) -> list[int]:
    """Chapters in order of importance, moved so that every chapter comes after those that help it.

    A stable topological sort: among the chapters whose helpers are all placed, the most
    important goes next. The curriculum's own order (1, 6, 2, 7, ...) already respects its
    "helps" facts; an imported one may not. Linear in chapters and "helps" links (a heap of the
    ready chapters by rank), so a curriculum of 10,000 chapters is ordered in milliseconds.
    """
    ranked = curriculum.importance_order()
    rank = {n: i for i, n in enumerate(ranked)}
    helped_by: dict[int, set[int]] = {n: set() for n in ranked}  # chapter -> chapters that help it
    for chapter in curriculum.chapters:
        for helped in chapter.helps:
            if helped in helped_by and helped != chapter.number:
                helped_by[helped].add(chapter.number)
    helps: dict[int, list[int]] = {n: [] for n in ranked}
    for helped, helpers in helped_by.items():
        for helper in helpers:
            helps[helper].append(helped)
    waiting = {n: len(helpers) for n, helpers in helped_by.items()}
    ready = [(rank[n], n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    by_rank = [(rank[n], n) for n in ranked]  # already in rank order: a cycle's fallback, by importance
    next_by_rank = 0
    order: list[int] = []
    placed: set[int] = set()
    while len(order) < len(ranked):
        if ready:
            _, pick = heapq.heappop(ready)
        else:
            # A cycle of "helps" (bad data) must not hang: the most important unplaced chapter goes next.
            while by_rank[next_by_rank][1] in placed:
                next_by_rank += 1
            pick = by_rank[next_by_rank][1]
        if pick in placed:
            continue
        placed.add(pick)
        order.append(pick)
        for helped in helps[pick]:
            waiting[helped] -= 1
            if waiting[helped] == 0 and helped not in placed:
                heapq.heappush(ready, (rank[helped], helped))
    return order


@dataclass
class Suggestion:
    chapter: int
    reading: Reading
    status: str

    def to_dict(self) -> dict:
        r = self.reading
        return {
            "chapter": self.chapter,
            "id": r.id,
            "title": r.title,
            "kind": r.kind,
            "url": r.url,
            "arxiv_id": r.arxiv_id,
            "role": r.role,
            "assigned": r.pointer.label,
            "status": self.status,
        }


def next_readings(
    conn: sqlite3.Connection, curriculum: Curriculum, limit: int = 5, *, optional: bool = True
) -> list[Suggestion]:
    """What to read next: readings already started first, then unfinished recommended readings by
    study order, then optional ones by the same order."""
    rows = statuses(conn, curriculum.name)
    by_number = {c.number: c for c in curriculum.chapters}
    chapters = [by_number[n] for n in study_order(curriculum)]
    picks: list[Suggestion] = []
    roles = ("recommended", "optional") if optional else ("recommended",)
    for role in roles:
        for chapter in chapters:
            for reading in chapter.readings:
                status = status_of(rows, reading.id)
                if reading.role == role and status not in SETTLED:
                    picks.append(Suggestion(chapter.number, reading, status))
    picks.sort(key=lambda s: s.status != "reading")  # stable: in-progress first, order kept otherwise
    return picks[:limit]


def estimate_minutes(pages: int | None) -> int | None:
    """Reading time for ``pages`` pages of a paper, or None when the page count is unknown."""
    return pages * MINUTES_PER_PAGE if pages else None
