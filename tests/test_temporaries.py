"""Files appear whole, and what a killed process leaves is swept (issue 16, finding 9).

A download commits its O_TMPFILE inode with ``linkat`` (it used to fail with EXDEV every time and
copy the whole file again under a ``.part`` name); every temporary name carries its writer's pid,
and the first process to open the database removes those whose writer is gone.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from entry_point import syllabus

from library import atomic, paths
from library.fetch import files


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_an_anonymous_download_is_linked_into_place_not_copied(syllabus_home, monkeypatch):
    if not hasattr(os, "O_TMPFILE"):
        pytest.skip("no O_TMPFILE on this platform: downloads use a named .part file")
    paths.ensure_home()

    def no_copy(self, temp):
        raise AssertionError("the O_TMPFILE inode was copied instead of linked")

    monkeypatch.setattr(files.PendingFile, "_copy_to", no_copy)
    target = paths.documents_dir() / "pdf" / "x.pdf"
    with files.PendingFile(paths.documents_dir()) as pending:
        if pending._name is not None:
            pytest.skip("this filesystem refuses O_TMPFILE")
        pending.write(b"%PDF-1.4 whole file")
        pending.commit(target)
    assert target.read_bytes() == b"%PDF-1.4 whole file"
    assert not [p for p in target.parent.iterdir() if p.name != "x.pdf"]


def test_atomic_temporaries_carry_the_writers_pid(tmp_path):
    seen = []
    with atomic.replacing(tmp_path / "index.faiss") as tmp:
        seen.append(tmp.name)
        tmp.write_bytes(b"x")
    assert seen[0].startswith(f".index.faiss.{os.getpid()}-") and seen[0].endswith(".tmp")


def test_stale_temporaries_are_swept_on_start_and_live_ones_kept(syllabus_home):
    paths.ensure_home()
    dead, me = _dead_pid(), os.getpid()
    home = paths.data_home()
    stale = [
        home / "documents" / "arxiv" / f".1706.03762v5.pdf.{dead}.part",  # a copy killed mid-way
        home / "documents" / f".abcd1234.{dead}.part",  # a named download
        home / "index" / f".notes-all-minilm-l6-v2.faiss.{dead}-k2j4h1ab.tmp",  # FAISS being rewritten
        home / "backups" / f".syllabus-20260101-000000-daily.{dead}-0a1b2c3d.tmp",  # a backup on a full disk
        home / f".syllabus.db.{dead}-0a1b2c3d.tmp",  # a new database being built
    ]
    export_dir = home / "index" / "onnx" / f".all-minilm-l6-v2.tmp-{dead}"  # an interrupted ONNX export
    live = home / "index" / f".notes.faiss.{me}-aaaaaaaa.tmp"
    keep = home / "documents" / "arxiv" / "1706.03762v5.pdf"
    for path in [*stale, live, keep]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 1000)
    (export_dir / "model.onnx").parent.mkdir(parents=True)
    (export_dir / "model.onnx").write_bytes(b"x" * 1000)

    assert syllabus(syllabus_home, "note", "list").returncode == 0
    assert not [p for p in stale if p.exists()]
    assert not export_dir.exists()
    assert live.exists() and keep.exists()
