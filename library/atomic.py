"""Atomic file writes: a file appears whole or not at all.

Everything Syllabus writes outside SQLite (exports, caches, the ONNX export, decks) goes through
here: the data is written to a temporary file in the target's directory, fsynced, then renamed
over the target, so a crash or a full disk leaves the last good file in place and at most a
hidden temporary that the next write does not trip over. (Downloads stream through
``library.fetch.files``, which adds O_TMPFILE so a killed process leaves nothing at all.)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write ``target``'s new content to; on success it replaces ``target``.

    For writers that want a file name (FAISS, genanki). On any error the temporary is removed and
    ``target`` is untouched.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # The pid in the name lets the next start sweep it if this process is killed (library.sweep).
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp")
    except OSError as exc:
        # Name the file the user asked for, not our temporary.
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp makes the file 0600; give it the mode a plain open() would (or the old file's).
        os.chmod(tmp, _mode_for(target))
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_bytes(target: Path, data: bytes) -> None:
    with replacing(target) as tmp:
        tmp.write_bytes(data)


def write_export(target: Path, text: str) -> None:
    """A file written for people and other tools (an export): atomically, and with terminal escape
    sequences, control characters and bidi overrides removed, as everything Syllabus shows is."""
    from library.textclean import strip_escapes

    write_text(target, strip_escapes(text))


def write_text(target: Path, text: str) -> None:
    """UTF-8 with ``\\n`` line endings on every platform (exports are diffed and synced)."""
    with replacing(target) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def fsync_dir(directory: Path) -> None:
    """Make a rename or link in ``directory`` durable (best effort: some platforms cannot open a
    directory, and the rename is atomic either way)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
