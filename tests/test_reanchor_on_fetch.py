"""A new document for a reading (attach, fetch, a newer version) re-anchors the notes quoted from it."""

from __future__ import annotations

import json


def test_attach_places_a_quote_written_before_the_paper_was_fetched(corpus, run_cli):
    quote = (
        "An attention function can be described as mapping a query and a set of key-value pairs to an output"
    )
    code, _out, err = run_cli("note", "add", "attention", "the core definition", "--quote", quote)
    assert code == 0, err
    note = json.loads(run_cli("note", "list", "--json")[1])[0]
    assert note["section"] is None  # nothing to place it in yet

    code, _, err = run_cli("attach", "attention", str(corpus / "arxiv" / "1706.03762.pdf"))
    assert code == 0, err
    note = json.loads(run_cli("note", "list", "--json")[1])[0]
    assert note["page"] == 3 and note["section"].startswith("3.2")


def test_a_version_without_the_passage_orphans_the_note_but_keeps_it(corpus, run_cli, tmp_path):
    import pymupdf  # to make the "new version": the same paper with the quoted paragraph removed

    original = corpus / "arxiv" / "1706.03762.pdf"
    quote = (
        "An attention function can be described as mapping a query and a set of key-value pairs to an output"
    )
    run_cli("attach", "attention", str(original))
    assert run_cli("note", "add", "attention", "definition", "--quote", quote)[0] == 0

    doc = pymupdf.open(original)
    page = doc[2]
    for word in (
        "An attention function",
        "mapping a query",
        "key-value pairs to an output",
        "vectors. The output",
    ):
        for rect in page.search_for(word):
            page.add_redact_annot(rect)
    page.apply_redactions()
    edited = tmp_path / "1706.03762.pdf"
    doc.save(edited)

    code, _, err = run_cli("attach", "attention", str(edited))
    assert code == 0, err
    assert "no longer match" in err
    assert "definition" in run_cli("note", "orphans")[1]
    assert len(json.loads(run_cli("note", "list", "--json")[1])) == 1  # kept, never dropped
