"""Progress: statuses, summaries, the study order and `next`, through the library and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from library import catalogue, curricula, db, progress
from library.errors import NotFound, UsageError

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def tiny():
    conn = db.connect()
    cur = catalogue.load_file(FIXTURES / "tiny.toml")
    curricula.install(conn, cur, source="test")
    curricula.use(conn, "tiny")
    return conn, cur


def test_mark_and_summary(tiny):
    conn, cur = tiny
    progress.mark(conn, cur, "basics-paper", "done")
    progress.mark(conn, cur, "basics-post", "skimmed")
    progress.mark(conn, cur, "ex1", "done", solution_url="https://example.org/mine")
    s = progress.summary(conn, cur)
    ch1 = s.chapters[0]
    assert (ch1.recommended.done, ch1.recommended.total) == (1, 1)
    assert (ch1.optional.done, ch1.optional.total) == (1, 1)
    assert (ch1.exercises.done, ch1.exercises.total) == (1, 1)
    assert (s.recommended.done, s.recommended.total) == (1, 3)
    row = progress.statuses(conn, "tiny")["ex1"]
    assert row["solution_url"] == "https://example.org/mine"
    history = conn.execute("SELECT count(*) FROM status_history").fetchone()[0]
    assert history == 3


def test_mark_by_arxiv_id_with_version(tiny):
    conn, cur = tiny
    found = progress.mark(conn, cur, "1111.11111v2", "reading")
    assert found.id == "basics-paper"


def test_bad_status_and_unknown_id_leave_db_untouched(tiny):
    conn, cur = tiny
    before = conn.execute("SELECT count(*) FROM status_history").fetchone()[0]
    with pytest.raises(UsageError, match="unknown status"):
        progress.mark(conn, cur, "basics-paper", "finished")
    with pytest.raises(UsageError, match="unknown status"):
        progress.mark(conn, cur, "ex1", "skimmed")  # reading statuses are not exercise statuses
    with pytest.raises(NotFound, match="closest: basics-paper"):
        progress.mark(conn, cur, "basics-papr", "done")
    assert conn.execute("SELECT count(*) FROM status_history").fetchone()[0] == before


def test_study_order_respects_helps(tiny):
    _, cur = tiny
    # Importance says 3, 1, 2; chapter 1 helps 2, which already follows it.
    assert progress.study_order(cur) == [3, 1, 2]
    flipped = catalogue.validate(
        catalogue.Curriculum(
            name="x",
            title="x",
            importance=[2, 1],
            chapters=[
                catalogue.Chapter(number=1, title="a", helps=[2]),
                catalogue.Chapter(number=2, title="b"),
            ],
        )
    )
    assert progress.study_order(flipped) == [1, 2]


def test_next_recommended_by_importance_then_optional(tiny):
    conn, cur = tiny
    ids = [s.reading.id for s in progress.next_readings(conn, cur, 10)]
    assert ids == ["standalone-paper", "basics-paper", "follow-paper", "standalone-extra", "basics-post"]
    progress.mark(conn, cur, "standalone-paper", "skipped")
    progress.mark(conn, cur, "follow-paper", "reading")
    ids = [s.reading.id for s in progress.next_readings(conn, cur, 10)]
    assert ids[0] == "follow-paper"  # started readings come first
    assert "standalone-paper" not in ids


def test_cli_mark_progress_across_processes(tiny, syllabus_home):
    env = {**os.environ, "SYLLABUS_HOME": str(syllabus_home)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "reader.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).parent.parent,
        )

    assert cli("mark", "basics-paper", "done").returncode == 0
    data = json.loads(cli("progress", "--json").stdout)
    assert data["chapters"][0]["recommended"] == {"done": 1, "total": 1}
    bad = cli("mark", "nonexistent", "done")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ")
    assert "Traceback" not in bad.stderr
    nxt = json.loads(cli("next", "--json").stdout)
    assert [n["id"] for n in nxt][:2] == ["standalone-paper", "follow-paper"]


def test_cli_show_prints_markup_literally(tiny, run_cli):
    code, out, _ = run_cli("show", "basics-post")
    assert code == 0
    assert "[bold]Post[/bold]" in out


def test_reading_time_estimate():
    assert progress.estimate_minutes(10) == 60
    assert progress.estimate_minutes(None) is None


def test_alternative_exercises_count_once():
    conn = db.connect()
    cur = catalogue.validate(
        catalogue.Curriculum(
            name="alt",
            title="alt",
            chapters=[
                catalogue.Chapter(
                    number=1,
                    title="a",
                    exercises=[
                        catalogue.Exercise(id="e1", title="this"),
                        catalogue.Exercise(id="e2", title="or that", alternative_to="e1"),
                        catalogue.Exercise(id="e3", title="and this"),
                    ],
                )
            ],
        )
    )
    curricula.install(conn, cur)
    assert (progress.summary(conn, cur).exercises.done, progress.summary(conn, cur).exercises.total) == (0, 2)
    progress.mark(conn, cur, "e2", "done")
    assert progress.summary(conn, cur).chapters[0].exercises.done == 1
