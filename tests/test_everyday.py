"""Everyday commands, as a user types them (the installed ``syllabus`` in a subprocess)."""

from __future__ import annotations

import json
import re
import shlex
from datetime import datetime, timedelta

import pytest
from entry_point import OFFLINE, syllabus
from fetch_server import generated_pdf


def ok(home, *args: str, env: dict | None = None) -> str:
    result = syllabus(home, *args, env=env)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result.stdout


def test_note_reanchor_takes_a_reading_or_a_note_number(syllabus_home, tmp_path):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(generated_pdf(pages=3))
    ok(syllabus_home, "attach", "attention", str(pdf))
    ok(syllabus_home, "note", "add", "attention", "a note on page two", "--page", "2")
    by_reading = ok(syllabus_home, "note", "reanchor", "attention")
    by_note = ok(syllabus_home, "note", "reanchor", "1")
    assert by_note == by_reading and by_note.startswith("arxiv:1706.03762: ")
    missing = syllabus(syllabus_home, "note", "reanchor", "42")
    assert missing.returncode == 2 and missing.stderr == "error: no note 42\n"


def test_open_dry_run_prints_the_command(syllabus_home, tmp_path):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(generated_pdf(pages=3))
    ok(syllabus_home, "attach", "attention", str(pdf))
    out = ok(
        syllabus_home, "open", "attention", "--dry-run", env={"SYLLABUS_PDF_VIEWER": "viewer --page={page}"}
    )
    command = shlex.split(out)
    assert command[0] == "viewer" and command[2].endswith("documents/arxiv/1706.03762.pdf")
    # The page is where the assigned Section 3 starts: the same as the JSON form reports.
    facts = json.loads(ok(syllabus_home, "open", "attention", "--dry-run", "--json"))
    assert command[1] == f"--page={facts['page']}" and facts["page"] == 3


def test_show_displays_the_solution_link(syllabus_home):
    ok(syllabus_home, "mark", "ex1-transformer", "done", "--solution", "https://example.org/my-transformer")
    out = ok(syllabus_home, "show", "ex1-transformer")
    assert re.search(r"^\s*solution: https://example.org/my-transformer$", out, re.M)


def test_the_readme_log_sequence_then_a_break_and_no_future(syllabus_home):
    for args in (
        ["log", "start", "attention"],
        ["log", "break"],
        ["log", "start", "attention"],
        ["log", "stop"],
        ["log", "add", "ex1-transformer", "1h30m", "--at", "2026-11-20 14:00"],
        ["log", "add", "break", "10m"],
    ):
        ok(syllabus_home, *args)
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    future = syllabus(syllabus_home, "log", "add", "attention", "10m", "--at", tomorrow)
    assert future.returncode == 2 and "in the future" in future.stderr
    ends_later = (datetime.now() - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    overrun = syllabus(syllabus_home, "log", "add", "attention", "2h", "--at", ends_later)
    assert overrun.returncode == 2 and "would end in the future" in overrun.stderr


def test_backup_to_a_missing_tree_is_refused(syllabus_home, tmp_path):
    result = syllabus(syllabus_home, "backup", "--to", str(tmp_path / "nonexistent" / "dir"))
    assert result.returncode == 2
    assert (
        result.stderr == f"error: no folder {tmp_path / 'nonexistent'}: create it first, or leave out --to\n"
    )
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize(
    "command", [["plan"], ["note", "show"], ["log", "remove"], ["review", "grade"], ["fetch"], ["solutions"]]
)
def test_help_does_not_show_storage_limits(syllabus_home, command):
    out = ok(syllabus_home, *command, "--help")
    assert "9223372036854775807" not in out


def test_chapters_columns_line_up_with_a_long_id(syllabus_home):
    long_title = "A Very Long Title For A Blog Post About Attention Mechanisms"
    ok(syllabus_home, "add", "https://example.org/post", "--title", long_title, env=OFFLINE)
    out = ok(syllabus_home, "chapters")
    lines = [line for line in out.splitlines() if re.match(r"  (unread|todo) ", line)]
    # Where each title starts: after the status, the id and the padding that follows it.
    starts = {len(re.match(r"  \S+\s+\S+\s+", line).group(0)) for line in lines}
    assert len(lines) > 50 and len(starts) == 1, starts
