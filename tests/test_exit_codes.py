"""Every exit-code path of the CLI, through the installed ``syllabus`` script in a subprocess.

0 success (and --help, --version, a pager that went away); 1 a fetch that could not get what was
asked for, a destination that cannot be written; 2 bad input (ours and click's); 130 aborted.
"""

from __future__ import annotations

import subprocess

import pytest
from entry_point import OFFLINE, SYLLABUS, syllabus


@pytest.mark.parametrize("args", [["chapters"], ["--help"], ["fetch", "--help"], ["--version"]])
def test_success_is_0(syllabus_home, args):
    result = syllabus(syllabus_home, *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout and not result.stderr


@pytest.mark.parametrize(
    "args", [["fetch", "attention"], ["fetch", "--chapter", "1", "--optional"], ["fetch", "--all"]]
)
def test_a_failed_fetch_is_1(syllabus_home, args):
    result = syllabus(syllabus_home, *args, env=OFFLINE)
    assert result.returncode == 1, result.stderr
    assert "failed: attention: " in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fetch_of_what_is_already_here_is_0(syllabus_home, tmp_path, corpus):
    pdf = corpus / "arxiv" / "1706.03762.pdf"
    assert syllabus(syllabus_home, "attach", "attention", str(pdf)).returncode == 0
    result = syllabus(syllabus_home, "fetch", "attention", env=OFFLINE)
    assert result.returncode == 0, result.stderr
    assert "cached" in result.stdout


def test_an_unwritable_destination_is_1(syllabus_home):
    result = syllabus(syllabus_home, "export", "--format", "json", "-o", "/proc/x.json")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["show", "atention"],  # ours: a UsageError
        ["mark", "attention", "finished"],
        ["chapters", "--no-such-option"],  # click's
        ["no-such-command"],
        ["fetch", "--chapter", "x"],
    ],
)
def test_bad_input_is_2(syllabus_home, args):
    result = syllabus(syllabus_home, *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_a_prompt_without_an_answer_is_130(syllabus_home):
    assert syllabus(syllabus_home, "note", "add", "--standalone", "a note to review").returncode == 0
    result = syllabus(syllabus_home, "review")  # stdin is empty: the prompt gets end-of-file
    assert result.returncode == 130, result.stdout + result.stderr
    assert result.stderr.strip().endswith("aborted")


def test_a_pager_that_goes_away_is_0(syllabus_home):
    env = f"SYLLABUS_HOME={syllabus_home}"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"env {env} {SYLLABUS} chapters | head -1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
