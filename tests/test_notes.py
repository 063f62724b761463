"""The notes API: saving, listing, editing with history, soft delete and undo, the full-text index."""

from __future__ import annotations

import pytest

from library.errors import NotFound, UsageError


@pytest.fixture
def conn():
    from index.db import connect

    c = connect()
    yield c
    c.close()


def _add(conn, body="a note", **kw):
    from index.notes import add_note

    fields = dict(
        curriculum="deep-learning", reading_id="attention", reading_key="arxiv:1706.03762", chapter=1
    )
    fields.update(kw)
    return add_note(conn, body=body, **fields)


def _fts(conn, query: str) -> list[int]:
    return [
        r[0]
        for r in conn.execute("SELECT rowid FROM notes_fts WHERE notes_fts MATCH ? ORDER BY rowid", (query,))
    ]


def test_add_and_get_round_trip(conn):
    from index.notes import Anchor, get_note

    anchor = Anchor(
        document_id="3",
        arxiv_version="v5",
        section="3.2 Attention",
        page=4,
        exact="the quote",
        prefix="before ",
        suffix=" after",
        block_index=41,
        status="attached",
    )
    note = _add(
        conn, "Body **markdown**\n\nsecond paragraph", tags=["#Key", "two words", "key"], anchor=anchor
    )
    got = get_note(conn, note.id)
    assert got == note
    assert got.tags == ["key", "two-words"]
    assert got.anchor == anchor
    assert got.title == "Body **markdown**"
    assert len(got.uuid) == 36 and got.created_at == got.updated_at


def test_anchor_without_quote_is_status_none_and_empty_anchor_is_dropped(conn):
    from index.notes import Anchor, add_note

    paged = add_note(conn, body="p", anchor=Anchor(page=2, status="attached"))
    assert paged.anchor.status == "none" and paged.anchor.page == 2
    assert add_note(conn, body="q", anchor=Anchor()).anchor is None
    with pytest.raises(UsageError, match="pages start at 1"):
        add_note(conn, body="r", anchor=Anchor(page=0))


def test_empty_body_and_bad_tags_are_refused(conn):
    from index.notes import add_note, list_notes

    with pytest.raises(UsageError, match="empty note, nothing saved"):
        add_note(conn, body="  \n ")
    with pytest.raises(UsageError, match="empty tag"):
        add_note(conn, body="x", tags=["#"])
    assert list_notes(conn) == []


def test_list_filters(conn):
    from index.notes import add_note, list_notes

    a = _add(conn, "one", tags=["x"])
    b = _add(conn, "two", reading_id="scaling", reading_key="arxiv:2001.08361", chapter=2, tags=["y"])
    c = add_note(conn, body="chapter", curriculum="deep-learning", chapter=2)
    d = add_note(conn, body="elsewhere", curriculum="other")
    ids = lambda notes: [n.id for n in notes]  # noqa: E731
    assert ids(list_notes(conn)) == [a.id, b.id, c.id, d.id]
    assert ids(list_notes(conn, reading_key="arxiv:1706.03762")) == [a.id]
    assert ids(list_notes(conn, reading_id="scaling")) == [b.id]
    assert ids(list_notes(conn, tag="#X")) == [a.id]
    assert ids(list_notes(conn, chapter=2)) == [b.id, c.id]
    assert ids(list_notes(conn, curriculum="other")) == [d.id]


def test_edit_keeps_history_and_content_hash_follows_content(conn):
    from index.notes import edit_note, get_note, history

    note = _add(conn, "first", tags=["a"])
    same = edit_note(conn, note.id, body="first", tags=["a"])
    assert same.updated_at == note.updated_at  # nothing changed, nothing recorded
    edited = edit_note(conn, note.id, body="second")
    assert edited.body == "second" and edited.tags == ["a"] and edited.content_hash != note.content_hash
    retagged = edit_note(conn, note.id, tags=["b", "c"])
    assert retagged.body == "second" and retagged.tags == ["b", "c"]
    assert retagged.content_hash != edited.content_hash
    assert get_note(conn, note.id) == retagged
    past = history(conn, note.id)
    assert [(h.action, h.body, h.tags) for h in past] == [
        ("create", "first", ["a"]),
        ("edit", "second", ["a"]),
        ("edit", "second", ["b", "c"]),
    ]


def test_delete_hides_and_undo_restores(conn):
    from index.notes import delete_note, get_note, list_notes, undo

    keep = _add(conn, "keep me")
    gone = _add(conn, "remove me")
    delete_note(conn, gone.id)
    assert [n.id for n in list_notes(conn)] == [keep.id]
    assert [n.id for n in list_notes(conn, include_deleted=True)] == [keep.id, gone.id]
    with pytest.raises(NotFound, match="note undo"):
        get_note(conn, gone.id)
    assert _fts(conn, "remove") == []
    restored = undo(conn)
    assert restored.id == gone.id and restored.deleted_at is None
    assert get_note(conn, gone.id).body == "remove me"
    assert _fts(conn, "remove") == [gone.id]


def test_undo_walks_back_through_edits_and_deletes_in_order(conn):
    from index.notes import delete_note, edit_note, get_note, history, undo_with_action

    one = _add(conn, "one v1", tags=["t1"])
    two = _add(conn, "two v1")
    edit_note(conn, one.id, body="one v2", tags=["t2"])
    edit_note(conn, two.id, body="two v2")
    edit_note(conn, one.id, body="one v3")
    delete_note(conn, two.id)

    assert undo_with_action(conn)[0] == "delete"
    assert get_note(conn, two.id).body == "two v2"
    action, note = undo_with_action(conn)
    assert (action, note.id, note.body) == ("edit", one.id, "one v2")
    assert undo_with_action(conn)[1].body == "two v1"
    back = undo_with_action(conn)[1]
    assert (back.body, back.tags) == ("one v1", ["t1"])
    with pytest.raises(UsageError, match="nothing to undo"):
        undo_with_action(conn)
    assert [h.action for h in history(conn, one.id)] == ["create", "edit", "edit", "restore", "restore"]


def test_unknown_note(conn):
    from index.notes import delete_note, edit_note, get_note

    for call in (
        lambda: get_note(conn, 42),
        lambda: edit_note(conn, 42, body="x"),
        lambda: delete_note(conn, 42),
    ):
        with pytest.raises(NotFound, match="no note 42"):
            call()


def test_full_text_index_follows_body_quote_and_tags(conn):
    from index.notes import Anchor, edit_note, rebuild_fts

    note = _add(
        conn,
        "Transformers attend",
        tags=["architecture"],
        anchor=Anchor(exact="multi-head attention layers", status="attached"),
    )
    assert _fts(conn, "attending") == [note.id]  # porter stemming
    assert _fts(conn, "layer") == [note.id]
    assert _fts(conn, "architecture") == [note.id]
    edit_note(conn, note.id, body="Recurrent nets", tags=["history"])
    assert _fts(conn, "transformers") == [] and _fts(conn, "architecture") == []
    assert _fts(conn, "recurrent") == [note.id] and _fts(conn, "history") == [note.id]
    # A wrecked index (a crash mid-repair, a manual edit) is rebuilt from the tables.
    conn.execute("DELETE FROM notes_fts")
    assert rebuild_fts(conn) == 1
    assert _fts(conn, "recurrent") == [note.id]


def test_import_keeps_uuid_and_times_and_refuses_duplicates(conn):
    from index.notes import add_note

    note = add_note(
        conn, body="x", uuid="0b5a4a1e-0000-4000-8000-000000000001", created_at=100.5, updated_at=200.25
    )
    assert (note.uuid, note.created_at, note.updated_at) == (
        "0b5a4a1e-0000-4000-8000-000000000001",
        100.5,
        200.25,
    )
    with pytest.raises(UsageError, match="already exists"):
        add_note(conn, body="y", uuid=note.uuid)
