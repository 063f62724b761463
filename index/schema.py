"""The index layer's numbered migrations for notes (scope "index"). Never edit a shipped one: add the next number.

Notes are user data, so they live in the one SQLite database beside progress: nothing here is a
cache. ``notes_fts`` is the exception, a full-text index kept in step with notes, tags and anchors
by triggers inside the same transaction as every write, so it can never drift (and
:func:`index.notes.rebuild_fts` rebuilds it from the tables if it ever has to).
"""

from __future__ import annotations

import sqlite3

from library.migrations import run_script
from library.schema import migration

# One statement that rewrites the FTS row of note ``{id}`` from the tables; deleted notes get none,
# so search never finds them. A regular (content-storing) FTS5 table, because the indexed text
# comes from three tables and a contentless one would need the old values to delete a row.
_REFRESH = """
    DELETE FROM notes_fts WHERE rowid = {id};
    INSERT INTO notes_fts (rowid, body, exact, tags)
        SELECT n.id, n.body,
               coalesce((SELECT a.exact FROM anchors a WHERE a.note_id = n.id), ''),
               coalesce((SELECT group_concat(t.tag, ' ') FROM note_tags t WHERE t.note_id = n.id), '')
        FROM notes n WHERE n.id = {id} AND n.deleted_at IS NULL;
"""


def _trigger(name: str, event: str, table: str, ref: str) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_REFRESH.format(id=ref)} END;\n"


@migration("index", 1)
def m001_notes(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            uuid TEXT UNIQUE NOT NULL,
            curriculum TEXT,
            reading_id TEXT,
            -- "arxiv:1706.03762" or "url:<url without trailing slash>": the work, whatever its id.
            reading_key TEXT,
            chapter INTEGER,
            body TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            -- Soft delete: the row stays so `syllabus note undo` can bring it back.
            deleted_at REAL
        );
        CREATE INDEX notes_reading_key ON notes (reading_key);
        CREATE INDEX notes_reading ON notes (curriculum, reading_id);
        CREATE TABLE note_tags (
            note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (note_id, tag)
        );
        CREATE INDEX note_tags_tag ON note_tags (tag);
        -- Where a note points in its document, as a W3C TextQuoteSelector (exact + prefix/suffix)
        -- plus what we knew when it was made (page, section, block). 'orphan' anchors are kept.
        CREATE TABLE anchors (
            note_id INTEGER PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE,
            document_id TEXT,
            arxiv_version TEXT,
            section TEXT,
            page INTEGER,
            exact TEXT,
            prefix TEXT,
            suffix TEXT,
            block_index INTEGER,
            status TEXT NOT NULL CHECK (status IN ('attached', 'orphan', 'none')),
            updated_at REAL NOT NULL
        );
        CREATE INDEX anchors_status ON anchors (status);
        -- Every state a note has been in (the state after each action), for undo and for the record.
        -- undone_at marks edits and deletes that `note undo` has reverted, so undo walks backwards.
        CREATE TABLE note_history (
            id INTEGER PRIMARY KEY,
            note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
            action TEXT NOT NULL CHECK (action IN ('create', 'edit', 'delete', 'restore', 'reanchor')),
            body TEXT,
            tags_json TEXT,
            anchor_json TEXT,
            at REAL NOT NULL,
            undone_at REAL
        );
        CREATE INDEX note_history_note ON note_history (note_id, id);
        CREATE VIRTUAL TABLE notes_fts USING fts5 (body, exact, tags, tokenize = 'porter unicode61');
        """
        + _trigger("notes_fts_notes_ai", "INSERT", "notes", "new.id")
        + _trigger("notes_fts_notes_au", "UPDATE OF body, deleted_at", "notes", "new.id")
        + "CREATE TRIGGER notes_fts_notes_ad AFTER DELETE ON notes BEGIN"
        " DELETE FROM notes_fts WHERE rowid = old.id; END;\n"
        + _trigger("notes_fts_tags_ai", "INSERT", "note_tags", "new.note_id")
        + _trigger("notes_fts_tags_ad", "DELETE", "note_tags", "old.note_id")
        + _trigger("notes_fts_anchors_ai", "INSERT", "anchors", "new.note_id")
        + _trigger("notes_fts_anchors_au", "UPDATE OF exact", "anchors", "new.note_id")
        + _trigger("notes_fts_anchors_ad", "DELETE", "anchors", "old.note_id"),
    )


@migration("index", 2)
def m002_import_batches(conn: sqlite3.Connection) -> None:
    # A notes import in progress (``index.import_batches``): its notes are written in short
    # transactions, each recording which notes it added, so other writers are never locked out
    # for long; an import that fails or is killed has exactly those notes removed again. A batch
    # is finished by one update of its state.
    run_script(
        conn,
        """
        CREATE TABLE import_batches (
            id TEXT PRIMARY KEY,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            started_at REAL NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('running', 'done'))
        );
        CREATE TABLE import_batch_notes (
            note_id INTEGER PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE,
            batch TEXT NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE
        );
        CREATE INDEX import_batch_notes_batch ON import_batch_notes (batch);
        """,
    )
