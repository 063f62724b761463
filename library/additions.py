"""Readings the user adds to a curriculum (``syllabus add``), kept in ``user_readings``.

They live apart from the curriculum so a re-import never loses them, and are merged in by
:func:`merge_into` whenever the curriculum is loaded: each goes to the end of its chapter, or
to a chapter "Your additions" (number 100) when it has none or its chapter is gone.
"""

from __future__ import annotations

import re
import sqlite3
import time

import msgspec

from library.catalogue import Chapter, Curriculum, Reading
from library.db import write
from library.errors import UsageError
from library.store import key_of

ADDITIONS_CHAPTER = 100
ADDITIONS_TITLE = "Your additions"


def merge_into(conn: sqlite3.Connection, curriculum: Curriculum) -> Curriculum:
    """``curriculum`` with the user's readings appended; the same object when there are none."""
    rows = conn.execute(
        "SELECT chapter, reading_json FROM user_readings WHERE curriculum = ? ORDER BY id", (curriculum.name,)
    ).fetchall()
    if not rows:
        return curriculum
    taken = {r.id for _, r in curriculum.all_readings()} | {e.id for _, e in curriculum.all_exercises()}

    works = {key_of(r) for _, r in curriculum.all_readings(with_resources=False)}
    extra: dict[int, list[Reading]] = {}
    numbers = {c.number for c in curriculum.chapters}
    for row in rows:
        reading = msgspec.json.decode(row["reading_json"], type=Reading)
        work = key_of(reading)
        if reading.id in taken or work in works:
            continue  # the curriculum itself now lists it (a re-import added it): keep theirs
        taken.add(reading.id)
        works.add(work)
        chapter = row["chapter"] if row["chapter"] in numbers else ADDITIONS_CHAPTER
        extra.setdefault(chapter, []).append(reading)
    if not extra:
        return curriculum
    chapters = [
        msgspec.structs.replace(c, readings=[*c.readings, *extra.get(c.number, [])])
        for c in curriculum.chapters
    ]
    if ADDITIONS_CHAPTER in extra and ADDITIONS_CHAPTER not in numbers:
        chapters.append(
            Chapter(number=ADDITIONS_CHAPTER, title=ADDITIONS_TITLE, readings=extra[ADDITIONS_CHAPTER])
        )
    return msgspec.structs.replace(curriculum, chapters=chapters)


def slug(text: str, limit: int = 40) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "-", text.lower()).strip("-")
    return words[:limit].rstrip("-") or "reading"


def free_id(curriculum: Curriculum, wanted: str) -> str:
    taken = {r.id for _, r in curriculum.all_readings()} | {e.id for _, e in curriculum.all_exercises()}
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def add(conn: sqlite3.Connection, curriculum: Curriculum, reading: Reading, chapter: int | None) -> None:
    """Store ``reading`` for ``curriculum`` (already merged with earlier additions)."""
    if chapter is not None:
        curriculum.chapter(chapter)  # raises UsageError naming the chapters that exist
    for _, existing in curriculum.all_readings():
        same_work = key_of(existing) == key_of(reading)
        if same_work:
            raise UsageError(f"already in {curriculum.name} as {existing.id!r}: {existing.title}")
    with write(conn):
        conn.execute(
            "INSERT INTO user_readings (curriculum, chapter, reading_json, added_at) VALUES (?, ?, ?, ?)",
            (curriculum.name, chapter, msgspec.json.encode(reading).decode(), time.time()),
        )


def _row_of(conn: sqlite3.Connection, curriculum: str, reading_id: str) -> tuple[int, Reading]:
    """The user_readings row holding reading ``reading_id``; a curriculum reading is refused."""
    for row in conn.execute(
        "SELECT id, reading_json FROM user_readings WHERE curriculum = ? ORDER BY id", (curriculum,)
    ):
        reading = msgspec.json.decode(row["reading_json"], type=Reading)
        if reading.id == reading_id:
            return row["id"], reading
    raise UsageError(
        f"{reading_id} is part of the curriculum {curriculum}, not one of your additions: "
        "only readings added with `syllabus add` can be removed or renamed"
    )


def remove(conn: sqlite3.Connection, curriculum: str, reading_id: str) -> Reading:
    """Delete an added reading from ``curriculum``; returns it. Its statuses stay (harmless)."""
    row_id, reading = _row_of(conn, curriculum, reading_id)
    with write(conn):
        conn.execute("DELETE FROM user_readings WHERE id = ?", (row_id,))
    return reading


def rename(conn: sqlite3.Connection, curriculum: str, reading_id: str, title: str) -> Reading:
    """Give an added reading a new title (its id, and so its notes and statuses, stay)."""
    title = " ".join(title.split())
    if not title:
        raise UsageError("a title cannot be empty")
    row_id, reading = _row_of(conn, curriculum, reading_id)
    renamed = msgspec.structs.replace(reading, title=title)
    with write(conn):
        conn.execute(
            "UPDATE user_readings SET reading_json = ? WHERE id = ?",
            (msgspec.json.encode(renamed).decode(), row_id),
        )
    return renamed
