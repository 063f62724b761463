"""Open the database with the index layer's tables migrated too.

The library layer only knows its own migrations; this module registers the index layer's
(``index.schema`` for notes, ``index.search_schema`` for passages and embeddings,
``index.review_schema`` for spaced review) before delegating to :func:`library.db.connect`.
"""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

from library import db as library_db

_SCHEMA_MODULES = ("index.schema", "index.search_schema", "index.review_schema")


def register_schemas() -> None:
    for name in _SCHEMA_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def connect(path: Path | None = None) -> sqlite3.Connection:
    register_schemas()
    return library_db.connect(path)
