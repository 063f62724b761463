"""The main screen's notes: listing the open reading's, writing one on a paragraph (``n``), editing,
tagging, deleting and undoing from the notes panel, and jumping to a note's passage.

Writes go through ``index.notes`` (the quote of a new note is anchored by
:func:`index.notes.anchor_for_quote`, the same rule as ``syllabus note add --quote``); after each,
the controller refreshes the panel and the reader's note marks and posts
:class:`~reader.messages.NotesChanged`, on which the app updates the search index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from library.errors import SyllabusError
from library.store import key_of
from reader.messages import NoteActionRequested, NoteRequested, NotesChanged
from reader.screens.dialogs import PromptScreen
from reader.screens.note_editor import NoteDraft, NoteEditor, parse_tags

if TYPE_CHECKING:
    import sqlite3

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

    def request(self, message: NoteRequested) -> None:
        """``n`` on a paragraph: the note editor, its quote the paragraph's text."""
        reading = self.screen.pane.reading
        if reading is None:
            return
        block = next((b for b in self.screen.pane.reader.blocks if b.index == message.block_index), None)
        title = f"Note on {reading.title}"
        if block is not None:
            title += f" · p. {block.page}"
        self._edit_new(title, block, NoteDraft("", [], message.text))

    def _edit_new(self, title: str, block: Block | None, draft: NoteDraft) -> None:
        def save(result: NoteDraft | None) -> None:
            if result is not None:
                self._add(title, result, block)

        editor = NoteEditor(title=title, quote=draft.quote, body=draft.body, tags=draft.tags)
        self.screen.app.push_screen(editor, save)

    def _add(self, title: str, draft: NoteDraft, block: Block | None) -> None:
        # ~20 ms: see refresh()
        from index import notes as notes_api

        pane = self.screen.pane
        reading = pane.reading
        if reading is None:
            return
        try:
            anchor = self._anchor(draft.quote, block) if draft.quote else None
            note = notes_api.add_note(
                self.conn,
                body=draft.body,
                curriculum=self.screen.curriculum.name,
                reading_id=reading.id,
                reading_key=key_of(reading),
                chapter=pane.chapter.number if pane.chapter else None,
                tags=draft.tags,
                anchor=anchor,
            )
        except SyllabusError as exc:
            # Nothing typed is lost: the editor opens again on the draft, to fix the quote or body.
            self.screen.notify(str(exc), title="Note not saved", severity="error", markup=False)
            self._edit_new(title, block, draft)
            return
        self.refresh()
        self.screen.notes_panel.highlight_note(note.id)
        self.screen.notify("Note saved.")
        self.screen.post_message(NotesChanged(note.id))

    def _anchor(self, quote: str, block: Block | None) -> Anchor:
        # ~20 ms: see refresh()
        from index import notes as notes_api

        document = self.screen.pane.document
        return notes_api.anchor_for_quote(
            self.screen.pane.structure,
            quote,
            page=block.page if block is not None else None,
            block_index=block.index if block is not None else None,
            document_id=str(document.id) if document is not None else None,
            arxiv_version=document.arxiv_version if document is not None else None,
        )

    # --- from the notes panel ----------------------------------------------------------------------------

    def act(self, message: NoteActionRequested) -> None:
        """Edit, tag or delete a note, as the notes panel asked."""
        # ~20 ms: see refresh()
        from index import notes as notes_api

        note = notes_api.get_note(self.conn, message.note_id)
        if message.action == "delete":
            notes_api.delete_note(self.conn, note.id)
            self._changed(note.id, "Note deleted. ctrl+z brings it back.")
        elif message.action == "edit":

            def save(draft: NoteDraft | None) -> None:
                if draft is not None:
                    notes_api.edit_note(self.conn, note.id, body=draft.body, tags=draft.tags)
                    self._changed(note.id, "Note saved.")

            self.screen.app.push_screen(
                NoteEditor(title="Edit note", body=note.body, tags=list(note.tags)), save
            )
        elif message.action == "tag":

            def tag(value: str | None) -> None:
                if value is not None:
                    notes_api.edit_note(self.conn, note.id, tags=parse_tags(value))
                    self._changed(note.id)

            self.screen.app.push_screen(PromptScreen("Tags (space-separated)", " ".join(note.tags)), tag)

    def undo(self) -> None:
        """Undo the last delete or edit of a note."""
        # ~20 ms: see refresh()
        from index import notes as notes_api

        try:
            action, note = notes_api.undo_with_action(self.conn)
        except SyllabusError as exc:
            self.screen.notify(str(exc), severity="warning", markup=False)
            return
        self._changed(note.id, f"Undid the {action} of note {note.id}.")

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
