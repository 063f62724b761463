"""Where Syllabus keeps its data.

:func:`data_home` is the one place that decides: ``$SYLLABUS_HOME`` when set, else the
platform's user data directory (``~/.local/share/syllabus`` on Linux). Nothing is created
at import time; callers that write ask :func:`ensure_home` first.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SYLLABUS_HOME"


def data_home() -> Path:
    """The directory holding the database, documents and index caches."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    # platformdirs is imported here, not at module level: only callers that need the path pay for it.
    from platformdirs import user_data_dir

    return Path(user_data_dir("syllabus", appauthor=False))


def ensure_home() -> Path:
    """Create the data home (and its parents) if needed and return it.

    A new home is private (0700): notes, reading history and documents are nobody else's business,
    and the files inside are created with the usual umask.
    """
    home = data_home()
    if not home.is_dir():
        home.parent.mkdir(parents=True, exist_ok=True)
        try:
            home.mkdir(mode=0o700)
            os.chmod(home, 0o700)  # whatever the umask
        except FileExistsError:
            pass  # another process made it first
    return home


def database_path() -> Path:
    return data_home() / "syllabus.db"


def documents_dir() -> Path:
    """Fetched documents: original bytes and extracted text, named by ids only."""
    return data_home() / "documents"


def index_dir() -> Path:
    """Rebuildable caches: FAISS files, the ONNX export of the embedding model."""
    return data_home() / "index"


def backups_dir() -> Path:
    return data_home() / "backups"


def inside_home(path: Path) -> Path:
    """Return ``path`` resolved, refusing anything that escapes the data home."""
    home = data_home()
    resolved = path.resolve()
    if resolved != home and home not in resolved.parents:
        raise ValueError(f"refusing to write outside the data home: {resolved}")
    return resolved
