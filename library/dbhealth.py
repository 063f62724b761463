"""Is the database fit to use? Cheap checks before and after opening it, and the way back.

Damage is reported as ONE line that names the newest backup and how to restore it, never as a
traceback, and Syllabus never starts afresh over a file that existed. The checks, by cost:

- before SQLite opens the file (a ``stat`` and 100 bytes): an empty file, a file that is not
  SQLite, one shorter than its header says, a damage marker left by an earlier run, and a
  write-ahead log (``syllabus.db-wal``) deleted while a process had the database open;
- after opening (one query): the schema reads;
- before a migration and before a backup (``PRAGMA quick_check``: every page and b-tree), and
  before the first write of a connection (``PRAGMA integrity_check``, which also checks every
  index against its table: about 1 ms per MB; see ``library.db.Connection.before_write``). A
  backup is never taken of a damaged database, so the rolling copies are not replaced by bad ones.

Once damage has been seen (by a check or by SQLite refusing a page), a marker file beside the
database makes every later open refuse too, until ``syllabus backup --restore`` or a clean
``syllabus backup --check``: a damaged database is never written to again.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import sqlite3
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from library import backups, paths
from library.errors import SyllabusError

HEADER = b"SQLite format 3\x00"
MARKER_SUFFIX = ".damaged"

# SQLite's primary result codes (the low byte of an extended code).
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26
DAMAGE_CODES = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})


class DamagedDatabase(SyllabusError):
    """The database cannot be trusted; the message names the newest backup."""


class NewerDatabase(SyllabusError):
    """The database was made by a newer Syllabus; this one must not read or write it."""


class DatabaseUnavailable(SyllabusError):
    """The database is sound but cannot be used now: a full disk, a read-only home, an I/O error."""


# --- messages ------------------------------------------------------------------------------------


def _shown(path: Path) -> str:
    return "syllabus.db" if path == paths.database_path() else str(path)


def restore_hint(path: Path) -> str:
    """What to do about a damaged database: the newest backup and the command that restores it."""
    directory = paths.backups_dir() if path == paths.database_path() else path.parent / "backups"
    newest = backups.newest(directory)
    if newest is None:
        return f"there is no backup: move {path} aside to start a new database"
    return f"the newest backup is {newest.path} ({newest.age()}): restore it with `syllabus backup --restore`"


def damaged(path: Path, reason: str, *, remember: bool = True) -> DamagedDatabase:
    """The error for a damaged database, remembering the damage so no later run writes to it."""
    # SQLite's integrity report spans lines ("*** in database main ***\n..."): one line, no banner.
    reason = " ".join(reason.replace("*** in database main ***", "").split())
    if remember:
        mark_damaged(path, reason)
    return DamagedDatabase(f"{_shown(path)} is damaged ({reason}); {restore_hint(path)}")


def newer(path: Path, found: list[tuple[str, int]], known: dict[str, int | None]) -> NewerDatabase:
    scope, number = found[-1]
    return NewerDatabase(
        f"{_shown(path)} was made by a newer Syllabus (schema {scope} {number}; this version knows up to "
        f"{scope} {known.get(scope)}): upgrade Syllabus, or restore an older backup with "
        "`syllabus backup --restore BACKUP`"
    )


def translate(exc: BaseException, path: Path | None = None) -> SyllabusError | None:
    """The one-line error for a database failure that is not a bug, or None when it is not one.

    Damage (a malformed page, a file that is not a database) also leaves the damage marker.
    """
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    path = path or paths.database_path()
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in DAMAGE_CODES:
        return damaged(path, str(exc))
    if code == SQLITE_FULL or (code == SQLITE_IOERR and _disk_full(path.parent)):
        return DatabaseUnavailable(f"the disk holding {path.parent} is full: free some space and try again")
    if code == SQLITE_READONLY:
        return DatabaseUnavailable(
            f"{path.parent} is read-only: Syllabus can show what it holds but cannot change it"
        )
    if code == SQLITE_IOERR:
        return DatabaseUnavailable(f"cannot read or write {path} ({exc}): is the disk full or failing?")
    if code == SQLITE_CANTOPEN:
        return DatabaseUnavailable(f"cannot open {path}: check that {path.parent} exists and is yours")
    return None


def _disk_full(directory: Path) -> bool:
    """SQLite reports a full disk as an I/O error when it cannot even create its -shm file."""
    try:
        return shutil.disk_usage(directory).free < 1024 * 1024
    except OSError:
        return False


# --- the damage marker ---------------------------------------------------------------------------


def marker_path(path: Path) -> Path:
    return path.with_name(path.name + MARKER_SUFFIX)


def mark_damaged(path: Path, reason: str) -> None:
    """Remember that ``path`` was found damaged (best effort: the disk may be the problem)."""
    with contextlib.suppress(OSError):
        marker_path(path).write_text(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {reason}\n", encoding="utf-8")


def marked_reason(path: Path) -> str | None:
    try:
        text = marker_path(path).read_text(encoding="utf-8", errors="replace").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"marked damaged; the marker cannot be read: {exc.strerror}"
    return text.split(" ", 2)[-1] if text.count(" ") >= 2 else (text or "marked damaged")


# --- checks ----------------------------------------------------------------------------------------


def preflight(path: Path) -> bool:
    """Check ``path`` before SQLite opens it. Returns False when there is no database yet.

    Reads at most the 100-byte header; never opens ``-wal`` or ``-shm`` (closing a descriptor
    of a file this process has locked through SQLite would drop SQLite's locks).
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    reason = marked_reason(path)
    if reason is not None:
        raise damaged(path, reason, remember=False)
    if size == 0:
        raise damaged(path, "the file is empty (0 bytes)")
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot read {path}: {exc.strerror}") from None
    if len(head) < 100 or not head.startswith(HEADER):
        raise damaged(path, "not a SQLite database: its header is wrong")
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    pages = struct.unpack(">I", head[28:32])[0]
    # The header's page count is valid when its change counter matches "version-valid-for".
    if head[24:28] == head[92:96] and pages and size < pages * page_size:
        raise damaged(path, f"truncated: {size} bytes where the header says {pages * page_size}")
    if page_size < 512 or page_size & (page_size - 1):
        raise damaged(path, "its header is garbled (bad page size)")
    wal, shm = _sidecar(path, "-wal"), _sidecar(path, "-shm")
    if shm.exists() and not wal.exists() and head[18:20] == b"\x02\x02":
        raise DamagedDatabase(
            f"{wal.name} was deleted while Syllabus had {_shown(path)} open, so the changes it held are "
            "lost or still held by that process: quit every Syllabus process, then run "
            "`syllabus backup --check` to carry on with what the database holds (or `syllabus backup --restore`)"
        )
    return True


def quick_check(conn: sqlite3.Connection) -> str | None:
    """None when the database's pages and b-trees are sound, else the first problem SQLite names."""
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    first = rows[0][0] if rows else "no answer from the integrity check"
    return None if first == "ok" else first


def integrity_problems(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """The full check (indexes against their tables too); an empty list when all is well."""
    try:
        rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    problems = [r[0] for r in rows]
    return [] if problems == ["ok"] else problems


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    """A SQLite URI that opens ``path`` without ever writing to it."""
    from urllib.request import pathname2url

    return f"file:{pathname2url(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


# --- other processes ---------------------------------------------------------------------------------


def other_user(path: Path) -> int | None:
    """The pid of another process that has ``path`` open through SQLite (WAL mode), if any.

    Every WAL connection holds a shared lock on byte 128 of the ``-shm`` file (SQLite's
    "dead man switch"); asking who holds it tells us without taking anything. Call it only in
    a process that has no connection to ``path`` open: closing our descriptor of the ``-shm``
    file drops every lock this process holds on it.
    """
    shm = _sidecar(path, "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        # struct flock: l_type, l_whence, l_start, l_len, l_pid (native layout; Linux and macOS order).
        query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 128, 1, 0)
        query += b"\0" * 16
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        l_type, _, _, _, l_pid = struct.unpack("hhqqi", answer[: struct.calcsize("hhqqi")])
        return l_pid if l_type != fcntl.F_UNLCK else None
    except OSError:
        return None
    finally:
        os.close(fd)


# --- recovery --------------------------------------------------------------------------------------


@dataclass
class Restored:
    backup: Path
    kept_as: Path | None  # where the replaced database was moved (never deleted)


def check(path: Path) -> list[str]:
    """The full integrity check of ``path``; clears the damage marker when it finds nothing.

    A ``-shm`` left without its ``-wal`` (the log was deleted) is cleared first when no other
    process holds the database: the database then holds what was last saved into it.
    """
    if not path.exists():
        return [f"{path} does not exist"]
    user = other_user(path)
    if user is not None:
        raise DatabaseUnavailable(f"another process (pid {user}) has {path} open: quit it first")
    wal, shm = _sidecar(path, "-wal"), _sidecar(path, "-shm")
    if shm.exists() and not wal.exists():
        shm.unlink()
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        return [f"cannot read {path}: {exc.strerror}"]
    if head != HEADER:
        return ["not a SQLite database: its header is wrong" if head else "the file is empty (0 bytes)"]
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        problems = integrity_problems(conn)
    finally:
        conn.close()
    if not problems:
        marker_path(path).unlink(missing_ok=True)
    return problems


def restore(path: Path, source: Path | None = None) -> Restored:
    """Put a backup in place of ``path`` (the newest sound one unless ``source`` is given).

    The database being replaced is moved aside, with its ``-wal``, as ``<name>.replaced-<stamp>``:
    nothing the user had is deleted. Refuses while another process has the database open.
    """
    directory = paths.backups_dir() if path == paths.database_path() else path.parent / "backups"
    user = other_user(path)
    if user is not None:
        raise DatabaseUnavailable(f"another process (pid {user}) has {path} open: quit it first")
    if source is not None:
        candidates = [source]
    else:
        candidates = [b.path for b in reversed(backups.listing(directory))]
        if not candidates:
            raise SyllabusError(f"there is no backup in {directory}")
    rejected = []
    for candidate in candidates:
        problems = problems_in(candidate)
        if not problems:
            break
        rejected.append(f"{candidate.name}: {problems[0]}")
    else:
        raise SyllabusError("no sound backup to restore (" + "; ".join(rejected[:3]) + ")")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = None
    if path.exists():
        kept = path.with_name(f"{path.name}.replaced-{stamp}")
        os.replace(path, kept)
    for suffix in ("-wal", "-shm"):
        side = _sidecar(path, suffix)
        if side.exists():
            if suffix == "-wal" and kept is not None:
                os.replace(side, kept.with_name(kept.name + suffix))
            else:
                side.unlink()
    tmp = path.with_name(f".{path.name}.{os.getpid()}-restore.tmp")
    shutil.copyfile(candidate, tmp)
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    marker_path(path).unlink(missing_ok=True)
    return Restored(candidate, kept)


def problems_in(candidate: Path) -> list[str]:
    """What the full integrity check finds in the database file ``candidate`` (opened read-only)."""
    try:
        with open(candidate, "rb") as handle:
            if handle.read(16) != HEADER:
                return ["not a SQLite database"]
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return ["no such file"]
        return [exc.strerror or str(exc)]
    conn = sqlite3.connect(read_only_uri(candidate), uri=True)
    try:
        return integrity_problems(conn, limit=3)
    finally:
        conn.close()
