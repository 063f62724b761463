"""The one SQLite database that holds all user state.

Connections use WAL (readers never block the writer), a busy timeout (the app and the
CLI may write at the same time) and foreign keys. Writes go through :func:`write`, which
takes the write lock up front (``BEGIN IMMEDIATE``) so two processes never deadlock
upgrading a read lock.

Schema changes are numbered migrations, grouped by the layer that owns them (``library``
here; ``index`` registers its own), recorded in the ``_migrations`` table. The database
is backed up before any pending migration runs against an existing database.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from library import paths

BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Migration:
    scope: str
    number: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


_REGISTRY: dict[str, list[Migration]] = {}


def migration(scope: str, number: int) -> Callable[[Callable[[sqlite3.Connection], None]], Callable]:
    """Register ``fn`` as migration ``number`` of ``scope``. Numbers never change once shipped."""

    def register(fn: Callable[[sqlite3.Connection], None]) -> Callable:
        existing = _REGISTRY.setdefault(scope, [])
        if any(m.number == number for m in existing):
            raise RuntimeError(f"duplicate migration {scope} {number}")
        existing.append(Migration(scope, number, fn.__name__, fn))
        existing.sort(key=lambda m: m.number)
        return fn

    return register


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
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
    own ``schema`` module before connecting so its tables are migrated too.
    """
    if path is None:
        paths.ensure_home()
        path = paths.database_path()
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    _configure(conn)
    if migrate:
        apply_migrations(conn, backup_to=paths.backups_dir() if path == paths.database_path() else None)
    return conn


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction: all of it lands, or none of it does."""
    if conn.in_transaction:
        # Nested: the outer transaction owns commit and rollback.
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


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
    import library.schema  # noqa: F401  (registers the library migrations)

    _ensure_migrations_table(conn)
    done = {(r["scope"], r["number"]) for r in conn.execute("SELECT scope, number FROM _migrations")}
    order = sorted(_REGISTRY, key=lambda s: (s != "library", s))  # library first: others build on it
    return [m for scope in order for m in _REGISTRY[scope] if (m.scope, m.number) not in done]


def apply_migrations(conn: sqlite3.Connection, backup_to: Path | None = None) -> list[Migration]:
    """Apply every pending migration, each in its own transaction. Returns what ran."""
    pending = pending_migrations(conn)
    if not pending:
        return []
    has_data = conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] > 0
    if backup_to is not None and has_data:
        backup(conn, backup_to, reason="pre-migration")
    ran = []
    for m in pending:
        with write(conn):
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
    """Copy the live database (consistently, through SQLite's backup API) into ``directory``."""
    import os
    import secrets

    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    # Several processes may back up in the same second (each one that finds a migration pending
    # does): the temporary copy gets a name of its own, and the final name is claimed with
    # os.link, which fails instead of overwriting when another process took it first.
    tmp = directory / f".syllabus-{stamp}-{reason}.{os.getpid()}-{secrets.token_hex(4)}.db.tmp"
    dest = sqlite3.connect(tmp)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    n = 1
    target = directory / f"syllabus-{stamp}-{reason}.db"
    try:
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


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several SQL statements inside the current transaction.

    ``Connection.executescript`` would COMMIT the open transaction first, so a migration
    that failed half-way could not be rolled back; this runs them one by one instead.
    """
    statement = ""
    # Split at each ";" that completes a statement (a ";" inside a string or trigger body does not).
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \t\n;"):
                conn.execute(statement)
            statement = ""
    if statement.strip(" \t\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {statement.strip()[:80]}")
