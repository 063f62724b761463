"""remove, rename and detach: undoing `add` and `attach` without losing a note.

Through the installed ``syllabus``: a wrong attachment's passages leave search, notes stay and are
listed as orphans, an added reading can be renamed and removed, a curriculum reading cannot.
"""

from __future__ import annotations

import json

import pytest
from entry_point import OFFLINE, syllabus
from fetch_server import generated_pdf


def ok(home, *args: str) -> str:
    result = syllabus(home, *args, env=OFFLINE)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result.stdout


def _passage_hits(home, query: str) -> list[dict]:
    return [h for h in json.loads(ok(home, "search", query, "--papers", "--json")) if h["kind"] == "passage"]


def _orphans(home) -> list[int]:
    return [n["id"] for n in json.loads(ok(home, "note", "orphans", "--json"))]


@pytest.mark.slow
def test_detach_then_remove_keeps_notes_as_orphans_and_cleans_search(syllabus_home, onnx_cache, tmp_path):
    (syllabus_home / "index").mkdir()
    (syllabus_home / "index" / "onnx").symlink_to(onnx_cache, target_is_directory=True)
    pdf = tmp_path / "wrong.pdf"
    pdf.write_bytes(generated_pdf(pages=3, title="Gradient Signals In Tokens"))
    ok(syllabus_home, "add", "https://example.org/post", "--title", "A post")
    ok(syllabus_home, "attach", "a-post", str(pdf))
    ok(syllabus_home, "note", "add", "a-post", "my thoughts on this post", "--page", "2")
    ok(syllabus_home, "index", "update")
    assert _passage_hits(syllabus_home, "gradient signal token")

    detached = json.loads(ok(syllabus_home, "detach", "a-post", "--json"))
    assert detached["passages_removed"] > 0 and detached["remaining"] is None
    assert len(detached["detached"]) == 1
    assert not (syllabus_home / detached["detached"][0]["path"]).exists()
    assert _passage_hits(syllabus_home, "gradient signal token") == []
    assert _orphans(syllabus_home) == [1] == detached["orphaned_notes"]

    assert ok(syllabus_home, "rename", "a-post", "A better title") == "a-post: A better title\n"
    assert json.loads(ok(syllabus_home, "show", "a-post", "--json"))["title"] == "A better title"

    removed = syllabus(syllabus_home, "remove", "a-post", env=OFFLINE)
    assert removed.returncode == 0 and removed.stdout.startswith("removed a-post: A better title")
    gone = syllabus(syllabus_home, "show", "a-post")
    assert gone.returncode == 2
    notes = json.loads(ok(syllabus_home, "note", "list", "--json"))
    assert [n["body"] for n in notes] == ["my thoughts on this post"]  # never deleted
    assert _orphans(syllabus_home) == [1]


def test_a_curriculum_reading_cannot_be_removed_or_renamed(syllabus_home):
    for args in (["remove", "attention"], ["rename", "attention", "Mine now"]):
        result = syllabus(syllabus_home, *args)
        assert result.returncode == 2
        assert "not one of your additions" in result.stderr and result.stderr.count("\n") == 1


def test_detach_with_nothing_attached_is_an_error(syllabus_home):
    result = syllabus(syllabus_home, "detach", "attention")
    assert result.returncode == 2 and result.stderr == "error: attention has no document to detach\n"


def test_detach_brings_back_the_copy_it_replaced(syllabus_home, tmp_path):
    first, second = tmp_path / "1706.03762v1.pdf", tmp_path / "1706.03762v5.pdf"
    first.write_bytes(generated_pdf(pages=3, title="First copy"))
    second.write_bytes(generated_pdf(pages=4, title="Second copy"))
    ok(syllabus_home, "attach", "attention", str(first))
    ok(syllabus_home, "attach", "attention", str(second))
    before = json.loads(ok(syllabus_home, "show", "attention", "--json"))["document"]
    report = json.loads(ok(syllabus_home, "detach", "attention", "--json"))
    assert [d["id"] for d in report["detached"]] == [before["id"]]
    after = json.loads(ok(syllabus_home, "show", "attention", "--json"))["document"]
    assert after["id"] != before["id"] and after["pages"] == 3
