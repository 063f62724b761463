"""Two processes writing notes at the same moment: nothing lost, no "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

# Each writer opens its own connection (as the app and the CLI do) and adds notes one
# transaction at a time, so the two interleave as much as SQLite lets them.
WRITER = textwrap.dedent(
    """
    import sys
    from index.db import connect
    from index.notes import Anchor, add_note

    name, count = sys.argv[1], int(sys.argv[2])
    sys.stdin.readline()  # wait for the go signal so both start together
    conn = connect()
    for i in range(count):
        add_note(conn, body=f"{name} note {i}", curriculum="deep-learning", reading_id="attention",
                 reading_key="arxiv:1706.03762", chapter=1, tags=[name, f"n{i % 7}"],
                 anchor=Anchor(page=1 + i % 15, exact=f"quoted passage {i}", status="attached"))
    conn.close()
    print("done", name)
    """
)


def _writer(name: str, count: int, home) -> subprocess.Popen:
    env = dict(os.environ, SYLLABUS_HOME=str(home))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, name, str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("fresh_database", [True, False], ids=["racing-migrations", "existing-database"])
def test_two_processes_add_500_notes_each(syllabus_home, fresh_database):
    if not fresh_database:
        from index.db import connect

        connect().close()
    writers = [_writer(name, 500, syllabus_home) for name in ("alpha", "beta")]
    for w in writers:
        w.stdin.write("go\n")
        w.stdin.flush()
    results = [w.communicate(timeout=300) for w in writers]
    for w, (out, err) in zip(writers, results, strict=False):
        assert w.returncode == 0, err
        assert "locked" not in err
        assert out.startswith("done")

    from index.db import connect
    from index.notes import list_notes

    conn = connect()
    notes = list_notes(conn)
    assert len(notes) == 1000
    assert len({n.uuid for n in notes}) == 1000
    for name in ("alpha", "beta"):
        bodies = {n.body for n in list_notes(conn, tag=name)}
        assert bodies == {f"{name} note {i}" for i in range(500)}
    # The full-text index and the history kept pace with every write.
    assert conn.execute("SELECT count(*) FROM notes_fts").fetchone()[0] == 1000
    assert conn.execute("SELECT count(*) FROM note_history WHERE action = 'create'").fetchone()[0] == 1000
    assert conn.execute("SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'beta'").fetchone()[0] == 500
    conn.close()


def test_four_processes_starting_on_a_fresh_home(syllabus_home):
    """All four switch the new database to WAL, migrate it and back it up at the same moment.

    Before library.db retried the WAL switch and gave each backup its own temporary file, this
    failed now and then with "database is locked" or "disk I/O error".
    """
    writers = [_writer(f"w{i}", 50, syllabus_home) for i in range(4)]
    for w in writers:
        w.stdin.write("go\n")
        w.stdin.flush()
    for w in writers:
        _out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err

    from index.db import connect

    conn = connect()
    assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 200
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert not list((syllabus_home / "backups").glob("*.tmp"))  # no temporary copy left behind


def test_kill_9_mid_writing_loses_no_committed_note(syllabus_home):
    """A writer killed at a random point: every note it finished is whole, nothing half-written remains."""
    import signal
    import time

    from index.db import connect

    connect().close()
    writer = _writer("victim", 100_000, syllabus_home)
    writer.stdin.write("go\n")
    writer.stdin.flush()
    conn = connect()
    deadline = time.monotonic() + 120
    while conn.execute("SELECT count(*) FROM notes").fetchone()[0] < 200:
        assert time.monotonic() < deadline, "writer made no progress"
        assert writer.poll() is None, writer.stderr.read()
        time.sleep(0.02)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    writer.stderr.close()
    writer.stdin.close()
    conn.close()

    conn = connect()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    notes = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    assert notes >= 200
    # Each note landed whole: its tags, its anchor, its history row and its full-text row.
    for table in ("anchors", "notes_fts"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == notes
    assert conn.execute("SELECT count(*) FROM note_history").fetchone()[0] == notes
    assert conn.execute("SELECT count(*) FROM note_tags").fetchone()[0] == 2 * notes
    bodies = {r[0] for r in conn.execute("SELECT body FROM notes")}
    assert bodies == {f"victim note {i}" for i in range(notes)}
    conn.close()
