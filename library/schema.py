"""The library layer's numbered migrations. Never edit a shipped one: add the next number."""

from __future__ import annotations

import sqlite3

from library.db import migration, run_script


@migration("library", 1)
def m001_curricula_and_progress(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- Imported curricula, stored whole as validated JSON. The bundled one is read from the
        -- package each time, so an upgrade of Syllabus updates it.
        CREATE TABLE curricula (
            name TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            source TEXT,
            data TEXT NOT NULL,
            installed_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        -- Status of readings and exercises, keyed by curriculum and item id. Rows stay when an
        -- item leaves its curriculum (re-import), so nothing the user recorded is lost.
        CREATE TABLE item_status (
            curriculum TEXT NOT NULL,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('reading', 'exercise')),
            status TEXT NOT NULL,
            solution_url TEXT,
            updated_at REAL NOT NULL,
            PRIMARY KEY (curriculum, item_id)
        );
        -- Every status change, for the study log and for undoing mistakes.
        CREATE TABLE status_history (
            id INTEGER PRIMARY KEY,
            curriculum TEXT NOT NULL,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            at REAL NOT NULL
        );
        CREATE INDEX status_history_item ON status_history (curriculum, item_id);
        """
    )
