"""The registry of numbered migrations, and the library layer's own. Never edit a shipped one: add the next number.

:data:`MIGRATIONS` holds every layer's migrations: the index layer registers its scopes on it
(``index/schema.py`` and friends) and :mod:`library.db` applies what a database still needs.
"""

from __future__ import annotations

import sqlite3

from library.migrations import Migrations, run_script

MIGRATIONS = Migrations()
migration = MIGRATIONS.register


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
        """,
    )


@migration("library", 2)
def m002_documents(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        -- One row per stored document (or per reading that can only be a link). ``reading_key`` names
        -- the work, not the curriculum item ("arxiv:1706.03762", "url:https://host/path"), so one
        -- document serves the same work in every curriculum. Paths are relative to the data home and
        -- derived from ids only. A newer version of a work gets its own row; the older row stays
        -- (notes made on it must stay readable) and points at its successor through superseded_by.
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            reading_key TEXT NOT NULL,
            source_url TEXT,
            arxiv_id TEXT,
            arxiv_version TEXT,
            sha256 TEXT,
            size INTEGER,
            content_type TEXT,
            pages INTEGER,
            path TEXT,
            text_path TEXT,
            fetched_at REAL NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL CHECK (status IN ('ok', 'link_only')),
            reason TEXT,
            superseded_by INTEGER REFERENCES documents (id) ON DELETE SET NULL,
            CHECK (status = 'link_only' OR (path IS NOT NULL AND sha256 IS NOT NULL))
        );
        CREATE INDEX documents_key ON documents (reading_key, status, superseded_by);
        CREATE UNIQUE INDEX documents_path ON documents (path) WHERE path IS NOT NULL;
        """,
    )


@migration("library", 3)
def m003_user_readings(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        -- Readings the user added to a curriculum with `syllabus add`. Kept apart from the curriculum
        -- itself so a re-import never drops them; merged in when the curriculum is loaded. ``chapter``
        -- is NULL for the "Your additions" chapter.
        CREATE TABLE user_readings (
            id INTEGER PRIMARY KEY,
            curriculum TEXT NOT NULL,
            chapter INTEGER,
            reading_json TEXT NOT NULL,
            added_at REAL NOT NULL
        );
        CREATE INDEX user_readings_curriculum ON user_readings (curriculum);
        """,
    )


@migration("library", 5)
def m005_reading_positions(conn: sqlite3.Connection) -> None:
    # Where the reader was in each reading, so the app returns there: the document-wide block
    # index (Block.index, stable across re-extraction of the same file) and the view (the
    # assigned section or the whole work).
    run_script(
        conn,
        """
        CREATE TABLE reading_positions (
            curriculum TEXT NOT NULL,
            reading_id TEXT NOT NULL,
            block_index INTEGER NOT NULL,
            view TEXT NOT NULL CHECK (view IN ('section', 'whole')),
            updated_at REAL NOT NULL,
            PRIMARY KEY (curriculum, reading_id)
        );
        """,
    )


@migration("library", 4)
def m004_study_log_and_targets(conn: sqlite3.Connection) -> None:
    # The study log: stretches of study and breaks, one row each. ``end`` is NULL while a span
    # runs (at most one at a time, enforced by library.studylog). A break has no item; it keeps
    # the chapter it interrupted so per-chapter reports can show breaks too.
    # Chapter targets: dates the user chose with `syllabus plan --set`; others are computed.
    run_script(
        conn,
        """
        CREATE TABLE study_spans (
            id INTEGER PRIMARY KEY,
            curriculum TEXT NOT NULL,
            item_id TEXT,
            chapter INTEGER,
            kind TEXT NOT NULL CHECK (kind IN ('study', 'break')),
            start REAL NOT NULL,
            "end" REAL,
            source TEXT NOT NULL CHECK (source IN ('app', 'manual')),
            note TEXT,
            CHECK ("end" IS NULL OR "end" >= start)
        );
        CREATE INDEX study_spans_start ON study_spans (start);
        CREATE INDEX study_spans_item ON study_spans (curriculum, item_id);
        CREATE TABLE chapter_targets (
            curriculum TEXT NOT NULL,
            chapter INTEGER NOT NULL,
            target TEXT NOT NULL,  -- ISO date, local calendar
            updated_at REAL NOT NULL,
            PRIMARY KEY (curriculum, chapter)
        );
        """,
    )
