"""Nothing is written outside the data home: a whole session leaves HOME and TMPDIR empty.

Every command runs as the installed ``syllabus`` script, with HOME and TMPDIR pointed at empty
folders (and no XDG variables, so every library's cache and temp directories fall back to them).
Afterwards both must still be empty: no onnxruntime telemetry queue or ``.ses`` file, no Anki
working database, no cache of any library.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from entry_point import syllabus
from fetch_server import generated_pdf


def _everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.slow
def test_a_full_session_writes_only_into_the_data_home(syllabus_home, onnx_cache, tmp_path, monkeypatch):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    for name in [k for k in os.environ if k.startswith("XDG_")]:
        monkeypatch.delenv(name)
    env = {"HOME": str(home), "TMPDIR": str(tmp)}
    (syllabus_home / "index").mkdir()
    (syllabus_home / "index" / "onnx").symlink_to(onnx_cache, target_is_directory=True)
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(generated_pdf(pages=3, title="A Paper About Attention"))
    exports = tmp_path / "exports"
    exports.mkdir()

    def run(*args: str) -> str:
        result = syllabus(syllabus_home, *args, env=env)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        return result.stdout

    run("attach", "attention", str(pdf))
    run("read", "attention", "--whole")
    run("note", "add", "attention", "scaling keeps the logits' variance near one", "--tag", "maths")
    run("mark", "attention", "done")
    run("index", "update")
    assert json.loads(run("search", "why are the logits scaled", "--json"))
    run("export", "--format", "md", "-o", str(exports / "md"))
    run("export", "--format", "json", "-o", str(exports / "notes.json"))
    run("export", "--format", "bibtex", "-o", str(exports / "readings.bib"))
    run("export", "--format", "anki", "-o", str(exports / "notes.apkg"))
    run("import", "notes", str(exports / "notes.json"))
    run("backup")

    assert _everything_under(home) == []
    assert _everything_under(tmp) == []
    assert not list((syllabus_home / "tmp").glob("*")), "scratch files are removed"
