"""A damaged, newer or half-deleted database (issue 16, findings 2-4), through the real ``syllabus``.

Each damage gets one line naming the newest backup and ``syllabus backup --restore``, never a
traceback; an empty file is never silently replaced by a fresh database; a database with a
broken page or index is never written to; a database from a newer Syllabus is refused; a
write-ahead log deleted under a live process is reported, its writes kept, and noticed on the
next open.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from entry_point import syllabus

from library import backups, db, dbhealth, paths

COMMANDS = [
    ["note", "list"],
    ["note", "add", "--standalone", "x"],
    ["progress"],
    ["mark", "attention", "done"],
    ["log", "report"],
    ["export", "--format", "json"],
]


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _home_with_a_backup(home: Path) -> Path:
    """A database with a note, its daily backup (taken before the day's first write, so empty) and
    a manual one taken after the note."""
    assert syllabus(home, "note", "add", "--standalone", "kept").returncode == 0
    assert list((home / "backups").glob("syllabus-*-daily.db"))
    assert syllabus(home, "backup").returncode == 0
    return home / "syllabus.db"


def _integrity_ok(path: Path) -> bool:
    return not dbhealth.problems_in(path)


def test_an_empty_database_file_is_refused_not_recreated(syllabus_home):
    path = _home_with_a_backup(syllabus_home)
    path.write_bytes(b"")
    for args in COMMANDS:
        result = syllabus(syllabus_home, *args)
        line = _one_line(result)
        assert result.returncode != 0
        assert "syllabus.db is damaged (the file is empty (0 bytes))" in line
        assert "backups/syllabus-" in line and "`syllabus backup --restore`" in line
    assert path.stat().st_size == 0  # not replaced by a fresh, empty database


def test_a_file_that_is_not_a_database_names_the_backup_and_restore_brings_it_back(syllabus_home):
    path = _home_with_a_backup(syllabus_home)
    assert syllabus(syllabus_home, "note", "add", "--standalone", "after the backup").returncode == 0
    path.write_bytes(b"this is not a database at all" * 100)
    line = _one_line(syllabus(syllabus_home, "note", "list"))
    assert "not a SQLite database" in line and "syllabus backup --restore" in line

    restored = syllabus(syllabus_home, "backup", "--restore")
    assert restored.returncode == 0, restored.stderr
    assert "restored " in restored.stdout and "kept as" in restored.stdout
    assert list(syllabus_home.glob("syllabus.db.replaced-*"))  # the damaged file is kept, not deleted
    listing = syllabus(syllabus_home, "note", "list")
    assert listing.returncode == 0 and "kept" in listing.stdout


def test_bit_flips_never_give_a_traceback_and_never_get_written_to(syllabus_home, tmp_path):
    path = _home_with_a_backup(syllabus_home)
    for i in range(30):
        syllabus(syllabus_home, "note", "add", "--standalone", f"note {i} " * 20)
    good = path.read_bytes()
    written_while_broken = 0
    for trial in range(12):
        rnd = random.Random(trial)
        data = bytearray(good)
        for _ in range(40):
            data[rnd.randrange(100, len(data))] ^= 1 << rnd.randrange(8)
        for suffix in ("-wal", "-shm", ".damaged"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.write_bytes(bytes(data))
        broken = not _integrity_ok(path)
        for args in COMMANDS:
            result = syllabus(syllabus_home, *args)
            assert "Traceback" not in result.stderr, (trial, args, result.stderr)
            if result.returncode != 0:
                assert len(result.stderr.strip().splitlines()) == 1, result.stderr
            if broken and args[0] in ("mark",) and result.returncode == 0:
                written_while_broken += 1
    assert written_while_broken == 0


def test_a_broken_index_is_found_before_the_first_write(tmp_path):
    """An index entry that no longer matches its row (a flipped key) passes SQLite's page checks and
    writes would go on; the full check before a connection's first write finds it, and the damage is
    remembered for every later open."""
    path = tmp_path / "x.db"
    conn = db.connect(path)
    with db.write(conn):
        conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, 'v')", [(f"key-{i:04d}",) for i in range(50)]
        )
    root = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_settings_1'"
    ).fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    start = (root - 1) * page_size
    spot = data.find(b"key-0042", start, start + page_size)
    assert spot > 0
    data[spot : spot + 8] = b"key-9942"  # the index now points row 43 at another key
    path.write_bytes(bytes(data))
    assert not _integrity_ok(path)
    conn = db.connect(path)
    with pytest.raises(dbhealth.DamagedDatabase, match="damaged"), db.write(conn):
        conn.execute("INSERT INTO settings (key, value) VALUES ('new', 'v')")
    conn.close()
    with pytest.raises(dbhealth.DamagedDatabase, match="damaged"):
        db.connect(path)  # remembered: refused at once from now on


def test_a_database_from_a_newer_syllabus_is_refused(syllabus_home):
    path = _home_with_a_backup(syllabus_home)
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO _migrations VALUES ('library', 999, 'from the future', 0)")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    for args in COMMANDS:
        result = syllabus(syllabus_home, *args)
        line = _one_line(result)
        assert result.returncode != 0
        assert "made by a newer Syllabus" in line and "library 999" in line
    assert path.read_bytes() == before  # not written to


def test_write_reports_the_real_error_not_the_rollback(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    conn.execute("PRAGMA max_page_count = 30")  # a database that cannot grow: SQLITE_FULL
    with pytest.raises(dbhealth.DatabaseUnavailable, match="full"), db.write(conn):
        for i in range(2000):
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (f"k{i}", "v" * 500))
    assert not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM settings").fetchone()[0] == 0


_LIVE_WRITER = """
import os, sys
from index.db import connect
from index import notes
from library import paths
conn = connect()
notes.add_note(conn, body="before the log went")
os.unlink(str(paths.database_path()) + "-wal")
try:
    notes.add_note(conn, body="after the log went")
except Exception as exc:
    print(type(exc).__name__, exc, flush=True)
os.kill(os.getpid(), 9)  # dies without closing anything
"""


def test_a_deleted_write_ahead_log_is_reported_and_its_writes_kept(syllabus_home):
    assert syllabus(syllabus_home, "note", "add", "--standalone", "first").returncode == 0
    writer = subprocess.run(
        [sys.executable, "-c", _LIVE_WRITER],
        env={**os.environ, "SYLLABUS_HOME": str(syllabus_home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert writer.returncode == -signal.SIGKILL
    assert "DamagedDatabase" in writer.stdout and "syllabus.db-wal was deleted" in writer.stdout
    # The next open notices the log is gone (its -shm is left without it) and says what to do.
    line = _one_line(syllabus(syllabus_home, "note", "list"))
    assert "syllabus.db-wal was deleted" in line and "syllabus backup --check" in line
    check = syllabus(syllabus_home, "backup", "--check")
    assert check.returncode == 0 and check.stdout.strip().endswith(": ok"), check.stderr
    listing = syllabus(syllabus_home, "note", "list")
    assert listing.returncode == 0
    for body in ("first", "before the log went", "after the log went"):  # every acknowledged write
        assert body in listing.stdout


def test_daily_backups_roll_and_a_damaged_database_is_never_backed_up(syllabus_home):
    paths.ensure_home()
    directory = paths.backups_dir()
    directory.mkdir()
    for day in range(1, 10):  # nine old daily copies, and a manual one that is never pruned
        (directory / f"syllabus-202601{day:02d}-120000-daily.db").write_bytes(b"old")
    (directory / "syllabus-20250101-120000-manual.db").write_bytes(b"mine")
    conn = db.connect()
    with db.write(conn):
        conn.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
    daily = [b for b in backups.listing(directory) if b.reason == "daily"]
    assert len(daily) == backups.KEEP_DAILY
    assert backups.taken_today(directory, "daily")
    assert (directory / "syllabus-20250101-120000-manual.db").exists()
    conn.close()

    for copy in directory.glob("*daily.db"):
        copy.unlink()
    path = paths.database_path()
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = os.urandom(4096)
    path.write_bytes(bytes(data))
    if _integrity_ok(path):
        pytest.skip("the random bytes happened to land in free space")
    with pytest.raises(dbhealth.DamagedDatabase):
        conn = db.connect()
        with db.write(conn):
            conn.execute("INSERT INTO settings (key, value) VALUES ('c', 'd')")
    assert not list(directory.glob("*daily.db"))


def test_two_processes_starting_on_a_fresh_home_share_one_database(syllabus_home):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "from index.db import connect; connect().close()"],
            env={**os.environ, "SYLLABUS_HOME": str(syllabus_home)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert syllabus(syllabus_home, "note", "list").returncode == 0
    assert not [p for p in syllabus_home.iterdir() if p.name.endswith(".tmp")]


def test_a_new_data_home_is_private(tmp_path, monkeypatch):
    home = tmp_path / "fresh" / "syllabus"
    monkeypatch.setenv("SYLLABUS_HOME", str(home))
    db.connect().close()
    assert home.stat().st_mode & 0o777 == 0o700


def test_the_migrations_registry_has_no_import_cycle():
    code = (
        "import sys; import library.schema; "
        "assert 'library.db' not in sys.modules, 'schema imported db'; "
        "import library.migrations as m; assert not [n for n in vars(m) if n == 'db']"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_app_refuses_a_damaged_database_with_the_one_line(syllabus_home):
    path = _home_with_a_backup(syllabus_home)
    path.write_bytes(b"")
    result = syllabus(syllabus_home)  # `syllabus` alone opens the app: it stops before drawing anything
    assert result.returncode == 1
    assert "syllabus.db is damaged" in _one_line(result)


async def test_damage_met_mid_session_ends_the_app_with_the_one_line(syllabus_home):
    from reader.app import make_app

    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # Another process found the database damaged: the next connection (the progress screen's
        # worker) is refused, and the app ends with the CLI's message instead of a traceback.
        dbhealth.mark_damaged(paths.database_path(), "database disk image is malformed")
        await pilot.press("p")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert isinstance(app.fatal_error, dbhealth.DamagedDatabase)
    assert "syllabus backup --restore" in str(app.fatal_error) or "no backup" in str(app.fatal_error)
    assert app.return_code == 1
