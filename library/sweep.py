"""Temporaries left by a process that was killed: found by name, removed once their process is gone.

Everything Syllabus writes outside SQLite appears whole (written under a hidden temporary name,
then renamed or linked into place). A ``kill -9`` in between leaves the temporary behind: a
partial download, a half-copied backup, an interrupted ONNX export (about 90 MB), a FAISS file
being rewritten. Each such name carries the writer's pid, so :func:`sweep` (run once per process,
when the database is first opened) can tell a dead writer's leftovers from a live one's:

- files ``.<name>.<pid>.part`` and ``.<name>.<pid>[-<random>].tmp``;
- folders ``.<name>.tmp-<pid>`` (the ONNX export's work folder).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from library import paths

_TEMPORARY = re.compile(r"^\..+\.(\d+)(?:-\w+)?\.(?:part|tmp)$|^\..+\.tmp-(\d+)$")


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (someone else's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    except OverflowError:
        return False
    return True


def stale_pid(name: str) -> int | None:
    """The pid in a temporary's name when that process no longer runs, else None."""
    m = _TEMPORARY.match(name)
    if m is None:
        return None
    pid = int(m.group(1) or m.group(2))
    return None if pid == os.getpid() or process_alive(pid) else pid


def sweep(home: Path | None = None) -> list[Path]:
    """Remove the temporaries of dead processes under the data home. Returns what was removed.

    Best effort: a read-only home or a file that vanishes meanwhile is not an error.
    """
    home = home or paths.data_home()
    removed: list[Path] = []
    if not home.is_dir():
        return removed
    for directory, dirnames, filenames in os.walk(home):
        for name in list(dirnames):
            if stale_pid(name) is not None:
                path = Path(directory) / name
                shutil.rmtree(path, ignore_errors=True)
                dirnames.remove(name)
                removed.append(path)
        for name in filenames:
            if stale_pid(name) is not None:
                path = Path(directory) / name
                try:
                    path.unlink()
                except OSError:
                    continue
                removed.append(path)
    return removed
