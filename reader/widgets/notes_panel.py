"""The notes of the open reading, beside the text. Enter jumps to a note's passage.

Options are :class:`rich.text.Text`: a note body containing ``[link=...]`` shows literally.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.messages import JumpToNote, NoteActionRequested


def note_prompt(note: Any, width_hint: int = 120) -> Text:
    """A note as two or three lines: the quoted passage, the body, the tags."""
    text = Text()
    anchor = getattr(note, "anchor", None)
    exact = getattr(anchor, "exact", None) if anchor is not None else None
    if exact:
        quote = " ".join(exact.split())
        if len(quote) > width_hint:
            quote = quote[: width_hint - 1] + "…"
        text.append("“" + quote + "”\n", style="italic dim")
    text.append(note.body.strip())
    if note.tags:
        text.append("\n" + " ".join(f"#{t}" for t in note.tags), style="bold cyan")
    if anchor is not None and getattr(anchor, "status", None) == "orphan":
        text.append("\n(passage not found in this version)", style="dim red")
    return text


class NotesPanel(OptionList):
    """Notes of one reading, newest last. The screen sets :attr:`notes` through :meth:`set_notes`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Jump to passage", show=False),
        Binding("e", "edit", "Edit note", show=True),
        Binding("t", "tag", "Tag note", show=True),
        Binding("delete,backspace", "delete", "Delete note", show=True),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.notes: list[Any] = []
        self.border_title = "Notes"

    def set_notes(
        self, notes: list[Any], *, placeholder: str = "No notes on this reading yet: press n on a paragraph."
    ) -> None:
        highlighted = self.highlighted_note
        self.notes = list(notes)
        self.clear_options()
        if not self.notes:
            self.add_option(Option(Text(placeholder, style="dim"), disabled=True))
        else:
            self.add_options([Option(note_prompt(n), id=str(n.id)) for n in self.notes])
            ids = [n.id for n in self.notes]
            if highlighted is not None and highlighted.id in ids:
                self.highlighted = ids.index(highlighted.id)
        self.border_title = f"Notes ({len(self.notes)})" if self.notes else "Notes"

    @property
    def highlighted_note(self) -> Any | None:
        if self.highlighted is None or not (0 <= self.highlighted < len(self.notes)):
            return None
        return self.notes[self.highlighted]

    def highlight_note(self, note_id: int) -> None:
        for position, note in enumerate(self.notes):
            if note.id == note_id:
                self.highlighted = position
                return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(JumpToNote(int(event.option.id)))

    def _need_note(self) -> Any | None:
        note = self.highlighted_note
        if note is None:
            self.notify("No note selected.", severity="warning")
        return note

    def action_edit(self) -> None:
        note = self._need_note()
        if note is not None:
            self.post_message(NoteActionRequested(note.id, "edit"))

    def action_tag(self) -> None:
        note = self._need_note()
        if note is not None:
            self.post_message(NoteActionRequested(note.id, "tag"))

    def action_delete(self) -> None:
        note = self._need_note()
        if note is not None:
            self.post_message(NoteActionRequested(note.id, "delete"))
