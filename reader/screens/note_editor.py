"""Writing or editing a note: the quoted passage (trim it to quote part of the paragraph), the
body, and tags. Dismisses with a :class:`NoteDraft`, or None when cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from reader.widgets.footer import Footer


@dataclass(frozen=True)
class NoteDraft:
    body: str
    tags: list[str]
    # The passage quoted; None when editing (the anchor stays as it is).
    quote: str | None


def parse_tags(text: str) -> list[str]:
    """``"#attention, heads  softmax"`` -> ``["attention", "heads", "softmax"]``."""
    return [t.lstrip("#") for t in text.replace(",", " ").split() if t.lstrip("#")]


class NoteEditor(ModalScreen[NoteDraft | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save note", show=True, priority=True),
        Binding("escape", "cancel", "Cancel", show=True),
    ]

    def __init__(
        self, *, title: str, quote: str | None = None, body: str = "", tags: list[str] | None = None
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.quote = quote
        self.body = body
        self.tags = tags or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-editor"):
            yield Label(Text(self.title_text), classes="dialog-title", markup=False)
            if self.quote is not None:
                yield Label("Quote (delete what you do not want to quote)", classes="field-label")
                yield TextArea(self.quote, id="note-quote", soft_wrap=True, show_line_numbers=False)
            yield Label("Note", classes="field-label")
            yield TextArea(self.body, id="note-body", soft_wrap=True, show_line_numbers=False)
            yield Label("Tags", classes="field-label")
            yield Input(
                " ".join(self.tags), placeholder="space-separated, e.g. attention heads", id="note-tags"
            )
        yield Footer()

    def on_mount(self) -> None:
        body = self.query_one("#note-body", TextArea)
        body.focus()
        body.move_cursor(body.document.end)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        body = self.query_one("#note-body", TextArea).text.strip()
        if not body:
            self.notify("Write something first (or Escape to cancel).", severity="warning")
            return
        quote = None
        if self.quote is not None:
            quote = " ".join(self.query_one("#note-quote", TextArea).text.split()) or None
        tags = parse_tags(self.query_one("#note-tags", Input).value)
        self.dismiss(NoteDraft(body, tags, quote))

    def action_cancel(self) -> None:
        self.dismiss(None)
