"""Atomic writes leave the old file in place when writing fails."""

from __future__ import annotations

import pytest

from library import atomic


def test_write_text_and_bytes(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    atomic.write_text(target, "one\ntwo\n")
    assert target.read_bytes() == b"one\ntwo\n"
    atomic.write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_failure_keeps_last_good_file(tmp_path):
    target = tmp_path / "a.txt"
    atomic.write_text(target, "good")
    with pytest.raises(RuntimeError), atomic.replacing(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_new_files_get_the_usual_mode_and_replaced_files_keep_theirs(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        target = tmp_path / "export.md"
        atomic.write_text(target, "a")
        assert target.stat().st_mode & 0o777 == 0o644
        target.chmod(0o600)
        atomic.write_text(target, "b")
        assert target.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)


def test_unwritable_destination_names_the_target(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError) as info:
        atomic.write_text(blocker / "out.bib", "data")
    assert info.value.filename == str(blocker / "out.bib")
