"""The reader under a learner's hands (issue 12): the note editor and keys typed fast, no stale
"Loading…", room to read, paging and jumps that land where they should, writes that never hold up
the screen, exercise resources from the tree. Documents are made up (``reader_docs``) and handed
to the app by a stand-in loader, so nothing here needs the corpus but the last test.
"""

from __future__ import annotations

import sqlite3

import pytest
import reader_docs
from apptools import attach_attention, screen_text, settle
from textual import events
from textual.widgets import TextArea

from index import notes as notes_api
from library import paths, progress
from reader.app import make_app
from reader.screens.note_editor import NoteEditor
from reader.widgets.block_layout import lay_out, text_width


def type_at_once(app, keys: list[str]) -> None:
    """Keys as a fast typist (or a paste) delivers them: all in the app's queue in the same tick,
    before any of them is handled."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def open_doc(app, pilot, reading_id: str = "attention") -> None:
    app.main.open_reading(reading_id)
    await settle(app, pilot)
    app.main.reader.focus()
    await pilot.pause()


# --- the note editor --------------------------------------------------------------------------------


async def test_keys_typed_in_the_same_tick_as_n_go_into_the_note(monkeypatch):
    reader_docs.serve(monkeypatch)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        reader = app.main.reader
        await pilot.press("j")
        block = reader.current_block
        # "d", "x" and "R" are keys of the main screen: none of them may act on the reading.
        type_at_once(app, ["n", *"dx Race"])
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert editor.focused is editor.query_one("#note-body", TextArea)
        assert editor.query_one("#note-body", TextArea).text == "dx Race"
        assert editor.query_one("#note-quote", TextArea).text == block.text
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        [note] = notes_api.list_notes(app.conn, reading_id="attention")
        assert note.body == "dx Race"
        assert note.anchor.exact == block.text and note.anchor.block_index == block.index
        assert "attention" not in progress.statuses(app.conn, "deep-learning")  # no "d", no "x"


async def test_tab_goes_body_tags_quote_when_it_is_read(monkeypatch):
    reader_docs.serve(monkeypatch)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        editor = app.screen
        body, tags, quote = (editor.query_one(s) for s in ("#note-body", "#note-tags", "#note-quote"))
        order = []
        for _ in range(3):
            order.append(editor.focused)
            await pilot.press("tab")
        assert order == [body, tags, quote]
        assert editor.focused is body  # round again
        # A Tab typed right after the body's text, the tags right after it: each lands in its field.
        type_at_once(app, [*"body text", "tab", *"one two"])
        await settle(app, pilot)
        assert body.text == "body text"
        assert tags.value == "one two"
        await pilot.press("enter")  # in the tags: saves
        await settle(app, pilot)
        [note] = notes_api.list_notes(app.conn, reading_id="attention")
        assert (note.body, note.tags) == ("body text", ["one", "two"])


async def test_the_quote_is_edited_later_and_anchored_again(monkeypatch):
    doc = reader_docs.structure()
    reader_docs.serve(monkeypatch, doc)
    app = make_app(warm_model=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        await pilot.press("j", "n")
        await settle(app, pilot)
        await pilot.press(*"first thought", "ctrl+s")
        await settle(app, pilot)
        [note] = notes_api.list_notes(app.conn, reading_id="attention")
        first = note.anchor.block_index
        # Edit it from the notes panel: point the quote at a later paragraph of the section.
        other = next(b for b in app.main.reader.blocks if b.kind == "paragraph" and b.index > first + 1)
        panel = app.main.notes_panel
        panel.focus()
        panel.highlighted = 0
        await pilot.press("e")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert editor.query_one("#note-quote", TextArea).text == note.anchor.exact
        editor.query_one("#note-quote", TextArea).text = " ".join(other.text.split()[:12])
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        moved = notes_api.get_note(app.conn, note.id)
        assert moved.anchor.block_index == other.index and moved.anchor.status == "attached"
        assert moved.body == "first thought"
        assert app.main.reader.is_noted(other.index) and not app.main.reader.is_noted(first)
        # Undo brings the old quote back.
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert notes_api.get_note(app.conn, note.id).anchor.block_index == first
        # A quote not in the document is refused, and the editor comes back with what was typed.
        panel.focus()
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#note-quote", TextArea).text = "words that appear nowhere zzz qqq"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one("#note-quote", TextArea).text == "words that appear nowhere zzz qqq"
        assert notes_api.get_note(app.conn, note.id).anchor.block_index == first


# --- Loading… ------------------------------------------------------------------------------------------


async def test_loading_is_shown_while_loading_and_never_after(monkeypatch):
    loader = reader_docs.serve(monkeypatch)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        loader.hold()
        app.main.open_reading("attention")
        await pilot.pause()
        assert "Loading…" in screen_text(app)
        loader.release()
        await settle(app, pilot)
        assert "Loading…" not in screen_text(app) and "Part 2" in screen_text(app)
        # Loads that finish at once, opened one after another: the text is never covered.
        for reading_id in ("scaling-laws", "attention", "t5", "moe", "attention", "scaling-laws") * 2:
            app.main.open_reading(reading_id)
            await settle(app, pilot)
            text = screen_text(app)
            assert "Loading…" not in text and "Part 2" in text, reading_id
        loader.state = "missing"
        app.main.open_reading("t5")
        await settle(app, pilot)
        text = screen_text(app)
        assert "not in your library" in text and "Loading…" not in text


# --- room to read -----------------------------------------------------------------------------------


async def test_the_reader_has_room_at_120_and_the_curriculum_folds_away_at_80(monkeypatch):
    reader_docs.serve(monkeypatch)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        assert app.main.pane.size.width >= 0.7 * 120
        await pilot.press("ctrl+b")
        assert not app.main.query_one("#sidebar").display
        assert app.main.pane.size.width == 120
        await pilot.press("ctrl+b")
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        app.main.curriculum_tree.focus()
        await pilot.pause()
        assert app.main.query_one("#sidebar").display  # in the curriculum: it shows
        app.main.open_reading("scaling-laws")
        await settle(app, pilot)
        assert not app.main.query_one("#sidebar").display  # reading: the text takes the width
        assert app.main.pane.size.width == 80
        await pilot.press("escape")
        await pilot.pause()
        assert app.main.query_one("#sidebar").display and app.main.curriculum_tree.has_focus
        await pilot.press("ctrl+b")  # hides it here too
        assert not app.main.query_one("#sidebar").display


def test_one_bullet_per_list_item_and_hanging_lines():
    from library.structure.model import Block

    item = Block(page=1, kind="list_item", text="• We only retained lines " + "long " * 30, index=0)
    layout = lay_out([item], 60)
    lines = ["".join(s.text for s in line.segments) for line in layout.lines if line.position == 0]
    assert lines[0].startswith("• We only") and lines[0].count("•") == 1
    assert all(line.startswith("  ") and "•" not in line for line in lines[1:])
    assert max(len(line) for line in lines) <= text_width(60)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        def channel(v: int) -> float:
            c = v / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(v) for v in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def low_contrast(app, region=None) -> list[tuple[float, str]]:
    """Every run of text on screen (in ``region``) below 4.5:1 (WCAG AA for body text), as drawn."""
    from rich.segment import Segment

    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        x = 0
        for text, style, _ in Segment.filter_control(strip):
            inside = region is None or (region.x <= x < region.right - 1 and region.y <= y < region.bottom)
            if inside and any(c.isalnum() for c in text) and style and style.color and style.bgcolor:
                ratio = contrast(style.color.get_truecolor(), style.bgcolor.get_truecolor())
                if ratio < 4.5:
                    found.append((round(ratio, 2), text.strip()))
            x += len(text)
    return found


async def test_light_theme_text_and_headings_pass_wcag_aa(monkeypatch):
    """Every kind of line in the reader, with and without the cursor on it, and all the text of
    the main screen (tree, titles, notes, status and footer), measured on the rendered screen."""
    reader_docs.serve(monkeypatch)
    app = make_app(warm_model=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+t")
        assert app.theme == "syllabus-light"
        await open_doc(app, pilot)
        reader = app.main.reader
        seen = set()
        for _ in range(len(reader.blocks)):
            seen.add(reader.current_block.kind)
            assert low_contrast(app, reader.content_region) == [], reader.current_block.kind
            await pilot.press("j")
        assert seen >= {"heading", "paragraph", "list_item", "caption", "equation", "table", "footnote"}
        app.main.curriculum_tree.focus()
        await pilot.pause()
        assert low_contrast(app) == []
        # The dark theme's reader too.
        await pilot.press("ctrl+t")
        await pilot.pause()
        reader.focus()
        await pilot.press("g")
        assert low_contrast(app, reader.content_region) == []


# --- paging and jumps ----------------------------------------------------------------------------------


async def test_page_down_moves_one_screen_at_once_and_the_cursor_follows(monkeypatch):
    reader_docs.serve(monkeypatch, part=None)  # the whole work: 30 pages
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        reader = app.main.reader
        height = reader.scrollable_content_region.height
        top = round(reader.scroll_offset.y)
        type_at_once(app, ["pagedown", "pagedown", "pagedown"])
        await settle(app, pilot)
        assert round(reader.scroll_offset.y) == top + 3 * (height - 2)  # three screens, not four
        y = round(reader.scroll_offset.y)
        cursor_top = reader.text_layout.tops[reader.cursor]
        assert y <= cursor_top < y + height  # the cursor is on the screen shown...
        first = reader.text_layout.first_block_from(y)
        assert reader.cursor == first  # ...on the first block that starts on it
        await pilot.press("pageup")
        assert round(reader.scroll_offset.y) == y - (height - 2)


async def test_a_search_hit_in_the_whole_work_lands_in_the_top_third(monkeypatch):
    from index.search import Hit

    reader_docs.serve(monkeypatch, part=None)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        reader = app.main.reader
        for target in (140, 60, 150):  # opening the reading, then jumps within it
            hit = Hit(
                kind="passage",
                id=1,
                reading="attention",
                reading_key=None,
                arxiv_id=None,
                section=None,
                section_title=None,
                page=None,
                score=1.0,
                text="",
                snippet="",
                block_index=target,
            )
            app.main.jump_to_hit(hit)
            await settle(app, pilot)
            assert reader.current_block.index == target
            row = reader.text_layout.tops[reader.cursor] - round(reader.scroll_offset.y)
            assert 0 <= row < reader.scrollable_content_region.height / 3, (target, row)


async def test_j_redraws_two_blocks_not_the_document(monkeypatch):
    """The cost of a key does not grow with the document: ``j`` asks for the lines of the block left
    and the block reached, whatever the length of the work."""
    reader_docs.serve(monkeypatch, part=None)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        reader = app.main.reader
        drawn = []
        render_line = reader.render_line
        monkeypatch.setattr(reader, "render_line", lambda y: drawn.append(y) or render_line(y))
        await pilot.press("j")
        await pilot.pause()
        before, after = reader.cursor - 1, reader.cursor
        expected = reader.text_layout.heights[before] + reader.text_layout.heights[after]
        assert 0 < len(drawn) <= expected
        assert len(reader.text_layout) > 20 * reader.scrollable_content_region.height  # a long work


# --- writes ------------------------------------------------------------------------------------------------


async def test_a_status_write_waits_for_another_writer_without_freezing_the_screen(monkeypatch):
    reader_docs.serve(monkeypatch)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        other = sqlite3.connect(paths.database_path(), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            await pilot.press("d")
            await pilot.pause(0.6)
            # The screen answers keys meanwhile, and says what waits.
            await pilot.press("j")
            assert app.main.reader.cursor == 1
            assert "waiting for another syllabus" in screen_text(app)
            assert "attention" not in progress.statuses(app.conn, "deep-learning")
        finally:
            other.execute("ROLLBACK")
            other.close()
        await settle(app, pilot)
        assert progress.statuses(app.conn, "deep-learning")["attention"]["status"] == "done"
        assert "waiting for another syllabus" not in screen_text(app)


# --- exercise resources ----------------------------------------------------------------------------------


@pytest.mark.corpus
async def test_an_exercise_resource_with_a_part_opens_from_the_tree(corpus):
    from index.db import connect
    from library import curricula
    from library.fetch.local import attach

    conn = connect()
    resource = curricula.find(curricula.active(conn), "ex9-red-teaming-paper").reading
    attach(conn, resource, corpus / "arxiv" / "2202.03286.pdf")
    conn.close()
    attach_attention(corpus)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tree = app.main.curriculum_tree
        assert tree.select_item("ex9-red-teaming-paper")
        await pilot.pause()
        tree.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main.reading.id == "ex9-red-teaming-paper"
        assert app.main.pane.content.number == "3.1"
        assert "3.1" in screen_text(app)


async def test_slash_and_a_query_typed_at_once_all_reach_the_search_box(monkeypatch):
    from index import search as search_api
    from reader.screens.search import SearchScreen

    monkeypatch.setattr(search_api, "search", lambda conn, query, **kw: [])
    reader_docs.serve(monkeypatch)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_doc(app, pilot)
        type_at_once(app, ["slash", *"dx/q"])  # "d" and "x" are status keys, "q" quits
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one("#search-input").value == "dx/q"
        assert "attention" not in progress.statuses(app.conn, "deep-learning")


async def test_writes_still_running_when_the_app_closes_all_land_and_nothing_crashes():
    # The app closes its write connection at unmount; a write worker still going (a position saved
    # on the way out, a queue behind a busy database) must not have it closed under it: that
    # crashed the process (a segfault in BEGIN IMMEDIATE).
    from index.db import connect
    from library import curricula

    for round_ in range(5):
        app = make_app(warm_model=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            for i in range(200):
                app.writes.submit(
                    "a test write", lambda conn, i=i, r=round_: curricula.set_setting(conn, f"k{i}", str(r))
                )
        assert app.writes.wait(30)
        conn = connect()
        try:
            assert all(curricula.get_setting(conn, f"k{i}") == str(round_) for i in range(200))
        finally:
            conn.close()
