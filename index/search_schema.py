"""Tables for search (scope "index-search"): passages, their FTS5 index, stored embeddings.

Passages are cut from fetched documents (``index.passages``) and are derived data: the
``passage_sources`` row records which version of a document (its fingerprint) and which
splitter version produced them, so ``index update`` re-splits exactly what changed.

Embeddings are float32 blobs keyed by (kind, item id, model) with the hash of the text that
was embedded: unchanged text is never embedded twice, and a different model gets its own rows.
``embedding_generations`` is bumped by triggers on every change to ``embeddings`` so an open
FAISS cache can tell in one tiny query whether it must refresh. (The triggers use ``WHERE NOT
EXISTS`` rather than ``INSERT OR IGNORE``: an outer ``INSERT OR REPLACE`` would override the
trigger's conflict clause and reset the counter.)
"""

from __future__ import annotations

import sqlite3

from library.migrations import run_script
from library.schema import migration


@migration("index-search", 1)
def m001_passages_and_embeddings(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            document_id,                -- library.store's document id (type decided there)
            reading_key TEXT NOT NULL,  -- "arxiv:1706.03762" or "url:<url>"
            section TEXT,               -- deepest section number ("3.2.1"), NULL when unnumbered
            section_title TEXT,
            page INTEGER,               -- 1-based page of the passage's first block
            block_start INTEGER,        -- block indexes [block_start, block_end) of the structure
            block_end INTEGER,
            text TEXT NOT NULL,
            hash TEXT NOT NULL          -- sha256 of text: what the embedder keys on
        );
        CREATE INDEX passages_reading ON passages (reading_key);
        CREATE INDEX passages_document ON passages (document_id);

        -- One row per document whose passages are in the table: what they were cut from.
        CREATE TABLE passage_sources (
            document_id PRIMARY KEY,
            reading_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,  -- the document's content identity + splitter version
            passage_count INTEGER NOT NULL,
            indexed_at REAL NOT NULL
        );

        CREATE VIRTUAL TABLE passages_fts USING fts5(
            text, section_title, content = 'passages', content_rowid = 'id',
            tokenize = 'porter unicode61'
        );
        CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
            INSERT INTO passages_fts (rowid, text, section_title) VALUES (new.id, new.text, new.section_title);
        END;
        CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
            INSERT INTO passages_fts (passages_fts, rowid, text, section_title)
                VALUES ('delete', old.id, old.text, old.section_title);
        END;
        CREATE TRIGGER passages_au AFTER UPDATE ON passages BEGIN
            INSERT INTO passages_fts (passages_fts, rowid, text, section_title)
                VALUES ('delete', old.id, old.text, old.section_title);
            INSERT INTO passages_fts (rowid, text, section_title) VALUES (new.id, new.text, new.section_title);
        END;

        CREATE TABLE embeddings (
            kind TEXT NOT NULL CHECK (kind IN ('note', 'passage')),
            item_id INTEGER NOT NULL,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,       -- dim float32 values, L2-normalised, little-endian
            PRIMARY KEY (kind, item_id, model)
        );

        CREATE TABLE embedding_generations (
            kind TEXT NOT NULL,
            model TEXT NOT NULL,
            generation INTEGER NOT NULL,
            PRIMARY KEY (kind, model)
        );
        CREATE TRIGGER embeddings_gen_ai AFTER INSERT ON embeddings BEGIN
            INSERT INTO embedding_generations (kind, model, generation) SELECT new.kind, new.model, 0
                WHERE NOT EXISTS (SELECT 1 FROM embedding_generations WHERE kind = new.kind AND model = new.model);
            UPDATE embedding_generations SET generation = generation + 1 WHERE kind = new.kind AND model = new.model;
        END;
        CREATE TRIGGER embeddings_gen_au AFTER UPDATE ON embeddings BEGIN
            INSERT INTO embedding_generations (kind, model, generation) SELECT new.kind, new.model, 0
                WHERE NOT EXISTS (SELECT 1 FROM embedding_generations WHERE kind = new.kind AND model = new.model);
            UPDATE embedding_generations SET generation = generation + 1 WHERE kind = new.kind AND model = new.model;
        END;
        CREATE TRIGGER embeddings_gen_ad AFTER DELETE ON embeddings BEGIN
            UPDATE embedding_generations SET generation = generation + 1 WHERE kind = old.kind AND model = old.model;
        END;
        """,
    )


@migration("index-search", 2)
def m002_passage_kind_and_term_counts(conn: sqlite3.Connection) -> None:
    """What a passage is ("text": prose with its equations and lists, or "table"); and, for each
    full-text index, a read-only view of how many rows hold each term (FTS5's own counts, no
    storage of their own), so word scores of notes and passages can be put on one scale."""
    run_script(
        conn,
        """
        ALTER TABLE passages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
        CREATE VIRTUAL TABLE passages_terms USING fts5vocab(passages_fts, 'row');
        CREATE VIRTUAL TABLE notes_terms USING fts5vocab(notes_fts, 'row');
        """,
    )
