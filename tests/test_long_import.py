"""A large notes import keeps all-or-nothing without locking other writers out (issue 16, finding 8).

The import writes in short transactions (an import batch) and leaves the write lock free between
them; a failure removes what it added; a ``kill -9`` is undone by the next process that opens
the database.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest
from entry_point import SYLLABUS, syllabus

from index import import_batches
from index.db import connect
from index.export import import_annotations
from library import paths


def _annotations(n: int) -> dict:
    return {
        "type": "AnnotationCollection",
        "first": {
            "items": [
                {
                    "type": "Annotation",
                    "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
                    "body": [
                        {"type": "TextualBody", "value": f"note {i}: why the logits are scaled"},
                        {"type": "TextualBody", "value": f"tag{i % 7}", "purpose": "tagging"},
                    ],
                    "target": "https://arxiv.org/abs/1706.03762",
                }
                for i in range(1, n + 1)
            ]
        },
    }


def _count(table: str) -> int:
    raw = sqlite3.connect(paths.database_path())
    try:
        return raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        raw.close()


def test_the_lock_is_free_between_short_transactions(monkeypatch):
    conn = connect()
    other = sqlite3.connect(paths.database_path(), timeout=0, isolation_level=None)  # fails at once if locked
    monkeypatch.setattr(import_batches, "CHUNK_SECONDS", 0.02)
    pauses = []

    def pause(seconds: float) -> None:
        other.execute("BEGIN IMMEDIATE")  # another writer gets the lock in the pause
        other.execute("INSERT INTO settings (key, value) VALUES (?, 'x')", (f"between-{len(pauses)}",))
        other.execute("COMMIT")
        pauses.append(seconds)

    monkeypatch.setattr(import_batches.time, "sleep", pause)
    report = import_annotations(conn, _annotations(1500))
    assert len(report.added) == 1500
    assert len(pauses) >= 2  # several transactions, another writer in each gap
    assert _count("notes") == 1500 and _count("import_batches") == 0 and _count("import_batch_notes") == 0


def test_a_failed_import_removes_what_it_added(monkeypatch):
    conn = connect()
    from index import export

    real_add = export.add_note
    calls = {"n": 0}

    def failing_add(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 900:
            raise OSError(28, "No space left on device")
        return real_add(*args, **kwargs)

    monkeypatch.setattr(import_batches, "CHUNK_SECONDS", 0.02)
    monkeypatch.setattr(import_batches, "PAUSE_SECONDS", 0)
    monkeypatch.setattr(export, "add_note", failing_add)
    with pytest.raises(OSError):
        import_annotations(conn, _annotations(1200))
    assert _count("notes") == 0 and _count("notes_fts") == 0 and _count("import_batches") == 0


def test_a_killed_import_is_undone_by_the_next_process(syllabus_home, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text(json.dumps(_annotations(30_000)), encoding="utf-8")
    assert syllabus(syllabus_home, "note", "add", "--standalone", "mine").returncode == 0
    proc = subprocess.Popen(
        [str(SYLLABUS), "import", "notes", str(path)],
        env={**os.environ, "SYLLABUS_HOME": str(syllabus_home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _count("notes") < 1000:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 1 < _count("notes") < 30_001, "the kill was meant to land mid-import"
    listing = syllabus(syllabus_home, "note", "list", "--json")
    assert [n["body"] for n in json.loads(listing.stdout)] == ["mine"]
    assert _count("import_batches") == 0
    again = syllabus(syllabus_home, "import", "notes", str(path), "--json")
    assert len(json.loads(again.stdout)["added"]) == 30_000


def test_a_live_import_is_left_alone(syllabus_home):
    conn = connect()
    batch = import_batches.begin(conn)  # this process is alive: its batch is not a leftover
    assert import_batches.recover(connect()) == 0
    import_batches.finish(conn, batch)
    assert _count("import_batches") == 0
