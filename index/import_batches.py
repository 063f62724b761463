"""Large writes kept all-or-nothing without holding the write lock for long: import batches.

Importing 120,000 notes in one transaction held SQLite's write lock for over a minute and every
other writer (the app saving a note, ``syllabus mark``) gave up. Instead an import opens a
*batch*, writes its notes in transactions of about half a second (:data:`CHUNK_SECONDS`), with a
pause between them in which others can write (:data:`PAUSE_SECONDS`),
each also recording which notes it added, and ends with one small transaction that marks the
batch done. If the import fails, its notes are removed again (also in short transactions); if its
process is killed, the next process to open the database sees a running batch whose process is
gone and removes them (:func:`recover`). While an import runs, the notes it has added so far are
visible to other readers.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from library.db import write
from library.sweep import process_alive

CHUNK_SECONDS = 0.5  # longest a batch holds the write lock in one go (one note over it at most)
# Between two chunks the lock is left free this long: a waiting writer's busy handler sleeps up to
# 100 ms between tries, so without the pause the import would take the lock again first every time.
PAUSE_SECONDS = 0.12
DELETE_CHUNK = 2000

T = TypeVar("T")


def begin(conn: sqlite3.Connection) -> str:
    """Open a batch for this process; returns its id."""
    batch = str(uuid.uuid4())
    with write(conn):
        conn.execute(
            "INSERT INTO import_batches (id, pid, host, started_at, state) VALUES (?, ?, ?, ?, 'running')",
            (batch, os.getpid(), socket.gethostname(), time.time()),
        )
    return batch


def add_all(
    conn: sqlite3.Connection, batch: str, items: Iterable[T], add: Callable[[T], int | None]
) -> list[int]:
    """Call ``add(item)`` for every item, in short transactions; ``add`` returns the new note's id
    (or None for an item it skipped). Returns the ids added. Raises whatever ``add`` raises, after
    which the caller abandons the batch."""
    added: list[int] = []
    pending: Iterator[T] = iter(items)
    done = False
    while not done:
        with write(conn):
            started = time.monotonic()
            while time.monotonic() - started < CHUNK_SECONDS:
                item = next(pending, _END)
                if item is _END:
                    done = True
                    break
                note_id = add(item)  # type: ignore[arg-type]
                if note_id is not None:
                    conn.execute(
                        "INSERT INTO import_batch_notes (note_id, batch) VALUES (?, ?)", (note_id, batch)
                    )
                    added.append(note_id)
        if not done:
            time.sleep(PAUSE_SECONDS)
    return added


_END = object()


def finish(conn: sqlite3.Connection, batch: str) -> None:
    """The commit point: one row changes, and the batch's notes stay."""
    with write(conn):
        conn.execute("UPDATE import_batches SET state = 'done' WHERE id = ?", (batch,))
    _forget(conn, batch)


def abandon(conn: sqlite3.Connection, batch: str) -> int:
    """Remove every note the batch added, then the batch. Returns how many notes went."""
    removed = 0
    while True:
        with write(conn):
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT note_id FROM import_batch_notes WHERE batch = ? LIMIT ?", (batch, DELETE_CHUNK)
                )
            ]
            if not ids:
                conn.execute("DELETE FROM import_batches WHERE id = ?", (batch,))
                return removed
            marks = ",".join("?" * len(ids))
            conn.execute(f"DELETE FROM embeddings WHERE kind = 'note' AND item_id IN ({marks})", ids)
            conn.execute(f"DELETE FROM notes WHERE id IN ({marks})", ids)  # cascades to the batch rows
            removed += len(ids)


def _forget(conn: sqlite3.Connection, batch: str) -> None:
    """Drop a finished batch's bookkeeping, a chunk at a time (its notes stay)."""
    while True:
        with write(conn):
            cur = conn.execute(
                "DELETE FROM import_batch_notes WHERE note_id IN"
                " (SELECT note_id FROM import_batch_notes WHERE batch = ? LIMIT ?)",
                (batch, DELETE_CHUNK),
            )
            if cur.rowcount == 0:
                conn.execute("DELETE FROM import_batches WHERE id = ?", (batch,))
                return


def recover(conn: sqlite3.Connection) -> int:
    """Finish what killed imports left: remove the notes of running batches whose process is gone
    (on this host), and the bookkeeping of done ones. Returns how many notes were removed."""
    try:
        rows = conn.execute("SELECT id, pid, host, state FROM import_batches").fetchall()
    except sqlite3.OperationalError:  # a read-only connection to a database not yet migrated
        return 0
    removed = 0
    host = socket.gethostname()
    for batch, pid, batch_host, state in rows:
        if state == "done":
            _forget(conn, batch)
        elif batch_host == host and pid != os.getpid() and not process_alive(pid):
            removed += abandon(conn, batch)
    return removed
