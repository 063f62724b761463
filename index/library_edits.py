"""Undoing what `add` and `attach` did: remove an added reading, rename it, detach a document.

The catalogue and store changes are the library layer's (``library.additions``,
``library.store.forget``); this module adds what the index keeps about a document: its passages
and their vectors go (so search stops finding text that is no longer in the library; the FAISS
cache notices and rebuilds from SQLite), and notes stay. A note whose work has no document left,
or whose reading is removed, becomes an orphan: kept with its quote and page, listed by
``syllabus note orphans``, never deleted. When another document of the work remains, notes are
re-anchored to it instead.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from index import notes, passages
from library import additions, curricula, store
from library.catalogue import Curriculum, Reading
from library.errors import UsageError


@dataclass
class EditReport:
    reading: Reading
    detached: list[store.Document] = field(default_factory=list)
    passages_removed: int = 0
    orphaned: list[int] = field(default_factory=list)  # note ids
    remaining: store.Document | None = None  # the document the reading now opens, if any

    def to_dict(self) -> dict:
        return {
            "reading": self.reading.id,
            "title": self.reading.title,
            "detached": [d.to_dict() for d in self.detached],
            "passages_removed": self.passages_removed,
            "orphaned_notes": self.orphaned,
            "remaining": self.remaining.to_dict() if self.remaining else None,
        }


def _reading(curriculum: Curriculum, query: str) -> Reading:
    found = curricula.find(curriculum, query)
    if found.reading is None:
        raise UsageError(f"{found.id} is an exercise: only readings have documents")
    return found.reading


def _current(conn: sqlite3.Connection, reading: Reading) -> store.Document | None:
    return store.document_for_reading(
        conn, reading.id, arxiv_id=reading.arxiv_id, url=reading.url, version=reading.arxiv_version
    )


def _forget(conn: sqlite3.Connection, doc: store.Document, report: EditReport) -> None:
    report.passages_removed += passages.remove_document(conn, doc.id)
    report.detached.append(store.forget(conn, doc.id))


def _settle_notes(conn: sqlite3.Connection, reading: Reading, report: EditReport) -> None:
    key = store.key_of(reading)
    report.remaining = _current(conn, reading)
    if report.remaining is not None and report.remaining.status == "ok":
        notes.reanchor_readings(conn, [reading])
        report.orphaned = [n.id for n in notes.orphans(conn) if n.reading_key == key]
    else:
        report.orphaned = [n.id for n in notes.orphan_notes_of(conn, key)]


def detach(conn: sqlite3.Connection, curriculum: Curriculum, query: str) -> EditReport:
    """Take the document reading ``query`` opens out of the library (a wrong `attach`, say)."""
    reading = _reading(curriculum, query)
    doc = _current(conn, reading)
    if doc is None:
        raise UsageError(f"{reading.id} has no document to detach")
    report = EditReport(reading)
    _forget(conn, doc, report)
    _settle_notes(conn, reading, report)
    return report


def remove(conn: sqlite3.Connection, curriculum: Curriculum, query: str) -> EditReport:
    """Remove a reading you added, with its documents unless the curriculum lists the work elsewhere."""
    reading = _reading(curriculum, query)
    additions.remove(conn, curriculum.name, reading.id)
    report = EditReport(reading)
    key = store.key_of(reading)
    still_listed = any(
        store.key_of(other) == key for _, other in curriculum.all_readings() if other.id != reading.id
    )
    if not still_listed:
        for doc in store.documents_for_key(conn, key):
            _forget(conn, doc, report)
        report.orphaned = [n.id for n in notes.orphan_notes_of(conn, key)]
    return report


def rename(conn: sqlite3.Connection, curriculum: Curriculum, query: str, title: str) -> Reading:
    """A new title for a reading you added; its id, notes and statuses stay."""
    return additions.rename(conn, curriculum.name, _reading(curriculum, query).id, title)
