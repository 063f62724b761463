"""Anchors: finding a quote in a document's structure and re-attaching notes when the text changes."""

from __future__ import annotations

import pytest
from anchor_documents import (
    P_LIMITS,
    P_METHOD,
    P_REPEAT,
    version_one,
    version_two,
)

from library.errors import UsageError

# --- locate --------------------------------------------------------------------------------------


def test_locate_exact_fills_page_section_block_and_context():
    from index.anchors import CONTEXT_CHARS, locate

    match = locate(version_one(), "searched for again, first exactly")
    assert match is not None and not match.fuzzy
    assert (match.page, match.block_index, match.section) == (3, 4, "2.1 Revisions")
    assert match.prefix.endswith("the quotation is ") and len(match.prefix) == CONTEXT_CHARS
    assert match.suffix.startswith(" and then approximately")


def test_locate_ignores_line_breaks_and_spacing():
    from index.anchors import locate

    match = locate(version_one(), "searched   for\nagain,\tfirst")
    assert match is not None and match.exact == "searched for again, first"


def test_locate_tells_repeated_quotes_apart_by_context_then_page():
    from index.anchors import locate

    doc = version_one()
    by_suffix = locate(doc, P_REPEAT, suffix=" Second occurrence.")
    assert by_suffix is not None and by_suffix.block_index == 3
    by_prefix = locate(doc, P_REPEAT, prefix="Second sentence block. ")
    assert by_prefix is not None and by_prefix.block_index == 3
    by_page = locate(doc, P_REPEAT, page=1)
    assert by_page is not None and by_page.block_index == 1


def test_locate_fuzzy_for_changed_word_but_not_for_unrelated_text():
    from index.anchors import locate

    doc = version_two()
    match = locate(doc, P_METHOD)
    assert match is not None and match.fuzzy and match.page == 2
    assert "brief quotation" in match.exact
    assert locate(doc, P_LIMITS) is None
    assert locate(doc, "nothing like this sentence appears anywhere in the document") is None


def test_short_quotes_never_match_fuzzily():
    from index.anchors import locate

    assert locate(version_one(), "quotatoin alone") is None
    assert locate(version_one(), "QUOTATION ALONE") is not None  # case alone is not a change


# --- adding with a quote -------------------------------------------------------------------------


def test_anchor_for_quote_with_and_without_document():
    from index.notes import anchor_for_quote

    anchor = anchor_for_quote(version_one(), "every margin note keeps", document_id="7", arxiv_version="v1")
    assert (anchor.page, anchor.section, anchor.block_index, anchor.status) == (2, "2 Method", 2, "attached")
    assert anchor.document_id == "7" and anchor.prefix and anchor.suffix
    bare = anchor_for_quote(None, "  a quote\nwith breaks ", page=4)
    assert (bare.exact, bare.page, bare.block_index, bare.status) == (
        "a quote with breaks",
        4,
        None,
        "attached",
    )
    with pytest.raises(UsageError, match="not found"):
        anchor_for_quote(version_one(), "words that are not in this document at all, not even nearly")
    with pytest.raises(UsageError, match="past the end"):
        anchor_for_quote(version_one(), "every margin note", page=9)


# --- re-anchoring --------------------------------------------------------------------------------


@pytest.fixture
def conn():
    from index.db import connect

    c = connect()
    yield c
    c.close()


def _note_on(conn, quote: str, body: str):
    from index.notes import add_note, anchor_for_quote

    anchor = anchor_for_quote(version_one(), quote, document_id="1", arxiv_version="v1")
    return add_note(
        conn,
        body=body,
        curriculum="deep-learning",
        reading_id="attention",
        reading_key="arxiv:1706.03762",
        chapter=1,
        anchor=anchor,
    )


def test_reanchor_exact_fuzzy_moved_and_orphaned(conn):
    from index.notes import get_note, history, list_notes, orphans, reanchor

    intro = _note_on(conn, "unless they write something down", "intro")
    method = _note_on(conn, P_METHOD, "method")
    result = _note_on(conn, "searched for again, first exactly", "result")
    limits = _note_on(conn, "leaves its notes without a home", "limits")
    second = _note_on(conn, P_REPEAT + " Second", "second occurrence")
    other = _note_on(conn, "unless they write something down", "other reading")
    conn.execute("UPDATE notes SET reading_key = 'arxiv:2001.08361' WHERE id = ?", (other.id,))

    report = reanchor(conn, "arxiv:1706.03762", version_two(), "2", "v2")

    assert sorted(report.exact) == sorted([intro.id, result.id, second.id])
    assert report.fuzzy == [method.id]
    assert report.orphaned == [limits.id]
    assert result.id in report.moved and intro.id in report.moved

    moved = get_note(conn, result.id).anchor
    assert (moved.page, moved.block_index, moved.section, moved.document_id, moved.arxiv_version) == (
        1,
        0,
        "1 Introduction",
        "2",
        "v2",
    )
    fuzzy = get_note(conn, method.id).anchor
    assert fuzzy.status == "attached" and "brief quotation" in fuzzy.exact and fuzzy.page == 2
    assert get_note(conn, second.id).anchor.block_index == 4

    # The orphan is kept whole: old quote, old page, listed, never dropped.
    orphan = get_note(conn, limits.id)
    assert orphan.anchor.status == "orphan"
    assert orphan.anchor.exact == "leaves its notes without a home" and orphan.anchor.page == 3
    assert [n.id for n in orphans(conn)] == [limits.id]
    assert len(list_notes(conn)) == 6
    # The other reading's note was not touched.
    assert get_note(conn, other.id).anchor.document_id == "1"

    actions = [h.action for h in history(conn, limits.id)]
    assert actions == ["create", "reanchor"]
    assert history(conn, result.id)[-1].anchor.page == 1


def test_reanchor_twice_changes_nothing_the_second_time(conn):
    from index.notes import reanchor

    _note_on(conn, "searched for again, first exactly", "result")
    reanchor(conn, "arxiv:1706.03762", version_two(), "2", "v2")
    rows = conn.execute("SELECT count(*) FROM note_history").fetchone()[0]
    again = reanchor(conn, "arxiv:1706.03762", version_two(), "2", "v2")
    assert again.moved == [] and len(again.exact) == 1
    assert conn.execute("SELECT count(*) FROM note_history").fetchone()[0] == rows


def test_orphan_reattaches_when_its_text_comes_back(conn):
    from index.notes import get_note, orphans, reanchor

    limits = _note_on(conn, "leaves its notes without a home", "limits")
    reanchor(conn, "arxiv:1706.03762", version_two(), "2", "v2")
    assert [n.id for n in orphans(conn)] == [limits.id]
    reanchor(conn, "arxiv:1706.03762", version_one(), "3", "v3")
    assert orphans(conn) == []
    assert get_note(conn, limits.id).anchor.page == 3


def test_deleted_notes_are_reanchored_too(conn):
    from index.notes import delete_note, get_note, reanchor, undo

    result = _note_on(conn, "searched for again, first exactly", "result")
    delete_note(conn, result.id)
    reanchor(conn, "arxiv:1706.03762", version_two(), "2", "v2")
    undo(conn)
    assert get_note(conn, result.id).anchor.page == 1


def test_reanchor_on_a_real_paper_after_re_extraction(corpus, conn):
    """Quotes taken from a real extraction re-attach after blocks shift, a word changes and a paragraph goes."""
    import msgspec

    from index.notes import add_note, anchor_for_quote, get_note, reanchor
    from library.structure import resolve

    doc = resolve.load(corpus / "arxiv" / "1706.03762.pdf")
    paragraphs = [b for b in doc.blocks if b.kind == "paragraph" and len(b.text) > 200]
    assert len(paragraphs) >= 6
    picked = paragraphs[1:6]
    ids = []
    for block in picked:
        middle = len(block.text) // 2
        quote = block.text[middle : middle + 90]  # taken from the extraction, never typed in here
        anchor = anchor_for_quote(doc, quote, document_id="1")
        assert (anchor.page, anchor.block_index) == (block.page, block.index)
        ids.append(
            add_note(conn, body=f"on block {block.index}", reading_key="arxiv:1706.03762", anchor=anchor).id
        )

    # A re-extraction: a new block in front (every index shifts), one quoted word changed, one paragraph gone.
    changed, removed = picked[1], picked[3]
    new_blocks = [msgspec.structs.replace(doc.blocks[0], text="A banner line added by the new extraction.")]
    for block in doc.blocks:
        if block.index == removed.index:
            continue
        text = block.text
        if block.index == changed.index:
            middle = len(text) // 2
            span = text[middle : middle + 90]
            word = span.split()[2]
            text = text[:middle] + span.replace(f" {word} ", f" {word[::-1]}x ", 1) + text[middle + 90 :]
            assert text != block.text
        new_blocks.append(msgspec.structs.replace(block, text=text))
    new_blocks = [msgspec.structs.replace(b, index=i) for i, b in enumerate(new_blocks)]
    new_doc = msgspec.structs.replace(doc, blocks=new_blocks, sections=[])

    report = reanchor(conn, "arxiv:1706.03762", new_doc, "2", None)
    assert report.orphaned == [ids[3]]
    assert report.fuzzy == [ids[1]]
    assert sorted(report.exact) == sorted([ids[0], ids[2], ids[4]])
    assert get_note(conn, ids[0]).anchor.block_index == picked[0].index + 1
    assert get_note(conn, ids[4]).anchor.block_index == picked[4].index  # one block in, one block out
    assert get_note(conn, ids[1]).anchor.page == changed.page
