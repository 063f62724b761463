"""Files that appear whole or not at all, always inside the data home.

A :class:`PendingFile` is written in its final directory but stays invisible until
:meth:`~PendingFile.commit`: on Linux it is an anonymous ``O_TMPFILE`` inode, so a process
killed mid-download (even by ``kill -9``) leaves nothing behind; elsewhere it is a hidden
``.<random>.<pid>.part`` file that :func:`library.sweep.sweep` removes on the next run once its
process is gone. Commit is fsync, link/rename into place, fsync of the directory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from library import atomic, paths

PART_SUFFIX = ".part"


class PendingFile:
    """A file under construction in ``directory`` with a running sha256 and size.

    It may be committed into any folder under the same data home (one filesystem), so a
    download can start before it is known whether it is a PDF or a web page.
    """

    def __init__(self, directory: Path):
        directory = paths.inside_home(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._name: Path | None = None
        fd = None
        if hasattr(os, "O_TMPFILE"):
            try:
                fd = os.open(directory, os.O_TMPFILE | os.O_RDWR, 0o644)
            except OSError:  # filesystem without O_TMPFILE support: fall back to a named temp file
                fd = None
        if fd is None:
            fd, name = tempfile.mkstemp(dir=directory, prefix=".", suffix=f".{os.getpid()}{PART_SUFFIX}")
            self._name = Path(name)
        self._file = os.fdopen(fd, "w+b")
        self._hash = hashlib.sha256()
        self.size = 0
        self.committed = False

    # --- writing -----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def reset(self) -> None:
        """Throw away what was written (a retry starts from the first byte)."""
        self._file.seek(0)
        self._file.truncate()
        self._hash = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def head(self, n: int = 1024) -> bytes:
        self._file.flush()
        return os.pread(self._file.fileno(), n, 0)

    def tail(self, n: int = 1024) -> bytes:
        self._file.flush()
        start = max(0, self.size - n)
        return os.pread(self._file.fileno(), self.size - start, start)

    def read_all(self) -> bytes:
        self._file.flush()
        return os.pread(self._file.fileno(), self.size, 0)

    # --- finishing ---------------------------------------------------------------------------

    def commit(self, final: Path) -> Path:
        """Make the bytes visible at ``final`` (inside the data home), durably. Replaces a file there."""
        final = paths.inside_home(final)
        final.parent.mkdir(
            parents=True, exist_ok=True
        )  # same filesystem as self.directory: rename stays atomic
        self._file.flush()
        os.fsync(self._file.fileno())
        if self._name is None:
            # Give the anonymous inode a hidden name, then rename over the target: link() cannot replace.
            temp = final.parent / f".{final.name}.{os.getpid()}{PART_SUFFIX}"
            temp.unlink(missing_ok=True)
            try:
                _link_anonymous(self._file.fileno(), temp)
            except OSError:
                # Some kernels and sandboxes refuse to link a /proc fd: copy the finished bytes to the
                # hidden name instead (a short window, swept on the next run if the process dies in it).
                self._copy_to(temp)
            os.replace(temp, final)
        else:
            os.replace(self._name, final)
            self._name = None
        self._file.close()
        atomic.fsync_dir(final.parent)
        self.committed = True
        return final

    def _copy_to(self, temp: Path) -> None:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            offset = 0
            while offset < self.size:
                chunk = os.pread(self._file.fileno(), min(1 << 20, self.size - offset), offset)
                if not chunk:
                    break
                os.write(fd, chunk)
                offset += len(chunk)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            raise
        os.close(fd)

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        if self._name is not None:
            self._name.unlink(missing_ok=True)
            self._name = None

    def __enter__(self) -> PendingFile:
        return self

    def __exit__(self, *exc) -> None:
        if not self.committed:
            self.discard()


def _link_anonymous(fd: int, name: Path) -> None:
    """Give the O_TMPFILE inode behind ``fd`` the name ``name``: ``linkat`` with AT_SYMLINK_FOLLOW.

    ``/proc/self/fd/N`` is a symlink on another filesystem, and a plain ``link()`` links the
    symlink itself (EXDEV). Passing ``dst_dir_fd`` makes Python call ``linkat``, which follows it
    to the inode when asked to.
    """
    dir_fd = os.open(name.parent, os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", name.name, dst_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)


def write_atomic(final: Path, data: bytes) -> Path:
    with PendingFile(final.parent) as pending:
        pending.write(data)
        return pending.commit(final)
