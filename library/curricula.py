"""Installed curricula: which exist, which is active, installing and re-importing them.

The bundled curriculum is read from the package; imported ones are stored in the
``curricula`` table as validated JSON. Progress rows are keyed by (curriculum, item id) and
are never deleted by a re-import: readings that went away are reported, and their rows
stay so nothing the user recorded is lost (their notes, later, too).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field

from library import catalogue
from library.catalogue import Chapter, Curriculum, Exercise, Reading
from library.db import write
from library.errors import NotFound

ACTIVE_KEY = "active_curriculum"


def get_setting(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else default


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    with write(conn):
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def installed_names(conn: sqlite3.Connection) -> list[str]:
    stored = [r["name"] for r in conn.execute("SELECT name FROM curricula ORDER BY name")]
    return sorted(set(catalogue.bundled_names()) | set(stored))


def load(conn: sqlite3.Connection, name: str, *, with_additions: bool = True) -> Curriculum:
    """The curriculum ``name``; ``with_additions`` merges in the readings the user added with ``syllabus add``."""
    row = conn.execute("SELECT data FROM curricula WHERE name = ?", (name,)).fetchone()
    if row is not None:
        curriculum = catalogue.decode_json(row["data"], f"curriculum {name!r}")
    elif name in catalogue.bundled_names():
        curriculum = catalogue.load_bundled(name)
    else:
        raise NotFound(f"no curriculum named {name!r} (installed: {', '.join(installed_names(conn))})")
    # Readings the user added with `syllabus add` live in their own table (a re-import never drops
    # them); each is appended to its chapter, or to a "Your additions" chapter (number 100).
    if not with_additions:
        return curriculum
    # with the store it imports, ~8 ms that `import reader.cli` skips
    from library.additions import merge_into

    return merge_into(conn, curriculum)


def active_name(conn: sqlite3.Connection) -> str:
    return get_setting(conn, ACTIVE_KEY) or catalogue.BUNDLED_NAME


def active(conn: sqlite3.Connection) -> Curriculum:
    return load(conn, active_name(conn))


def use(conn: sqlite3.Connection, name: str) -> Curriculum:
    curriculum = load(conn, name)  # raises NotFound before anything is written
    set_setting(conn, ACTIVE_KEY, name)
    return curriculum


@dataclass
class ImportReport:
    name: str
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    # old id -> new id, for readings whose id changed but whose work (arXiv id or URL) did not.
    renamed: dict[str, str] = field(default_factory=dict)
    # Items with recorded progress that the new version no longer lists (their rows are kept).
    gone: list[str] = field(default_factory=list)
    replaced: bool = False

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "added": self.added,
            "kept": self.kept,
            "renamed": self.renamed,
            "gone": self.gone,
            "replaced": self.replaced,
        }


def install(conn: sqlite3.Connection, curriculum: Curriculum, *, source: str | None = None) -> ImportReport:
    """Store ``curriculum`` (new, or replacing an earlier import of the same name) in one transaction."""
    report = ImportReport(curriculum.name)
    try:
        # Without the user's additions: they live in their own table and survive any re-import.
        previous = load(conn, curriculum.name, with_additions=False)
    except NotFound:
        previous = None
    # with the store it imports, ~8 ms that `import reader.cli` skips
    from library.additions import merge_into
    from library.store import key_of  # ~7 ms (hashlib, json, URL parsing) that `import reader.cli` skips

    listed_ids = {r.id for _, r in curriculum.all_readings()} | {e.id for _, e in curriculum.all_exercises()}
    # Ids still present afterwards: the new version's, plus the user's own additions.
    merged = merge_into(conn, curriculum)
    new_ids = {r.id for _, r in merged.all_readings()} | {e.id for _, e in merged.all_exercises()}
    new_by_work = {key_of(r): r.id for _, r in curriculum.all_readings()}
    now = time.time()
    with write(conn):
        if previous is not None:
            report.replaced = True
            old_by_id = {r.id: r for _, r in previous.all_readings()}
            for (item_id,) in conn.execute(
                "SELECT item_id FROM item_status WHERE curriculum = ?", (curriculum.name,)
            ).fetchall():
                if item_id in new_ids:
                    continue
                old = old_by_id.get(item_id)
                target = new_by_work.get(key_of(old)) if old else None
                taken = (
                    target
                    and conn.execute(
                        "SELECT 1 FROM item_status WHERE curriculum = ? AND item_id = ?",
                        (curriculum.name, target),
                    ).fetchone()
                )
                if target and not taken:
                    conn.execute(
                        "UPDATE item_status SET item_id = ? WHERE curriculum = ? AND item_id = ?",
                        (target, curriculum.name, item_id),
                    )
                    report.renamed[item_id] = target
                else:
                    report.gone.append(item_id)
            old_ids = set(old_by_id) | {e.id for _, e in previous.all_exercises()}
            report.kept = sorted(listed_ids & old_ids)
            report.added = sorted(listed_ids - old_ids - set(report.renamed.values()))
        else:
            report.added = sorted(listed_ids)
        conn.execute(
            "INSERT INTO curricula (name, title, source, data, installed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET title = excluded.title, source = excluded.source,"
            " data = excluded.data, updated_at = excluded.updated_at",
            (curriculum.name, curriculum.title, source, catalogue.encode_json(curriculum).decode(), now, now),
        )
    return report


def remove(conn: sqlite3.Connection, name: str) -> None:
    if (
        name in catalogue.bundled_names()
        and not conn.execute("SELECT 1 FROM curricula WHERE name = ?", (name,)).fetchone()
    ):
        raise NotFound(f"{name!r} is bundled with Syllabus and cannot be removed")
    with write(conn):
        if conn.execute("DELETE FROM curricula WHERE name = ?", (name,)).rowcount == 0:
            raise NotFound(f"no imported curriculum named {name!r}")
        if active_name(conn) == name:
            conn.execute("DELETE FROM settings WHERE key = ?", (ACTIVE_KEY,))


# --- finding items ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A reading or an exercise, with the chapter it is in."""

    chapter: Chapter
    item: Reading | Exercise

    @property
    def reading(self) -> Reading | None:
        return self.item if isinstance(self.item, Reading) else None

    @property
    def exercise(self) -> Exercise | None:
        return self.item if isinstance(self.item, Exercise) else None

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def kind(self) -> str:
        return "reading" if isinstance(self.item, Reading) else "exercise"


def find(curriculum: Curriculum, query: str) -> Found:
    """Find a reading or exercise by id, arXiv id (with or without version) or URL.

    An unknown query raises :class:`NotFound` naming the closest ids.
    """
    from library.store import normalize_url, split_arxiv  # ~7 ms that `import reader.cli` skips

    q = query.strip()
    arxiv = split_arxiv(q)
    bare = arxiv[0] if arxiv else None
    url = normalize_url(q) if "://" in q else None
    for chapter, reading in curriculum.all_readings():
        if q == reading.id:
            return Found(chapter, reading)
    for chapter, exercise in curriculum.all_exercises():
        if q == exercise.id:
            return Found(chapter, exercise)
    for chapter, reading in curriculum.all_readings():
        if (bare and bare == reading.arxiv_id) or (url and url == normalize_url(reading.url)):
            # The same work may be a chapter reading and an exercise resource: prefer the reading.
            return _prefer_reading(curriculum, reading, chapter)
    raise NotFound(f"no reading or exercise {query!r} in {curriculum.name}{_suggest(curriculum, q)}")


def _prefer_reading(curriculum: Curriculum, reading: Reading, chapter: Chapter) -> Found:
    if reading.role != "resource":
        return Found(chapter, reading)
    for other_chapter, other in curriculum.all_readings(with_resources=False):
        if other.arxiv_id and other.arxiv_id == reading.arxiv_id and other.id != reading.id:
            return Found(other_chapter, other)
    return Found(chapter, reading)


def _suggest(curriculum: Curriculum, query: str) -> str:
    from rapidfuzz import fuzz, process, utils

    choices: dict[str, str] = {}
    for _, r in curriculum.all_readings():
        choices[r.id] = r.id
        choices[r.title] = r.id
        if r.arxiv_id:
            choices[r.arxiv_id] = r.id
    for _, e in curriculum.all_exercises():
        choices[e.id] = e.id
    matches = process.extract(
        query, list(choices), scorer=fuzz.WRatio, processor=utils.default_process, limit=8
    )
    ids: list[str] = []
    for text, score, _ in matches:
        if score >= 50 and choices[text] not in ids:
            ids.append(choices[text])
    return f"; closest: {', '.join(ids[:3])}" if ids else ""
