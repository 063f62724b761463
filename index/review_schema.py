"""Spaced review of notes (scope "index-review"). Never edit a shipped migration: add the next number.

One row per note that has entered review: its FSRS card (``fsrs.Card.to_json``, the library's own
format, so a newer fsrs can read it back), the due time copied out of it for indexed queries,
and whether the user excluded the note. A note with no row is new: due as soon as it exists.
``review_log`` keeps every grade with the card as it was before, so a mistaken grade can be
undone and a future optimizer can fit the user's own parameters.
"""

from __future__ import annotations

import sqlite3

from library.migrations import run_script
from library.schema import migration


@migration("index-review", 1)
def m001_review(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE review_cards (
            note_id INTEGER PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE,
            card_json TEXT,
            due REAL NOT NULL,
            excluded INTEGER NOT NULL DEFAULT 0,
            reps INTEGER NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL
        );
        CREATE INDEX review_cards_due ON review_cards (excluded, due);
        CREATE TABLE review_log (
            id INTEGER PRIMARY KEY,
            note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            reviewed_at REAL NOT NULL,
            card_before TEXT,
            card_after TEXT NOT NULL,
            due_after REAL NOT NULL
        );
        CREATE INDEX review_log_note ON review_log (note_id);
        """,
    )
