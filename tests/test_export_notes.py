"""Exporting notes (Markdown vault, W3C Web Annotation JSON) and importing the JSON into a fresh home."""

from __future__ import annotations

import json

import pytest


def _seed(run_cli) -> None:
    """Notes of every kind: anchored with context, paged only, chapter, standalone, orphaned, deleted."""
    from index.db import connect
    from index.notes import Anchor, add_note, delete_note

    conn = connect()
    add_note(
        conn,
        body="Attention is a **weighted** average.\n\nSecond paragraph.",
        curriculum="deep-learning",
        reading_id="attention",
        reading_key="arxiv:1706.03762",
        chapter=1,
        tags=["key", "maths"],
        anchor=Anchor(
            document_id="4",
            arxiv_version="v5",
            section="3.2 Attention",
            page=4,
            exact="a quoted passage\nover two lines",
            prefix="text before the ",
            suffix=" and after it",
            block_index=57,
            status="attached",
        ),
    )
    add_note(
        conn,
        body="Only a page",
        curriculum="deep-learning",
        reading_id="attention",
        reading_key="arxiv:1706.03762",
        chapter=1,
        anchor=Anchor(page=7, status="none"),
    )
    add_note(
        conn,
        body="Lost quote",
        curriculum="deep-learning",
        reading_id="scaling-laws",
        reading_key="arxiv:2001.08361",
        chapter=2,
        anchor=Anchor(exact="gone from the text", page=2, status="orphan"),
    )
    add_note(conn, body="About chapter two", curriculum="deep-learning", chapter=2, tags=["plan"])
    add_note(conn, body='Standalone "thought" with [brackets]', curriculum="deep-learning")
    gone = add_note(conn, body="Deleted, not exported", curriculum="deep-learning", chapter=1)
    delete_note(conn, gone.id)
    conn.close()


def _snapshot() -> list[tuple]:
    """Everything a note is, minus what is local to one home (row ids, the document row it was found in)."""
    from index.db import connect
    from index.notes import list_notes

    conn = connect()
    rows = []
    for n in list_notes(conn):
        a = n.anchor
        anchor = (
            None
            if a is None
            else (a.arxiv_version, a.section, a.page, a.exact, a.prefix, a.suffix, a.block_index, a.status)
        )
        rows.append(
            (
                n.uuid,
                n.curriculum,
                n.reading_id,
                n.reading_key,
                n.chapter,
                n.body,
                tuple(n.tags),
                anchor,
                round(n.created_at, 5),
                round(n.updated_at, 5),
            )
        )
    conn.close()
    return sorted(rows)


def test_markdown_export_one_file_per_reading_with_front_matter(run_cli, tmp_path):
    _seed(run_cli)
    out = tmp_path / "vault"
    code, _, err = run_cli("export", "--format", "md", "-o", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "attention.md",
        "chapter-2.md",
        "scaling-laws.md",
        "standalone-notes.md",
    ]

    text = (out / "attention.md").read_text()
    front, body = text.split("---\n", 2)[1:]
    fields = {line.split(": ", 1)[0]: json.loads(line.split(": ", 1)[1]) for line in front.splitlines()}
    assert fields["title"] == "Attention Is All You Need"
    assert (fields["reading"], fields["arxiv_id"], fields["chapter"]) == ("attention", "1706.03762", 1)
    assert fields["url"] == "https://arxiv.org/abs/1706.03762"
    assert fields["tags"] == ["syllabus", "key", "maths"]
    assert "## p. 4 · 3.2 Attention" in body
    assert "> a quoted passage\n> over two lines" in body
    assert "Attention is a **weighted** average.\n\nSecond paragraph." in body
    assert "- page: 4" in body and "- section: 3.2 Attention" in body and "- tags: #key #maths" in body
    assert "- created: " in body and "## p. 7" in body
    assert "Deleted, not exported" not in "".join(p.read_text() for p in out.iterdir())

    assert "orphan" in (out / "scaling-laws.md").read_text()
    assert "About chapter two" in (out / "chapter-2.md").read_text()
    assert 'Standalone "thought" with [brackets]' in (out / "standalone-notes.md").read_text()
    assert not list(out.glob(".*.tmp"))


def test_json_export_is_a_w3c_annotation_collection(run_cli, tmp_path):
    _seed(run_cli)
    target = tmp_path / "notes.json"
    code, _, err = run_cli("export", "--format", "json", "-o", str(target))
    assert code == 0, err
    data = json.loads(target.read_text())
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection" and data["total"] == 5
    items = data["first"]["items"]
    first = items[0]
    assert first["type"] == "Annotation" and first["id"].startswith("urn:uuid:")
    assert first["body"][0] == {
        "type": "TextualBody",
        "value": "Attention is a **weighted** average.\n\nSecond paragraph.",
        "format": "text/markdown",
        "purpose": "commenting",
    }
    assert [b["value"] for b in first["body"] if b.get("purpose") == "tagging"] == ["key", "maths"]
    assert first["target"]["source"] == "https://arxiv.org/abs/1706.03762"
    assert first["target"]["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": "a quoted passage\nover two lines",
            "prefix": "text before the ",
            "suffix": " and after it",
        },
        {"type": "FragmentSelector", "conformsTo": "http://tools.ietf.org/rfc/rfc3778", "value": "page=4"},
    ]
    assert first["created"].endswith("Z") and first["modified"].endswith("Z")
    assert first["syllabus:note"]["reading_id"] == "attention"
    assert first["syllabus:note"]["block_index"] == 57
    assert items[3]["target"]["source"] == "urn:syllabus:deep-learning:chapter:2"
    # Without -o, the JSON goes to stdout.
    code, out, _ = run_cli("export", "--format", "json")
    assert json.loads(out)["total"] == 5


def test_round_trip_into_a_fresh_home_without_duplicates(run_cli, tmp_path, monkeypatch, syllabus_home):
    _seed(run_cli)
    before = _snapshot()
    export = tmp_path / "notes.json"
    assert run_cli("export", "--format", "json", "-o", str(export))[0] == 0
    first_md, second_md = tmp_path / "md1", tmp_path / "md2"
    assert run_cli("export", "--format", "md", "-o", str(first_md))[0] == 0

    monkeypatch.setenv("SYLLABUS_HOME", str(tmp_path / "fresh-home"))
    assert _snapshot() == []
    code, out, err = run_cli("import", "notes", str(export))
    assert code == 0, err
    assert "imported 5 notes, skipped 0" in out
    assert _snapshot() == before
    code, out, _ = run_cli("import", "notes", str(export))
    assert "imported 0 notes, skipped 5" in out
    assert _snapshot() == before

    # The Markdown of the fresh home is the Markdown of the first, file for file.
    assert run_cli("export", "--format", "md", "-o", str(second_md))[0] == 0
    names = sorted(p.name for p in first_md.iterdir())
    assert names == sorted(p.name for p in second_md.iterdir()) and len(names) == 4
    for name in names:
        assert (second_md / name).read_text() == (first_md / name).read_text()


def test_importing_the_same_home_export_adds_nothing(run_cli, tmp_path):
    _seed(run_cli)
    before = _snapshot()
    export = tmp_path / "notes.json"
    run_cli("export", "--format", "json", "-o", str(export))
    report = json.loads(run_cli("import", "notes", str(export), "--json")[1])
    assert report["added"] == [] and len(report["skipped"]) == 5
    assert _snapshot() == before


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Annotation"}', "no text body"),
        ('[{"type": "Annotation", "body": {"type": "TextualBody", "value": "x"}}]', "no target"),
        (
            '{"items": [{"type": "Annotation", "body": {"value": "x"}, "target": {"source": "https://e.org",'
            ' "selector": {"type": "FragmentSelector", "value": "page=0"}}}]}',
            "pages start at 1",
        ),
        (
            '{"items": [{"type": "Annotation", "body": {"value": "x"},'
            ' "target": "https://e.org", "created": "yesterday"}]}',
            "not an ISO 8601 time",
        ),
        (
            '{"items": [{"type": "Annotation", "body": {"value": "x"}, "target": "https://e.org",'
            ' "syllabus:note": {"chapter": "two"}}]}',
            "syllabus:note",
        ),
        ('{"items": [{"type": "Highlight"}]}', "type must be 'Annotation'"),
        ("42", "expected an object or a list"),
    ],
)
def test_malformed_file_is_one_line_error_and_nothing_written(run_cli, tmp_path, content, message):
    good = {
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "valid one"},
        "target": "https://e.org/a",
    }
    path = tmp_path / "bad.json"
    try:
        parsed = json.loads(content)
    except json.JSONDecodeError:
        path.write_text(content)
    else:
        # A valid annotation ahead of the bad one must not be written either.
        if isinstance(parsed, dict) and isinstance(parsed.get("items"), list):
            parsed["items"].insert(0, good)
        path.write_text(json.dumps(parsed))
    code, _out, err = run_cli("import", "notes", str(path))
    assert code == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert json.loads(run_cli("note", "list", "--json")[1]) == []


def test_foreign_annotations_find_their_reading_and_dedupe(run_cli, tmp_path):
    hypothesis_like = {
        "items": [
            {
                "type": "Annotation",
                "id": "https://hypothes.is/a/abc123",
                "created": "2024-03-01T10:00:00+01:00",
                "body": [
                    {"type": "TextualBody", "value": "from elsewhere"},
                    {"type": "TextualBody", "value": "Imported Tag", "purpose": "tagging"},
                ],
                "target": {
                    "source": "https://arxiv.org/abs/1706.03762v5",
                    "selector": [{"type": "TextQuoteSelector", "exact": "a foreign quote"}],
                },
            },
            {
                "type": "Annotation",
                "body": {"type": "TextualBody", "value": "no id, on a web page"},
                "target": "https://example.org/post/",
            },
        ]
    }
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(hypothesis_like))
    assert run_cli("import", "notes", str(path))[0] == 0
    assert "skipped 2" in run_cli("import", "notes", str(path))[1]
    notes = json.loads(run_cli("note", "list", "--json")[1])
    assert len(notes) == 2
    first, second = notes
    assert (first["reading"], first["reading_key"], first["chapter"]) == ("attention", "arxiv:1706.03762", 1)
    assert (
        first["tags"] == ["imported-tag"]
        and first["quote"] == "a foreign quote"
        and first["anchor"] == "attached"
    )
    from index.export import iso

    assert iso(first["created_at"]) == "2024-03-01T09:00:00.000000Z"
    assert second["reading"] is None and second["reading_key"].startswith("url:https://example.org/post")


def test_export_refuses_a_folder_for_json_and_a_file_for_md(run_cli, tmp_path):
    code, _, err = run_cli("export", "--format", "json", "-o", str(tmp_path))
    assert code == 2 and "writes a file" in err
    existing = tmp_path / "file.md"
    existing.write_text("x")
    code, _, err = run_cli("export", "--format", "md", "-o", str(existing))
    assert code == 2 and "writes a folder" in err
