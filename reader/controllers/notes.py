"""The main screen's notes: listing the open reading's, writing one on a paragraph (``n``), editing,
tagging, deleting and undoing from the notes panel, and jumping to a note's passage.

Writes go through ``index.notes`` in the app's writes worker (:mod:`reader.controllers.writes`:
never on the event loop); the quote of a note is anchored by :func:`index.notes.anchor_for_quote`,
the same rule as ``syllabus note add --quote``, when it is written and again when an edit changes
it. Once a write has landed the controller refreshes the panel and the reader's note marks and
posts :class:`~reader.messages.NotesChanged`, on which the app updates the search index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from library.errors import SyllabusError
from library.store import key_of
from reader.messages import NoteActionRequested, NotesChanged
from reader.screens.dialogs import PromptScreen
from reader.screens.note_editor import NoteDraft, NoteEditor, collapse, parse_tags

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from index.notes import Anchor, Note
    from library.structure.model import Block
    from reader.screens.main import MainScreen


class NotesController:
    """Notes of the reading open in ``screen``'s reading pane."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.notes: list[Note] = []

    @property
    def conn(self) -> sqlite3.Connection:
        return self.screen.conn

    def refresh(self) -> None:
        """Read the open reading's notes again: the panel lists them, the reader marks their blocks."""
        # index.notes costs ~20 ms of imports (json, hashlib, the store): paid when the first
        # reading opens, not at first paint.
        from index import notes as notes_api

        reading = self.screen.pane.reading
        if reading is None:
            return
        self.notes = notes_api.list_notes(self.conn, reading_key=key_of(reading))
        self.screen.notes_panel.set_notes(self.notes)
        self.screen.pane.show_noted(self.noted_blocks())

    def noted_blocks(self) -> dict[int, int]:
        """How many attached notes each block of the open reading has."""
        noted: dict[int, int] = {}
        for note in self.notes:
            anchor = note.anchor
            if anchor is not None and anchor.block_index is not None and anchor.status == "attached":
                noted[anchor.block_index] = noted.get(anchor.block_index, 0) + 1
        return noted

    def _changed(self, note_id: int, message: str | None = None) -> None:
        self.refresh()
        if message:
            self.screen.notify(message, markup=False)
        self.screen.post_message(NotesChanged(note_id))

    # --- writing ---------------------------------------------------------------------------------------

    def request(self, block: Block) -> None:
        """``n`` on a paragraph: the note editor, its quote the paragraph's text. Pushed at once (the
        caller is a priority binding): keys typed after ``n`` reach the editor."""
        reading = self.screen.pane.reading
        if reading is None:
            return
        title = f"Note on {reading.title} · p. {block.page}"
        self._edit_new(title, block, NoteDraft("", [], block.text.strip()))

    def _edit_new(self, title: str, block: Block, draft: NoteDraft) -> None:
        def save(result: NoteDraft | None) -> None:
            if result is not None:
                self._add(title, result, block)

        editor = NoteEditor(title=title, quote=draft.quote, body=draft.body, tags=draft.tags)
        self.screen.app.push_screen(editor, save)

    def _add(self, title: str, draft: NoteDraft, block: Block) -> None:
        pane = self.screen.pane
        reading = pane.reading
        if reading is None:
            return
        curriculum = self.screen.curriculum.name
        chapter = pane.chapter.number if pane.chapter else None
        locate = self._anchor_finder(page=block.page, block_index=block.index)

        def write(conn: sqlite3.Connection) -> Note:
            # ~20 ms: see refresh(); here, in the writes' worker
            from index import notes as notes_api

            return notes_api.add_note(
                conn,
                body=draft.body,
                curriculum=curriculum,
                reading_id=reading.id,
                reading_key=key_of(reading),
                chapter=chapter,
                tags=draft.tags,
                anchor=locate(draft.quote) if draft.quote else None,
            )

        def saved(note: Note) -> None:
            self.refresh()
            self.screen.notes_panel.highlight_note(note.id)
            self.screen.notify("Note saved.")
            self.screen.post_message(NotesChanged(note.id))

        def refused(exc: Exception) -> None:
            # Nothing typed is lost: the editor opens again on the draft, to fix the quote or body.
            self._not_saved(exc)
            self._edit_new(title, block, draft)

        self.screen.writes.submit("saving the note", write, saved, refused)

    def _anchor_finder(self, *, page: int | None, block_index: int | None) -> Callable[[str], Anchor]:
        """Where a quote is in the open document, as ``index.notes.anchor_for_quote`` finds it (the
        one rule, with the CLI's ``note add --quote``); ``page`` and ``block_index`` break ties.
        Called in the writes' worker: matching a quote in a long document takes a while."""
        structure, document = self.screen.pane.structure, self.screen.pane.document

        def locate(quote: str) -> Anchor:
            from index import notes as notes_api  # ~20 ms: see refresh()

            return notes_api.anchor_for_quote(
                structure,
                quote,
                page=page,
                block_index=block_index,
                document_id=str(document.id) if document is not None else None,
                arxiv_version=document.arxiv_version if document is not None else None,
            )

        return locate

    def _not_saved(self, exc: Exception) -> None:
        detail = str(exc) if isinstance(exc, SyllabusError) else repr(exc)
        self.screen.notify(detail, title="Note not saved", severity="error", markup=False)

    # --- from the notes panel ----------------------------------------------------------------------------

    def act(self, message: NoteActionRequested) -> None:
        """Edit, tag or delete a note, as the notes panel asked."""
        # ~20 ms: see refresh()
        from index import notes as notes_api

        note = notes_api.get_note(self.conn, message.note_id)
        writes = self.screen.writes
        if message.action == "delete":
            writes.submit(
                "deleting the note",
                lambda conn: notes_api.delete_note(conn, note.id),
                lambda _: self._changed(note.id, "Note deleted. ctrl+z brings it back."),
            )
        elif message.action == "edit":
            self._edit(note)
        elif message.action == "tag":

            def tag(value: str | None) -> None:
                if value is not None:
                    tags = parse_tags(value)
                    writes.submit(
                        "tagging the note",
                        lambda conn: notes_api.edit_note(conn, note.id, tags=tags),
                        lambda _: self._changed(note.id),
                    )

            self.screen.app.push_screen(PromptScreen("Tags (space-separated)", " ".join(note.tags)), tag)

    def _edit(self, note: Note, draft: NoteDraft | None = None) -> None:
        """The editor on a note: body, tags and quote. A changed quote is anchored again."""
        from index import notes as notes_api  # ~20 ms: see refresh()

        old = note.anchor
        old_quote = collapse(old.exact or "") if old is not None else ""
        locate = self._anchor_finder(
            page=old.page if old else None, block_index=old.block_index if old else None
        )

        def save(result: NoteDraft | None) -> None:
            if result is None:
                return

            def write(conn: sqlite3.Connection) -> Note:
                anchor = None
                if result.quote != old_quote:
                    # No quote: the note keeps its page (and section), pointing at no passage.
                    anchor = (
                        locate(result.quote)
                        if result.quote
                        else notes_api.Anchor(
                            document_id=old.document_id if old else None,
                            arxiv_version=old.arxiv_version if old else None,
                            section=old.section if old else None,
                            page=old.page if old else None,
                        )
                    )
                return notes_api.edit_note(conn, note.id, body=result.body, tags=result.tags, anchor=anchor)

            def refused(exc: Exception) -> None:
                self._not_saved(exc)
                self._edit(note, result)

            self.screen.writes.submit(
                "saving the note", write, lambda _: self._changed(note.id, "Note saved."), refused
            )

        draft = draft or NoteDraft(note.body, list(note.tags), old_quote)
        editor = NoteEditor(title="Edit note", body=draft.body, tags=draft.tags, quote=draft.quote)
        self.screen.app.push_screen(editor, save)

    def undo(self) -> None:
        """Undo the last delete or edit of a note."""
        # ~20 ms: see refresh()
        from index import notes as notes_api

        def undone(result: tuple[str, Note]) -> None:
            action, note = result
            self._changed(note.id, f"Undid the {action} of note {note.id}.")

        def nothing(exc: Exception) -> None:
            self.screen.notify(str(exc), severity="warning", markup=False)

        self.screen.writes.submit("undoing", notes_api.undo_with_action, undone, nothing)

    # --- jumping ------------------------------------------------------------------------------------------

    def jump_to(self, note_id: int) -> None:
        """Open the note's reading (if another is open) with the cursor on its passage."""
        # ~20 ms: see refresh()
        from index import notes as notes_api

        note = notes_api.get_note(self.conn, note_id)
        anchor = note.anchor
        block_index = anchor.block_index if anchor is not None else None
        reading = self.screen.pane.reading
        if note.reading_id and (reading is None or reading.id != note.reading_id):
            try:
                self.screen.open_reading(note.reading_id, block_index=block_index)
            except SyllabusError as exc:  # a note on a reading this curriculum does not have
                self.screen.notify(f"Cannot open the note's reading: {exc}", severity="warning", markup=False)
            return
        if block_index is None:
            self.screen.notify("This note is not anchored to a passage.", severity="information")
            return
        self.screen.pane.jump_to_block(block_index)
        self.screen.pane.reader.focus()
