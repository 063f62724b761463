"""The one SQLite database that holds all user state.

Connections use WAL (readers never block the writer), a busy timeout (the app and the
CLI may write at the same time) and foreign keys. Writes go through :func:`write`, which
takes the write lock up front (``BEGIN IMMEDIATE``) so two processes never deadlock
upgrading a read lock.

Schema changes are numbered migrations (the registry is ``library.schema.MIGRATIONS``; the
``index`` layer registers its own scopes on it), recorded in the ``_migrations`` table. A
database that has a migration this Syllabus does not know was made by a newer version and is
refused. The database is checked and backed up before any pending migration runs, and once a
day on the first write (:mod:`library.backups` keeps a few of those). A new database is built
in a temporary file and linked into place whole, so ``syllabus.db`` never exists half-made and
an empty ``syllabus.db`` is always damage, never a fresh start. What is checked when, and the
messages a damaged database gets, are in :mod:`library.dbhealth`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from library import atomic, backups, dbhealth, paths, sweep
from library.migrations import Migration
from library.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000
# Up to this size every writing connection checks the whole database first (~1 ms per MB).
CHECK_EVERY_WRITER_BYTES = 64 * 1024 * 1024


class Connection(sqlite3.Connection):
    """A connection that knows its file: where its backups go and whether it may write."""

    path: Path | None = None
    backups_dir: Path | None = None  # set for the data home's database: daily backups go here
    wal = False
    read_only = False
    _checked = False  # whether this connection has checked the database before writing

    def before_write(self) -> None:
        """Before the first write of this connection: make sure the database is sound, and on the
        first write of a day take the day's backup.

        The full check (pages, b-trees, and every index against its table) costs about 1 ms per
        MB, so it runs for every writer up to :data:`CHECK_EVERY_WRITER_BYTES` and once a day,
        before the daily backup, above that. A damaged database is refused here (and remembered),
        so it is never written to again and never copied over the good backups.
        """
        if self._checked or self.path is None:
            return
        self._checked = True
        daily_due = self.backups_dir is not None and not backups.taken_today(self.backups_dir, "daily")
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        if daily_due or size <= CHECK_EVERY_WRITER_BYTES:
            problems = dbhealth.integrity_problems(self, limit=1)
            if problems:
                raise dbhealth.damaged(self.path, problems[0])
        if daily_due and self.backups_dir is not None:
            backups.take(self, self.backups_dir, reason="daily")
            backups.prune(self.backups_dir)

    def after_commit(self) -> None:
        """A committed write sits in the write-ahead log until a checkpoint. If the log was deleted
        meanwhile (by hand, by a cleaning tool), save what it holds into the database file now and
        stop: a later writer would start a new log that knows nothing of this one's frames."""
        if not self.wal or self.path is None:
            return
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists():
            return
        self.execute("PRAGMA wal_checkpoint(FULL)")
        raise dbhealth.DamagedDatabase(
            f"{wal.name} was deleted while this command ran; its changes were saved into {self.path.name}. "
            "Quit every Syllabus process, then run `syllabus backup --check`"
        )


def _configure(conn: sqlite3.Connection, *, read_only: bool = False) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the database to WAL (a no-op once it is: the mode is stored in the file).

    Switching needs an exclusive lock, and SQLite answers "database is locked" at once, without
    the busy handler, while another process has the new database open (two processes starting
    on a fresh home). So the switch is retried, for as long as the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def connect(path: Path | None = None, *, migrate: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the database and bring every registered schema up to date.

    The library's migrations are always registered; a higher layer (``index``) imports its
    own ``schema`` module before connecting so its tables are migrated too. A damaged database,
    one made by a newer Syllabus, and a home that cannot be used raise a one-line
    :class:`~library.errors.SyllabusError`.
    """
    if path is None:
        paths.ensure_home()
        path = paths.database_path()
    path = Path(path)
    main = path == paths.database_path()
    if main:
        _sweep_once()
    exists = dbhealth.preflight(path)
    writable = os.access(path.parent, os.W_OK) and (not exists or os.access(path, os.W_OK))
    if not exists:
        if not writable:
            raise dbhealth.DatabaseUnavailable(f"{path.parent} is read-only: cannot create the database")
        _create(path)
    conn = _open(path, writable=writable)
    try:
        conn.execute("SELECT name, sql FROM sqlite_master").fetchall()  # the schema reads and parses
        _refuse_newer(conn, path)
        if migrate:
            apply_migrations(conn, backup_to=paths.backups_dir() if main else None)
        conn.wal = conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        if main and writable:
            conn.backups_dir = paths.backups_dir()
    except BaseException as exc:
        conn.close()
        if isinstance(exc, UnicodeDecodeError):
            raise dbhealth.damaged(path, "its schema is garbled") from None
        translated = dbhealth.translate(exc, path)
        if translated is not None:
            raise translated from None
        raise
    return conn


_swept: set[Path] = set()


def _sweep_once() -> None:
    """Remove the temporaries killed processes left in the data home (once per process and home)."""
    home = paths.data_home()
    if home not in _swept:
        _swept.add(home)
        sweep.sweep(home)


def _open(path: Path, *, writable: bool) -> Connection:
    target, uri = str(path), False
    if not writable:
        # A read-only home (a mounted backup, a locked-down machine): reading still works. With no
        # write-ahead log beside it nothing unsaved can exist, and SQLite is told the file cannot
        # change (so it needs no -shm file, which it could not create).
        immutable = not path.with_name(path.name + "-wal").exists()
        target, uri = dbhealth.read_only_uri(path, immutable=immutable), True
    try:
        conn = sqlite3.connect(
            target,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
            factory=Connection,
            uri=uri,
        )
        conn.path = path
        conn.read_only = not writable
        _configure(conn, read_only=not writable)
    except sqlite3.DatabaseError as exc:
        translated = dbhealth.translate(exc, path)
        if translated is not None:
            raise translated from None
        raise
    except UnicodeDecodeError:
        # SQLite's own error message quoted a garbled schema that is not even UTF-8.
        raise dbhealth.damaged(path, "its schema is garbled") from None
    return conn


def _create(path: Path) -> None:
    """Build a new database beside ``path`` and link it into place whole.

    Two processes starting on a fresh home may both build one; the first link wins and the other
    process uses it. A process killed here leaves a hidden ``.tmp`` file that the next start sweeps.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        conn = sqlite3.connect(tmp, isolation_level=None, factory=Connection)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            apply_migrations(conn)
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
            os.link(tmp, path)
        atomic.fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction: all of it lands, or none of it does.

    A failure is reported as what it is: the rollback never hides it (SQLite may already have
    rolled back by itself after a full disk or an I/O error), and damage, a full disk or a
    read-only home become one-line errors.
    """
    if conn.in_transaction:
        # Nested: the outer transaction owns commit and rollback.
        yield conn
        return
    if isinstance(conn, Connection):
        conn.before_write()
    with _transaction(conn):
        yield conn
    if isinstance(conn, Connection):
        conn.after_commit()


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    path = conn.path if isinstance(conn, Connection) else None
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as exc:
        raise _translated(exc, path) from None
    try:
        yield conn
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, sqlite3.DatabaseError):
            raise _translated(exc, path) from None
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        _rollback(conn)
        raise _translated(exc, path) from None


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # the error that brought us here is the one to report
            conn.execute("ROLLBACK")


def _translated(exc: sqlite3.DatabaseError, path: Path | None) -> BaseException:
    if path is None:
        return exc
    return dbhealth.translate(exc, path) or exc


def _applied(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not has_table:
        return []
    return [(r[0], r[1]) for r in conn.execute("SELECT scope, number FROM _migrations")]


def _refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    unknown = MIGRATIONS.unknown(_applied(conn))
    if unknown:
        raise dbhealth.newer(path, unknown, {scope: MIGRATIONS.newest(scope) for scope, _ in unknown})


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made. ``Cursor.lastrowid`` is typed ``int | None`` because
    other statements leave it unset; after an INSERT it is always set."""
    row_id = cur.lastrowid
    if row_id is None:
        raise RuntimeError("the statement inserted no row")
    return row_id


def _ensure_migrations_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations ("
        " scope TEXT NOT NULL, number INTEGER NOT NULL, name TEXT NOT NULL,"
        " applied_at REAL NOT NULL, PRIMARY KEY (scope, number))"
    )


def pending_migrations(conn: sqlite3.Connection) -> list[Migration]:
    return MIGRATIONS.pending(_applied(conn))


def apply_migrations(conn: sqlite3.Connection, backup_to: Path | None = None) -> list[Migration]:
    """Apply every pending migration, each in its own transaction. Returns what ran.

    Before touching a database that has data, it is checked (a damaged one is refused, never
    migrated) and copied to ``backup_to``.
    """
    pending = pending_migrations(conn)
    if not pending:
        return []
    path = conn.path if isinstance(conn, Connection) else None
    if isinstance(conn, Connection) and conn.read_only:
        raise dbhealth.DatabaseUnavailable(
            f"{path} must be upgraded by this version of Syllabus, but its folder is read-only"
        )
    _ensure_migrations_table(conn)
    has_data = conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] > 0
    if backup_to is not None and has_data:
        problem = dbhealth.quick_check(conn)
        if problem is not None and path is not None:
            raise dbhealth.damaged(path, problem)
        backups.take(conn, backup_to, reason="pre-migration")
        backups.prune(backup_to)
    ran = []
    for m in pending:
        with _transaction(conn):
            # Another process may have applied it while we waited for the lock.
            if conn.execute(
                "SELECT 1 FROM _migrations WHERE scope = ? AND number = ?", (m.scope, m.number)
            ).fetchone():
                continue
            m.apply(conn)
            conn.execute(
                "INSERT INTO _migrations (scope, number, name, applied_at) VALUES (?, ?, ?, ?)",
                (m.scope, m.number, m.name, time.time()),
            )
        ran.append(m)
    return ran


def backup(conn: sqlite3.Connection, directory: Path, reason: str = "manual") -> Path:
    """Check the live database and copy it into ``directory`` (see :func:`library.backups.take`)."""
    problem = dbhealth.quick_check(conn)
    if problem is not None:
        path = conn.path if isinstance(conn, Connection) and conn.path else paths.database_path()
        raise dbhealth.damaged(path, problem)
    return backups.take(conn, directory, reason=reason)
