"""Temporary files inside the data home, removed when done.

Anything Syllabus needs for a moment (the Anki export's working database, say) is made here
rather than in ``$TMPDIR``: what it holds is the user's own data, and the README promises that
nothing is written outside the data home. A file left by a killed process sits in
``<data home>/tmp/`` and is removed by the next :func:`scratch_file` call once its process is gone.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from library import paths


def scratch_dir() -> Path:
    return paths.data_home() / "tmp"


def _sweep(directory: Path) -> None:
    """Remove scratch files whose process (named in the file name) no longer runs."""
    for leftover in directory.glob("*.scratch"):
        try:
            pid = int(leftover.name.split(".")[-2])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            leftover.unlink(missing_ok=True)
        except PermissionError:
            pass  # another user's live process


@contextmanager
def scratch_file(prefix: str = "") -> Iterator[Path]:
    """Yield the path of a new empty file under the data home; it is removed on the way out."""
    directory = paths.ensure_home() / "tmp"
    directory.mkdir(exist_ok=True)
    _sweep(directory)
    fd, name = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=f".{os.getpid()}.scratch")
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
        for companion in directory.glob(f"{path.name}-*"):  # SQLite's -journal / -wal beside it
            companion.unlink(missing_ok=True)
