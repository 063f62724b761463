"""`syllabus note ...`, `syllabus backup`: what a person at the terminal sees."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from anchor_documents import version_one


def _json(run_cli, *args):
    code, out, err = run_cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_add_list_show_with_literal_markup(run_cli):
    code, out, err = run_cli(
        "note",
        "add",
        "attention",
        "A [bold]note[/bold] on attention",
        "--page",
        "3",
        "--tag",
        "Key",
        "--tag",
        "maths",
    )
    assert code == 0, err
    assert "note 1 saved (attention, p. 3)" in out
    code, out, _ = run_cli("note", "list")
    assert code == 0
    assert "A [bold]note[/bold] on attention" in out and "#key #maths" in out
    code, out, _ = run_cli("note", "show", "1")
    assert "[bold]note[/bold]" in out and "p. 3" in out

    [item] = _json(run_cli, "note", "list", "attention")
    assert set(item) >= {
        "id",
        "uuid",
        "reading",
        "reading_key",
        "chapter",
        "page",
        "section",
        "quote",
        "tags",
        "body",
        "created_at",
        "updated_at",
        "anchor",
    }
    assert (item["reading"], item["reading_key"], item["chapter"], item["page"], item["anchor"]) == (
        "attention",
        "arxiv:1706.03762",
        1,
        3,
        "none",
    )
    assert item["tags"] == ["key", "maths"]


def test_list_by_reading_by_arxiv_id_tag_and_chapter(run_cli):
    run_cli("note", "add", "attention", "on attention", "--tag", "a")
    run_cli("note", "add", "scaling-laws", "on scaling", "--tag", "b")
    run_cli("note", "add", "--chapter", "2", "on chapter two")
    run_cli("note", "add", "--standalone", "on nothing")
    assert [n["body"] for n in _json(run_cli, "note", "list", "1706.03762")] == ["on attention"]
    assert [n["body"] for n in _json(run_cli, "note", "list", "--tag", "b")] == ["on scaling"]
    assert [n["body"] for n in _json(run_cli, "note", "list", "--chapter", "2")] == [
        "on scaling",
        "on chapter two",
    ]
    everything = _json(run_cli, "note", "list")
    assert [(n["reading"], n["chapter"]) for n in everything] == [
        ("attention", 1),
        ("scaling-laws", 2),
        (None, 2),
        (None, None),
    ]


def test_quote_without_document_is_kept_with_its_page(run_cli):
    [note] = [
        _json(
            run_cli, "note", "add", "attention", "on a quote", "--quote", "some  quoted\ntext", "--page", "2"
        )
    ]
    assert (note["quote"], note["page"], note["anchor"]) == ("some quoted text", 2, "attached")


def test_quote_is_located_in_the_fetched_document(run_cli, monkeypatch):
    import index.notes

    class FakeDocument:
        id = 12
        pages = 3
        arxiv_version = "v7"

    monkeypatch.setattr(
        index.notes, "reading_document", lambda conn, reading: (FakeDocument(), version_one())
    )
    note = _json(run_cli, "note", "add", "attention", "located", "--quote", "every margin note keeps")
    assert (note["page"], note["section"], note["anchor"]) == (2, "2 Method", "attached")
    code, _, err = run_cli(
        "note", "add", "attention", "nowhere", "--quote", "a sentence this made-up document lacks"
    )
    assert code == 2 and "quote not found" in err
    code, _, err = run_cli("note", "add", "attention", "too far", "--page", "4")
    assert code == 2 and "past the end" in err
    assert len(_json(run_cli, "note", "list")) == 1


def test_edit_tags_and_body_then_undo(run_cli):
    run_cli("note", "add", "attention", "first text", "--tag", "old")
    code, out, _ = run_cli("note", "edit", "1", "--body", "second text", "--tag", "new", "--untag", "old")
    assert code == 0 and "note 1 saved" in out
    [note] = _json(run_cli, "note", "list")
    assert (note["body"], note["tags"]) == ("second text", ["new"])
    code, out, _ = run_cli("note", "undo")
    assert code == 0 and "note 1 reverted" in out
    [note] = _json(run_cli, "note", "list")
    assert (note["body"], note["tags"]) == ("first text", ["old"])
    history = _json(run_cli, "note", "show", "1", "--history")["history"]
    assert [h["action"] for h in history] == ["create", "edit", "restore"]


def test_rm_then_undo(run_cli):
    run_cli("note", "add", "attention", "short-lived")
    code, out, _ = run_cli("note", "rm", "1")
    assert code == 0 and "undo with `syllabus note undo`" in out
    assert _json(run_cli, "note", "list") == []
    code, out, _ = run_cli("note", "undo")
    assert code == 0 and "note 1 restored" in out
    assert [n["body"] for n in _json(run_cli, "note", "list")] == ["short-lived"]
    code, _, err = run_cli("note", "undo")
    assert code == 2 and "nothing to undo" in err


@pytest.mark.parametrize("args", [("show", "9"), ("edit", "9", "--body", "x"), ("rm", "9")])
def test_unknown_note_is_one_line_exit_2(run_cli, args):
    code, _out, err = run_cli("note", *args)
    assert code == 2
    assert err.strip() == "error: no note 9"


def test_bad_targets_are_refused(run_cli):
    code, _, err = run_cli("note", "add", "no-such-reading", "text")
    assert code == 2 and "no reading or exercise" in err
    code, _, err = run_cli("note", "add", "--chapter", "99", "text")
    assert code == 2 and "no chapter 99" in err
    code, _, err = run_cli("note", "add", "--standalone", "text", "--page", "2")
    assert code == 2 and "--quote and --page are for notes on a reading" in err
    code, _, err = run_cli("note", "add", "ex-transformer", "text")
    assert code == 2 and "exercise" in err
    assert _json(run_cli, "note", "list") == []


def test_editor_is_used_without_text_and_empty_saves_nothing(run_cli, monkeypatch):
    monkeypatch.setattr(click, "edit", lambda *a, **k: "written in the editor\n")
    assert _json(run_cli, "note", "add", "attention")["body"] == "written in the editor"
    seen = {}

    def editor(text="", **kw):
        seen["initial"] = text
        return text + "\nmore"

    monkeypatch.setattr(click, "edit", editor)
    code, _, _ = run_cli("note", "edit", "1")
    assert code == 0 and seen["initial"] == "written in the editor"
    assert _json(run_cli, "note", "show", "1")["body"] == "written in the editor\nmore"

    for result in (None, "   \n"):
        monkeypatch.setattr(click, "edit", lambda *a, _r=result, **k: _r)
        code, _, err = run_cli("note", "add", "--standalone")
        assert code == 2 and "empty note, nothing saved" in err
    assert len(_json(run_cli, "note", "list")) == 1


def test_orphans_command(run_cli):
    from index.db import connect
    from index.notes import reanchor
    from library.structure.model import Block, DocumentStructure

    run_cli("note", "add", "attention", "anchored", "--quote", "a passage that will vanish from the text")
    assert _json(run_cli, "note", "orphans") == []
    conn = connect()
    other = DocumentStructure(
        kind="pdf",
        page_count=1,
        sections=[],
        blocks=[Block(page=1, kind="paragraph", text="Entirely different words now.")],
    )
    reanchor(conn, "arxiv:1706.03762", other, "5", "v2")
    conn.close()
    [orphan] = _json(run_cli, "note", "orphans")
    assert orphan["anchor"] == "orphan" and orphan["quote"] == "a passage that will vanish from the text"
    _code, out, _ = run_cli("note", "list")
    assert "(orphan)" in out


def test_backup_prints_a_usable_copy(run_cli, tmp_path):
    import sqlite3

    run_cli("note", "add", "attention", "backed up")
    code, out, err = run_cli("backup", "--to", str(tmp_path / "copies"))
    assert code == 0, err
    path = Path(out.strip())
    assert path.parent == tmp_path / "copies" and path.exists()
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT body FROM notes").fetchall() == [("backed up",)]
    copy.close()


def test_notes_can_be_written_when_the_fetched_file_is_gone(corpus, run_cli, syllabus_home):
    run_cli("attach", "attention", str(corpus / "arxiv" / "1706.03762.pdf"))
    for pdf in (syllabus_home / "documents").rglob("*.pdf"):
        pdf.unlink()
    code, _, err = run_cli("note", "add", "attention", "still works", "--page", "3")
    assert code == 0, err
    code, _, err = run_cli("note", "add", "attention", "quoted", "--quote", "scaled dot-product attention")
    assert code == 0, err
