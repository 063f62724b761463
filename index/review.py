"""Spaced review of notes: notes and annotations (not whole papers) come back on an FSRS schedule.

The scheduling itself is the ``fsrs`` package's (py-fsrs, the reference implementation of the
Free Spaced Repetition Scheduler): this module only stores each note's card, picks the due
ones, and records grades. A note enters review when it is created (no row yet = new, due
now); deleted notes and notes the user excluded never come up.

Grades are again / hard / good / easy (or 1-4, as in Anki). Every grade is written with the
card as it was, in one transaction, so a grade is never half-applied and persists across
processes.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from index.notes import Note, get_note
from library import curricula
from library.db import write
from library.errors import NotFound, UsageError

RATINGS = {"again": 1, "hard": 2, "good": 3, "easy": 4}
RATING_NAMES = {v: k for k, v in RATINGS.items()}
STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


def parse_rating(value: object) -> int:
    """1-4 from "again"/"hard"/"good"/"easy" (any case, or a unique prefix), "1"-"4", 1-4 or
    an ``fsrs.Rating``. Anything else is a :class:`UsageError` naming the choices."""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int):
        if value in RATING_NAMES:
            return int(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit() and int(text) in RATING_NAMES:
            return int(text)
        if text in RATINGS:
            return RATINGS[text]
        matches = [name for name in RATINGS if text and name.startswith(text)]
        if len(matches) == 1:
            return RATINGS[matches[0]]
    raise UsageError(f"unknown grade {value!r}: use again, hard, good or easy (or 1-4)")


def _scheduler():
    # fsrs is small and pure Python (torch only for its optional optimizer, never imported here).
    from fsrs import Scheduler

    return Scheduler()


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass
class ReviewItem:
    """A note due for review, with what the reviewer needs to see."""

    note_id: int
    body: str
    quote: str | None  # the anchored passage, if the note has one
    reading_id: str | None
    reading_title: str | None
    chapter: int | None
    curriculum: str | None
    tags: list[str]
    due: float
    state: str  # new | learning | review | relearning
    reps: int

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


@dataclass
class GradeResult:
    note_id: int
    rating: int
    rating_name: str
    reviewed_at: float
    due: float
    state: str

    @property
    def interval_seconds(self) -> float:
        return self.due - self.reviewed_at

    def to_dict(self) -> dict:
        return {
            "note_id": self.note_id,
            "rating": self.rating,
            "rating_name": self.rating_name,
            "reviewed_at": self.reviewed_at,
            "due": self.due,
            "state": self.state,
            "interval_seconds": self.interval_seconds,
        }


class _Titles:
    """Reading titles by (curriculum, reading id), loading each curriculum once."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.cache: dict[str, dict[str, str]] = {}

    def __call__(self, curriculum: str | None, reading_id: str | None) -> str | None:
        if not curriculum or not reading_id:
            return None
        if curriculum not in self.cache:
            try:
                cur = curricula.load(self.conn, curriculum)
                self.cache[curriculum] = {r.id: r.title for _, r in cur.all_readings()}
            except NotFound:
                self.cache[curriculum] = {}
        return self.cache[curriculum].get(reading_id)


def _item(note: Note, row: sqlite3.Row | None, titles: _Titles) -> ReviewItem:
    state = "new"
    if row is not None and row["card_json"]:
        from fsrs import Card

        state = STATE_NAMES.get(int(Card.from_json(row["card_json"]).state), "learning")
    return ReviewItem(
        note_id=note.id,
        body=note.body,
        quote=note.anchor.exact if note.anchor else None,
        reading_id=note.reading_id,
        reading_title=titles(note.curriculum, note.reading_id),
        chapter=note.chapter,
        curriculum=note.curriculum,
        tags=list(note.tags),
        due=row["due"] if row is not None else note.created_at,
        state=state,
        reps=row["reps"] if row is not None else 0,
    )


def due(
    conn: sqlite3.Connection,
    now: float | None = None,
    *,
    limit: int | None = None,
    curriculum: str | None = None,
) -> list[ReviewItem]:
    """Notes due at ``now``: reviewed ones whose due time has come (most overdue first), then new
    notes (oldest first). Deleted and excluded notes are left out."""
    now = time.time() if now is None else now
    sql = (
        "SELECT n.id, c.due AS card_due FROM notes n LEFT JOIN review_cards c ON c.note_id = n.id"
        " WHERE n.deleted_at IS NULL AND coalesce(c.excluded, 0) = 0 AND coalesce(c.due, n.created_at) <= ?"
    )
    args: list = [now]
    if curriculum is not None:
        sql += " AND n.curriculum = ?"
        args.append(curriculum)
    sql += " ORDER BY c.due IS NULL, coalesce(c.due, n.created_at), n.id"
    if limit is not None:
        if limit < 1:
            raise UsageError("--limit must be at least 1")
        sql += " LIMIT ?"
        args.append(limit)
    ids = [r["id"] for r in conn.execute(sql, args)]
    return [review_item(conn, note_id, _titles=_Titles(conn)) for note_id in ids]


def review_item(conn: sqlite3.Connection, note_id: int, *, _titles: _Titles | None = None) -> ReviewItem:
    """One note as the review screen shows it (due or not)."""
    note = get_note(conn, note_id)
    row = conn.execute("SELECT * FROM review_cards WHERE note_id = ?", (note_id,)).fetchone()
    return _item(note, row, _titles or _Titles(conn))


def grade(conn: sqlite3.Connection, note_id: int, rating: object, *, now: float | None = None) -> GradeResult:
    """Record how well the user recalled note ``note_id`` and schedule its next review.

    Validates everything (the grade, the note, that it is not excluded) before writing; the
    card update and the log row land in one transaction."""
    from fsrs import Card, Rating

    value = parse_rating(rating)
    note = get_note(conn, note_id)  # NotFound for unknown or deleted notes
    now = time.time() if now is None else now
    with write(conn):
        row = conn.execute("SELECT * FROM review_cards WHERE note_id = ?", (note.id,)).fetchone()
        if row is not None and row["excluded"]:
            raise UsageError(
                f"note {note.id} is excluded from review; `syllabus review include {note.id}` first"
            )
        before = row["card_json"] if row is not None and row["card_json"] else None
        card = Card.from_json(before) if before else Card(card_id=note.id, due=_utc(note.created_at))
        card, _log = _scheduler().review_card(card, Rating(value), review_datetime=_utc(now))
        after = card.to_json()
        due_at = card.due.timestamp()
        reps = (row["reps"] if row is not None else 0) + 1
        conn.execute(
            "INSERT INTO review_cards (note_id, card_json, due, excluded, reps, updated_at) VALUES (?, ?, ?, 0, ?, ?)"
            " ON CONFLICT (note_id) DO UPDATE SET card_json = excluded.card_json, due = excluded.due,"
            " reps = excluded.reps, updated_at = excluded.updated_at",
            (note.id, after, due_at, reps, now),
        )
        conn.execute(
            "INSERT INTO review_log (note_id, rating, reviewed_at, card_before, card_after, due_after)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (note.id, value, now, before, after, due_at),
        )
    return GradeResult(
        note.id, value, RATING_NAMES[value], now, due_at, STATE_NAMES.get(int(card.state), "learning")
    )


def _set_excluded(conn: sqlite3.Connection, note_id: int, excluded: bool) -> None:
    note = get_note(conn, note_id)
    now = time.time()
    with write(conn):
        conn.execute(
            "INSERT INTO review_cards (note_id, card_json, due, excluded, reps, updated_at)"
            " VALUES (?, NULL, ?, ?, 0, ?)"
            " ON CONFLICT (note_id) DO UPDATE SET excluded = excluded.excluded, updated_at = excluded.updated_at",
            (note.id, note.created_at, int(excluded), now),
        )


def exclude(conn: sqlite3.Connection, note_id: int) -> None:
    """Keep note ``note_id`` out of review (its schedule is kept for if it comes back)."""
    _set_excluded(conn, note_id, True)


def include(conn: sqlite3.Connection, note_id: int) -> None:
    """Bring an excluded note back into review, where its schedule left off."""
    _set_excluded(conn, note_id, False)


def is_excluded(conn: sqlite3.Connection, note_id: int) -> bool:
    row = conn.execute("SELECT excluded FROM review_cards WHERE note_id = ?", (note_id,)).fetchone()
    return bool(row and row["excluded"])


def history(conn: sqlite3.Connection, note_id: int) -> list[dict]:
    """Every grade given to a note, oldest first."""
    return [
        {
            "rating": r["rating"],
            "rating_name": RATING_NAMES[r["rating"]],
            "reviewed_at": r["reviewed_at"],
            "due_after": r["due_after"],
        }
        for r in conn.execute("SELECT * FROM review_log WHERE note_id = ? ORDER BY id", (note_id,))
    ]


@dataclass
class ReviewStats:
    due_now: int
    new: int
    excluded: int
    reviewed_today: int
    next_due: float | None

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def stats(conn: sqlite3.Connection, now: float | None = None) -> ReviewStats:
    """Counts for a status line: due now, never reviewed, excluded, graded today, next due time."""
    now = time.time() if now is None else now
    live = "FROM notes n LEFT JOIN review_cards c ON c.note_id = n.id WHERE n.deleted_at IS NULL"
    due_now = conn.execute(
        f"SELECT count(*) {live} AND coalesce(c.excluded, 0) = 0 AND coalesce(c.due, n.created_at) <= ?",
        (now,),
    ).fetchone()[0]
    new = conn.execute(
        f"SELECT count(*) {live} AND (c.note_id IS NULL OR c.card_json IS NULL) AND coalesce(c.excluded, 0) = 0"
    ).fetchone()[0]
    excluded = conn.execute(f"SELECT count(*) {live} AND c.excluded = 1").fetchone()[0]
    midnight = datetime.combine(datetime.fromtimestamp(now).date(), datetime.min.time()).timestamp()
    today = conn.execute("SELECT count(*) FROM review_log WHERE reviewed_at >= ?", (midnight,)).fetchone()[0]
    nxt = conn.execute(
        f"SELECT min(coalesce(c.due, n.created_at)) {live} AND coalesce(c.excluded, 0) = 0"
        " AND coalesce(c.due, n.created_at) > ?",
        (now,),
    ).fetchone()[0]
    return ReviewStats(due_now, new, excluded, today, nxt)
