"""Copies of the database: taken, named, listed and pruned.

A backup is a consistent copy made through SQLite's online backup API, named
``syllabus-<UTC stamp>-<reason>.db``: ``manual`` (``syllabus backup``), ``pre-migration``
(before a schema change) or ``daily`` (the first write of each day). Daily copies roll: the
newest :data:`KEEP_DAILY` are kept. Pre-migration copies keep the newest :data:`KEEP_MIGRATION`;
manual ones are never deleted by Syllabus.

This module only copies and lists files; deciding *when* a copy is safe to take (after an
integrity check) belongs to :mod:`library.dbhealth` and :mod:`library.db`.
"""

from __future__ import annotations

import calendar
import os
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

KEEP_DAILY = 7
KEEP_MIGRATION = 3
_NAME = re.compile(r"^syllabus-(\d{8}-\d{6})-([a-z-]+?)(?:-\d+)?\.db$")


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: float  # seconds since the epoch, from the file name (UTC)
    reason: str

    def age(self, now: float | None = None) -> str:
        """How long ago, in words a user reads at a glance ("3 hours ago")."""
        seconds = max(0.0, (now if now is not None else time.time()) - self.taken_at)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= size:
                n = int(seconds // size)
                return f"{n} {unit}{'s' if n != 1 else ''} ago"
        return "just now"


def take(conn: sqlite3.Connection, directory: Path, reason: str = "manual") -> Path:
    """Copy the live database (consistently, through SQLite's backup API) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    # Several processes may back up in the same second: the temporary copy gets a name of its own
    # (with the pid, so a copy left by a killed process is swept), and the final name is claimed
    # with os.link, which fails instead of overwriting when another process took it first.
    tmp = directory / f".syllabus-{stamp}-{reason}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        dest = sqlite3.connect(tmp)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        n = 1
        target = directory / f"syllabus-{stamp}-{reason}.db"
        while True:
            try:
                os.link(tmp, target)
                break
            except FileExistsError:
                n += 1
                target = directory / f"syllabus-{stamp}-{reason}-{n}.db"
    finally:
        tmp.unlink(missing_ok=True)
    return target


def listing(directory: Path) -> list[Backup]:
    """The backups in ``directory``, oldest first (unreadable or foreign names are left out)."""
    out = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        m = _NAME.match(name)
        if not m:
            continue
        try:
            taken = float(calendar.timegm(time.strptime(m.group(1), "%Y%m%d-%H%M%S")))
        except ValueError:
            continue
        out.append(Backup(directory / name, taken, m.group(2)))
    return sorted(out, key=lambda b: (b.taken_at, b.path.name))


def newest(directory: Path) -> Backup | None:
    found = listing(directory)
    return found[-1] if found else None


def taken_today(directory: Path, reason: str) -> bool:
    """Whether a ``reason`` backup was already taken on today's UTC date."""
    today = time.strftime("%Y%m%d", time.gmtime())
    return any(b.reason == reason and b.path.name[9:17] == today for b in listing(directory))


def prune(directory: Path) -> list[Path]:
    """Delete the oldest daily and pre-migration copies beyond what is kept. Returns what went."""
    removed = []
    for reason, keep in (("daily", KEEP_DAILY), ("pre-migration", KEEP_MIGRATION)):
        copies = [b for b in listing(directory) if b.reason == reason]
        for old in copies[: max(0, len(copies) - keep)]:
            old.path.unlink(missing_ok=True)
            removed.append(old.path)
    return removed
