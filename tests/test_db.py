"""The database: location, pragmas, migrations, backups, atomic writes."""

from __future__ import annotations

import sqlite3

import pytest

from library import db, paths
from library.migrations import run_script
from library.schema import MIGRATIONS, migration


def test_home_follows_env(syllabus_home):
    assert paths.data_home() == syllabus_home.resolve()
    assert paths.database_path().parent == syllabus_home.resolve()


def test_home_defaults_to_platform_dir(monkeypatch):
    monkeypatch.delenv("SYLLABUS_HOME")
    from platformdirs import user_data_dir

    assert str(paths.data_home()) == user_data_dir("syllabus", appauthor=False)


def test_connect_sets_pragmas_and_migrates():
    conn = db.connect()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    applied = {(r["scope"], r["number"]) for r in conn.execute("SELECT scope, number FROM _migrations")}
    assert ("library", 1) in applied
    assert db.pending_migrations(conn) == []


def test_write_rolls_back_on_error():
    conn = db.connect()
    with pytest.raises(RuntimeError), db.write(conn):
        conn.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
        raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM settings").fetchone()[0] == 0


def test_failed_migration_leaves_last_good_state(tmp_path):
    path = tmp_path / "x.db"
    conn = db.connect(path)
    calls = []

    @migration("test-broken", 1)
    def broken(c: sqlite3.Connection) -> None:
        calls.append(1)
        run_script(c, "CREATE TABLE half (a); INSERT INTO nope VALUES (1);")

    try:
        with pytest.raises(sqlite3.OperationalError):
            db.apply_migrations(conn)
        assert calls
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "half" not in tables  # the whole migration rolled back
        assert not conn.execute("SELECT 1 FROM _migrations WHERE scope = 'test-broken'").fetchone()
    finally:
        MIGRATIONS.unregister("test-broken")


def test_backup_before_pending_migration(syllabus_home):
    conn = db.connect()
    conn.close()

    @migration("test-extra", 1)
    def extra(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE extra (a)")

    try:
        conn = db.connect()
        backups = list(paths.backups_dir().glob("*.db"))
        assert len(backups) == 1
        copy = sqlite3.connect(backups[0])
        assert copy.execute("SELECT count(*) FROM _migrations WHERE scope = 'test-extra'").fetchone()[0] == 0
    finally:
        MIGRATIONS.unregister("test-extra")


def test_run_script_rejects_incomplete_sql():
    conn = db.connect()
    with pytest.raises((ValueError, sqlite3.Error)):
        run_script(conn, "CREATE TABLE t (a")


def test_run_script_keeps_semicolons_in_strings_and_comments():
    conn = db.connect()
    with db.write(conn):
        run_script(
            conn, "-- a comment; with a semicolon\nCREATE TABLE t (a TEXT);\nINSERT INTO t VALUES ('x;y');"
        )
    assert conn.execute("SELECT a FROM t").fetchone()[0] == "x;y"


def test_inside_home_refuses_escape(syllabus_home):
    with pytest.raises(ValueError):
        paths.inside_home(syllabus_home / ".." / "elsewhere")
    assert paths.inside_home(syllabus_home / "documents" / "a.pdf").name == "a.pdf"
