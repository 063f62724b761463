"""Files the user names as input (a curriculum, a notes export): read whole, but never without bound.

``syllabus import notes /dev/zero`` would otherwise read until memory runs out, and a device or
a pipe has no size to check first. :func:`read_input` reads at most ``limit`` bytes and refuses
more with one line; what it returns is then parsed in memory as before.
"""

from __future__ import annotations

from pathlib import Path

from library.errors import UsageError

MB = 1024 * 1024
CURRICULUM_LIMIT = 16 * MB  # the Deep Learning Curriculum's markdown is 60 KB
NOTES_LIMIT = 512 * MB  # an export of 120k notes with quotes is about 150 MB


def read_input(path: Path, *, limit: int, what: str) -> bytes:
    """The bytes of ``path``; a :class:`UsageError` when it cannot be read or holds more than ``limit``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: a folder, not a {what}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UsageError(f"{path}: more than {limit // MB} MB; too large for a {what}")
    return data
