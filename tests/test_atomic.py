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
    with pytest.raises(RuntimeError):
        with atomic.replacing(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
