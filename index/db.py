"""Open the database with the index layer's tables migrated too.

The library layer only knows its own migrations; this module registers the index layer's
(``index.schema`` for notes, ``index.search_schema`` for passages and embeddings,
``index.review_schema`` for spaced review) before delegating to :func:`library.db.connect`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# The three *schema modules are imported for their @migration registrations: the library layer cannot
# know the index's tables.
from index import import_batches, review_schema, schema, search_schema  # noqa: F401
from library import db as library_db


def connect(path: Path | None = None) -> sqlite3.Connection:
    """A connection to the database (``path``, or the data home's), with every migration applied;
    an import that a killed process left half-done is undone first."""
    conn = library_db.connect(path)
    if not getattr(conn, "read_only", False):
        import_batches.recover(conn)
    return conn
