"""``syllabus index update`` killed with SIGKILL part-way loses nothing and the next run finishes.

A real corpus PDF and a few hundred notes are indexed by the CLI in a subprocess (the same data
home; the session's verified ONNX export is linked in, so nothing is re-exported). As soon as
some vectors are committed — and before all are — the process is killed with ``kill -9``. Then:
every note is still there, word for word; SQLite's integrity check passes; running the update
again completes; ``index status`` shows nothing stale; and a search gives the same results as a
library indexed in one uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.db import connect

pytestmark = pytest.mark.slow

PAPER = "1312.5602"  # Playing Atari with Deep RL: 9 pages, ~29 passages
NOTES = 300  # embedded in batches of 64 before the passages: several commits to land between
QUERIES = ["storing past transitions and sampling them at random", "note about topic 7 of the replay buffer"]
SYLLABUS = Path(sys.executable).with_name("syllabus")


def _prepare(home: Path, corpus: Path, onnx_cache: Path, monkeypatch) -> list[tuple]:
    """Attach the paper and add the notes in ``home``; returns the notes as stored."""
    from index.notes import add_note
    from library import curricula
    from library.fetch.local import attach

    monkeypatch.setenv("SYLLABUS_HOME", str(home))
    home.mkdir(exist_ok=True)
    (home / "index").mkdir(exist_ok=True)
    (home / "index" / "onnx").symlink_to(onnx_cache, target_is_directory=True)
    conn = connect()
    found = curricula.find(curricula.active(conn), PAPER)
    attach(conn, found.reading, corpus / "arxiv" / f"{PAPER}.pdf")
    key = f"arxiv:{PAPER}"
    for n in range(NOTES):
        add_note(
            conn,
            body=f"Note about topic {n % 40} of the replay buffer, thought number {n}: "
            + "experience replay breaks correlations between samples. " * (1 + n % 3),
            reading_key=key if n % 2 else None,
            tags=[f"t{n % 5}"],
        )
    notes = _notes(conn)
    conn.close()
    return notes


def _notes(conn: sqlite3.Connection) -> list[tuple]:
    rows = conn.execute(
        "SELECT id, uuid, body, reading_key, created_at, updated_at, deleted_at FROM notes ORDER BY id"
    ).fetchall()
    tags = conn.execute("SELECT note_id, tag FROM note_tags ORDER BY note_id, tag").fetchall()
    return [tuple(r) for r in rows] + [tuple(t) for t in tags]


def _cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, SYLLABUS_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run([str(SYLLABUS), *args], env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def _count_embeddings(home: Path) -> int:
    db = sqlite3.connect(f"file:{home / 'syllabus.db'}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0
    finally:
        db.close()


def _results(home: Path) -> list[list[tuple]]:
    out = []
    for query in QUERIES:
        hits = json.loads(_cli(home, "search", query, "--json", "-k", "8").stdout)
        out.append([(h["kind"], h["text"], h["section"], h["page"], round(h["score"], 6)) for h in hits])
    return out


def test_kill_9_during_index_update_loses_nothing(corpus, onnx_cache, tmp_path, monkeypatch):
    killed_home, fresh_home = tmp_path / "killed", tmp_path / "fresh"
    notes_before = _prepare(killed_home, corpus, onnx_cache, monkeypatch)

    env = dict(os.environ, SYLLABUS_HOME=str(killed_home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.Popen(
        [str(SYLLABUS), "index", "update"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        committed = 0
        deadline = time.monotonic() + 300  # a guard against a hung child, not a timing assert
        while committed == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
            committed = _count_embeddings(killed_home)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the update finished before it could be killed"

    conn = connect()
    passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    at_kill = conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert 0 < at_kill < NOTES + passages, "the kill did not land part-way through embedding"
    # Nothing the user wrote was touched, and the file is sound.
    assert _notes(conn) == notes_before
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()

    # The next run picks up where the killed one stopped, and then there is nothing left to do.
    report = json.loads(_cli(killed_home, "index", "update", "--json").stdout)
    assert report["notes_embedded"] + report["passages_embedded"] == NOTES + passages - at_kill
    again = json.loads(_cli(killed_home, "index", "update", "--json").stdout)
    assert (again["documents_indexed"], again["notes_embedded"], again["passages_embedded"]) == (0, 0, 0)
    status = json.loads(_cli(killed_home, "index", "status", "--json").stdout)
    assert status["documents_unindexed"] == 0
    assert status["missing"] == {"note": 0, "passage": 0}
    assert status["embedded"] == {"note": NOTES, "passage": passages}
    assert {kind: s["state"] for kind, s in status["faiss"].items()} == {"note": "fresh", "passage": "fresh"}
    conn = connect()
    assert _notes(conn) == notes_before
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    # The same library indexed in one go answers every query the same way.
    _prepare(fresh_home, corpus, onnx_cache, monkeypatch)
    _cli(fresh_home, "index", "update")
    assert _results(killed_home) == _results(fresh_home)
