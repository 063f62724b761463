"""Pilot tests of the app's flows, asserting on state and on what is on screen.

They wait for workers (``app.workers.wait_for_complete()``, ``pilot.pause()``), never sleep.
The embedding model is not loaded (``warm_model=False``) except in the one test marked slow.
"""

from __future__ import annotations

import pytest
from apptools import attach_attention, notifications, open_reading, screen_text, settle
from textual.widgets import Input, Static

from library import curricula, progress
from reader.app import make_app
from reader.screens.help import HelpScreen
from reader.screens.progress import ProgressScreen
from reader.screens.search import SearchScreen
from reader.widgets.curriculum_tree import CurriculumTree
from reader.widgets.reader_view import BlockView, ReaderView

# --- curriculum -----------------------------------------------------------------------------------


async def test_fresh_home_shows_every_chapter_of_the_bundled_curriculum():
    app = make_app(warm_model=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        tree = app.query_one(CurriculumTree)
        cur = curricula.active(app.conn)
        assert [node.data.chapter for node in tree.root.children] == [c.number for c in cur.chapters]
        labels = [str(node.label) for node in tree.root.children]
        for chapter, label in zip(cur.chapters, labels, strict=False):
            assert chapter.title in label
        text = screen_text(app)
        assert cur.title in text
        for chapter in cur.chapters[:8]:  # 80x24: the first eight chapter rows are visible
            assert f"{chapter.number} " in text


async def test_status_keys_write_progress_and_cli_changes_show_in_the_app(run_cli):
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        tree = app.query_one(CurriculumTree)
        tree.select_item("attention")
        await pilot.pause()
        assert tree.current_item.id == "attention"
        await pilot.press("d")
        await pilot.pause()
        assert progress.statuses(app.conn, "deep-learning")["attention"]["status"] == "done"
        assert "●" in tree.item_label("attention")
        code, out, _ = run_cli("progress", "--json")
        assert code == 0 and '"done": 1' in out
        # Exercises take their own statuses; "s" (skimmed) is not one of them.
        exercise = curricula.active(app.conn).chapter(1).exercises[0].id
        tree.select_item(exercise)
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert progress.statuses(app.conn, "deep-learning")[exercise]["status"] == "doing"
        # The other way round: the CLI marks, the app's poll picks it up.
        code, _, _ = run_cli("mark", "scaling-laws", "skimmed")
        assert code == 0
        app.poll_database()
        await pilot.pause()
        assert tree.statuses["scaling-laws"] == "skimmed"
        assert "◑" in tree.item_label("scaling-laws")


async def test_titles_with_markup_show_literally():
    app = make_app(warm_model=False)
    from index.db import connect
    from library.catalogue import from_builtins

    conn = connect()
    evil = from_builtins(
        {
            "name": "evil",
            "title": "[bold]Evil[/bold] list",
            "chapters": [
                {
                    "number": 1,
                    "title": "[link=https://x.example]click[/link]",
                    "readings": [
                        {
                            "id": "r1",
                            "title": "[red]Red[/red] \x1b[31mpaper",
                            "kind": "pdf",
                            "url": "https://example.org/a.pdf",
                            "role": "recommended",
                        }
                    ],
                }
            ],
        },
        "test",
    )
    curricula.install(conn, evil)
    app = make_app(curriculum_name="evil", warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "[bold]Evil[/bold] list" in screen_text(app).replace("&#160;", " ")
        assert "[link=https://x.example]click[/link]" in str(
            app.query_one(CurriculumTree).root.children[0].label
        )


async def test_help_lists_every_binding_and_palette_offers_every_action():
    app = make_app(warm_model=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for section, node_class in app.help_sections():
            for binding in node_class.BINDINGS:
                if getattr(binding, "description", ""):
                    assert binding.description in text, (section, binding.description)
        await pilot.press("escape")
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for expected in (
            "Search",
            "Progress",
            "Outline",
            "Note",
            "Done",
            "Section/whole",
            "Open next reading",
            "Light/dark theme",
            "Edit note",
            "Fetch reading",
        ):
            assert expected in titles, expected


async def test_theme_toggle_and_resize():
    app = make_app(warm_model=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = app.theme
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme != before
        assert curricula.get_setting(app.conn, "theme") == app.theme
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert app.query_one("#side-panel").display  # wide enough for notes beside the text
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.query_one("#side-panel").display


async def test_progress_screen_shows_chapters_next_and_time():
    app = make_app(warm_model=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        table = app.screen.query_one("#chapters-table")
        assert table.row_count == len(curricula.active(app.conn).chapters)
        next_list = app.screen.query_one("#next-list")
        expected = progress.next_readings(app.conn, curricula.active(app.conn), limit=5)
        assert [next_list.get_option_at_index(i).id for i in range(next_list.option_count)] == [
            s.reading.id for s in expected
        ]
        # Enter on "read next" opens the reading in the main screen.
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main.reading.id == expected[0].reading.id


async def test_reading_not_fetched_offers_to_fetch_and_image_key_explains(monkeypatch):
    app = make_app(warm_model=False)
    shown = notifications(app, monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        reader = app.query_one(ReaderView)
        assert reader.fetchable
        assert "Press f to fetch" in screen_text(app)
        await pilot.press("i")
        await pilot.pause()
        assert any("cannot show images" in message for message in shown)


# --- reading, notes, search (the corpus PDF) --------------------------------------------------------


@pytest.mark.corpus
async def test_attention_opens_on_section_3_and_returns_to_where_you_were(corpus):
    attach_attention(corpus)
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        pane = app.main.pane
        reader = app.query_one(ReaderView)
        assert pane.content.number == "3"
        assert reader.blocks[0].kind == "heading" and "Model Architecture" in reader.blocks[0].text
        assert "Model Architecture" in screen_text(app)
        assert app.query(".page-marker")  # [p. N] landmarks
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert reader.cursor == 3
        current = reader.current_block.index
        # Whole work and back keep the cursor on the same block.
        await pilot.press("w")
        await settle(app, pilot)
        assert pane.view == "whole" and reader.current_block.index == current
        assert len(reader.blocks) > len(pane.content.blocks)
        await pilot.press("w")
        await settle(app, pilot)
        assert pane.view == "section" and reader.current_block.index == current
        # Outline: jump to a subsection heading.
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert reader.current_block.kind == "heading"
        heading = reader.current_block.index
        pane.save_position()
    # A new app returns to that paragraph.
    app = make_app(warm_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.main.curriculum_tree.current_item.id == "attention"
        await open_reading(app, pilot, "attention")
        assert app.query_one(ReaderView).current_block.index == heading


@pytest.mark.corpus
async def test_note_with_n_is_marked_listed_edited_deleted_and_undone(corpus):
    from index import notes as notes_api

    attach_attention(corpus)
    app = make_app(warm_model=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        reader = app.query_one(ReaderView)
        await pilot.press("j")
        await pilot.pause()
        block = reader.current_block
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Encoder maps [bold]symbols[/bold]")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        notes = notes_api.list_notes(app.conn, reading_id="attention")
        assert len(notes) == 1
        note = notes[0]
        assert note.body == "Encoder maps [bold]symbols[/bold]"
        assert note.anchor.block_index == block.index and note.anchor.status == "attached"
        assert note.anchor.exact and note.anchor.exact in " ".join(block.text.split())
        view = next(v for v in app.query(BlockView) if v.block.index == block.index)
        assert view.has_class("-noted")
        panel = app.query_one("#notes")
        assert panel.notes[0].id == note.id
        assert "[bold]symbols[/bold]" in screen_text(app)
        # Jump from the notes panel back to the passage.
        await pilot.press("G")
        panel.focus()
        panel.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert reader.current_block.index == block.index
        # Tag it, delete it, undo.
        panel.focus()
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one(Input).value = "encoder embeddings"
        await pilot.press("enter")
        await pilot.pause()
        assert notes_api.get_note(app.conn, note.id).tags == ["embeddings", "encoder"]
        panel.focus()
        await pilot.press("delete")
        await pilot.pause()
        assert notes_api.list_notes(app.conn, reading_id="attention") == []
        assert not view.has_class("-noted")
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert [n.id for n in notes_api.list_notes(app.conn, reading_id="attention")] == [note.id]


@pytest.mark.corpus
async def test_a_quote_the_document_does_not_contain_is_refused_and_the_draft_kept(corpus, monkeypatch):
    """The app anchors a note's quote by the CLI's rule (index.notes.anchor_for_quote): words the
    document does not have are refused with the reason, and the editor opens again on the draft."""
    from textual.widgets import TextArea

    from index import notes as notes_api
    from reader.screens.note_editor import NoteEditor

    attach_attention(corpus)
    app = make_app(warm_model=False)
    shown = notifications(app, monkeypatch)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        await pilot.press("j", "n")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        app.screen.query_one("#note-quote", TextArea).text = "words no paper of this corpus contains anywhere"
        await pilot.press(*"My own note")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert notes_api.list_notes(app.conn, reading_id="attention") == []
        assert any("quote not found in the document" in message for message in shown)
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert editor.query_one("#note-body", TextArea).text == "My own note"
        # Trimmed back to words the paragraph has, the same draft saves, anchored to that paragraph.
        block = app.query_one(ReaderView).current_block
        words = " ".join(block.text.split()[:8])
        editor.query_one("#note-quote", TextArea).text = words
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        (note,) = notes_api.list_notes(app.conn, reading_id="attention")
        assert note.body == "My own note" and note.anchor.block_index == block.index


async def test_typing_in_search_never_waits_for_queries(monkeypatch):
    """A slow index must not delay keystrokes: each keystroke cancels the previous query."""
    import threading

    from index import search as search_api

    release = threading.Event()
    calls = []

    def slow_search(conn, query, **kwargs):
        calls.append(query)
        release.wait(5)
        return []

    monkeypatch.setattr(search_api, "search", slow_search)
    app = make_app(warm_model=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        shown = []
        show_results = screen.show_results
        monkeypatch.setattr(
            screen, "show_results", lambda message: shown.append(message.query) or show_results(message)
        )
        await pilot.press(*"attention heads")
        # Every key landed while queries were blocked in their threads.
        assert screen.query_one(Input).value == "attention heads"
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.last_query == "attention heads"
        assert shown == ["attention heads"]  # earlier, cancelled queries never reached the screen


@pytest.mark.corpus
@pytest.mark.slow
async def test_note_found_by_paraphrase_and_enter_jumps_back(corpus, model):
    attach_attention(corpus)
    app = make_app(warm_model=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await open_reading(app, pilot, "attention")
        reader = app.query_one(ReaderView)
        await pilot.press("j", "j")
        await pilot.pause()
        target = reader.current_block.index
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Stacked self-attention and feed-forward layers in both halves")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        app.indexing.update()  # what the model-ready and note-saved hooks run
        await settle(app, pilot)
        await pilot.press("G")
        await pilot.pause()
        assert reader.current_block.index != target
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"layers piled on top of each other in encoder and decoder")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        kinds = [h.kind for h in screen.hits]
        assert "note" in kinds
        screen.query_one("#search-results").highlighted = kinds.index("note")
        await pilot.press("enter")
        await settle(app, pilot)
        assert reader.current_block.index == target
