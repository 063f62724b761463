"""Spaced review of notes with FSRS: what is due, grading, exclusion, persistence, Anki export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from library.errors import NotFound, UsageError

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def conn():
    from index.db import connect

    c = connect()
    yield c
    c.close()


def add(conn, body="Attention weights are a softmax over scaled dot products.", **kw):
    from index.notes import add_note

    kw.setdefault("curriculum", "deep-learning")
    kw.setdefault("reading_id", "attention")
    kw.setdefault("chapter", 1)
    return add_note(conn, body=body, **kw)


def log_rows(conn):
    return [tuple(r) for r in conn.execute("SELECT * FROM review_log ORDER BY id")]


def card_rows(conn):
    return [tuple(r) for r in conn.execute("SELECT * FROM review_cards ORDER BY note_id")]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("again", 1),
        ("Hard", 2),
        ("good", 3),
        ("EASY", 4),
        ("1", 1),
        ("4", 4),
        (3, 3),
        ("g", 3),
        ("ea", 4),
    ],
)
def test_ratings(value, expected):
    from index.review import parse_rating

    assert parse_rating(value) == expected


@pytest.mark.parametrize("value", ["meh", "5", "0", 7, "", "a b", None, True])
def test_unknown_rating(value):
    from index.review import parse_rating

    with pytest.raises(UsageError, match="unknown grade"):
        parse_rating(value)


def test_new_notes_are_due_with_their_quote_and_reading(conn):
    from index import review
    from index.notes import Anchor

    note = add(conn, anchor=Anchor(exact="Scaled Dot-Product Attention", section="3.2.1", status="attached"))
    (item,) = review.due(conn)
    assert item.note_id == note.id and item.state == "new" and item.reps == 0
    assert item.quote == "Scaled Dot-Product Attention"
    assert item.reading_title == "Attention Is All You Need" and item.chapter == 1


def test_grade_schedules_and_reschedules(conn):
    from index import review

    note = add(conn)
    now = time.time()
    first = review.grade(conn, note.id, "good", now=now)
    assert first.due > now and first.rating_name == "good"
    assert review.due(conn, now) == []
    assert [i.note_id for i in review.due(conn, first.due + 1)] == [note.id]
    # Recalled well again after the due time: the interval grows.
    second = review.grade(conn, note.id, "easy", now=first.due + 1)
    assert second.interval_seconds > first.interval_seconds
    # Forgetting brings it back soon.
    third = review.grade(conn, note.id, "again", now=second.due + 1)
    assert third.interval_seconds < second.interval_seconds
    assert [h["rating_name"] for h in review.history(conn, note.id)] == ["good", "easy", "again"]
    assert review.due(conn, third.due + 1)[0].reps == 3


def test_bad_grades_change_nothing(conn):
    from index import review
    from index.notes import delete_note

    note = add(conn)
    review.grade(conn, note.id, "good")
    cards, logs = card_rows(conn), log_rows(conn)
    with pytest.raises(UsageError, match="unknown grade"):
        review.grade(conn, note.id, "perfect")
    with pytest.raises(NotFound):
        review.grade(conn, 999, "good")
    delete_note(conn, note.id)
    with pytest.raises(NotFound):
        review.grade(conn, note.id, "good")
    assert card_rows(conn) == cards and log_rows(conn) == logs


def test_exclude_and_include(conn):
    from index import review

    keep, drop = add(conn, "kept"), add(conn, "dropped")
    review.exclude(conn, drop.id)
    assert [i.note_id for i in review.due(conn)] == [keep.id]
    logs = log_rows(conn)
    with pytest.raises(UsageError, match="excluded from review"):
        review.grade(conn, drop.id, "good")
    assert log_rows(conn) == logs
    review.include(conn, drop.id)
    assert {i.note_id for i in review.due(conn)} == {keep.id, drop.id}
    assert review.stats(conn).due_now == 2


def test_deleted_notes_leave_review(conn):
    from index import review
    from index.notes import delete_note

    note = add(conn)
    delete_note(conn, note.id)
    assert review.due(conn) == []


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SYLLABUS_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "reader.cli", *args], capture_output=True, text=True, cwd=REPO, env=env
    )


def test_grades_persist_across_processes(conn, syllabus_home):
    note = add(conn)
    conn.close()
    first = _cli(syllabus_home, "review", "grade", str(note.id), "good", "--json")
    assert first.returncode == 0, first.stderr
    due_after = json.loads(first.stdout)["due"]
    listed = _cli(syllabus_home, "review", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    bad = _cli(syllabus_home, "review", "grade", str(note.id), "superb")
    assert bad.returncode == 2 and "unknown grade" in bad.stderr and "Traceback" not in bad.stderr
    from index import review
    from index.db import connect

    again = connect()
    try:
        row = again.execute("SELECT due, reps FROM review_cards WHERE note_id = ?", (note.id,)).fetchone()
        assert row["due"] == pytest.approx(due_after) and row["reps"] == 1
        assert [h["rating_name"] for h in review.history(again, note.id)] == ["good"]
    finally:
        again.close()


def test_interactive_review(conn, run_cli):
    add(conn, "first note")
    second = add(conn, "second note")
    # Enter to reveal, a wrong grade (asked again), then good; the second is skipped.
    code, out, err = run_cli("review", input="\nsuperb\ngood\n\ns\n")
    assert code == 0, err
    assert "first note" in out and "second note" in out and "reviewed 1" in out
    assert "unknown grade" in out + err
    from index import review

    assert [i.note_id for i in review.due(conn)] == [second.id]
    code, out, _ = run_cli("review", "--json")
    assert [i["note_id"] for i in json.loads(out)] == [second.id]
    code, out, _ = run_cli("review", input="\nx\n")
    assert code == 0 and review.is_excluded(conn, second.id)
    code, out, _ = run_cli("review")
    assert code == 0 and "no notes due" in out


def test_anki_export(conn, run_cli, tmp_path):
    from index.notes import Anchor

    add(conn, "a note <with> markup", tags=["key idea"], anchor=Anchor(exact="multi-head", status="attached"))
    add(conn, "another")
    target = tmp_path / "notes.apkg"
    code, _, err = run_cli("export", "--format", "anki", "-o", str(target))
    assert code == 0, err
    assert "wrote 2 notes" in err
    with zipfile.ZipFile(target) as z:
        assert "collection.anki2" in z.namelist()
        import sqlite3

        db = tmp_path / "c.anki2"
        db.write_bytes(z.read("collection.anki2"))
    anki = sqlite3.connect(db)
    fields = sorted(r[0] for r in anki.execute("SELECT flds FROM notes"))
    anki.close()
    assert len(fields) == 2
    assert any("a note &lt;with&gt; markup" in f and "multi-head" in f for f in fields)
    code, _, err = run_cli("export", "--format", "anki")
    assert code == 2 and "-o FILE.apkg" in err
