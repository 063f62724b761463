"""Writing or editing a note: the body, tags, and the quoted passage (trim it to quote part of the
paragraph; edit it later to point the note elsewhere). Dismisses with a :class:`NoteDraft`, or None
when cancelled.

Typing starts at once: the body has focus when the dialog appears, and keys typed before it was on
screen (``n`` and a word typed in one go) reach the body in order (:mod:`reader.screens.typing`).
Tab moves body → tags → quote when the app reads the Tab key, so the keys typed after it land in
the next field however fast they come.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, TextArea

from reader.screens.typing import TypingScreen
from reader.widgets.footer import Footer


@dataclass(frozen=True)
class NoteDraft:
    body: str
    tags: list[str]
    # The passage quoted, whitespace collapsed ("" when there is none).
    quote: str


def parse_tags(text: str) -> list[str]:
    """``"#attention, heads  softmax"`` -> ``["attention", "heads", "softmax"]``."""
    return [t.lstrip("#") for t in text.replace(",", " ").split() if t.lstrip("#")]


def collapse(text: str) -> str:
    """A quote as it is stored: one line, single spaces."""
    return " ".join(text.split())


class NoteEditor(TypingScreen[NoteDraft | None]):
    AUTO_FOCUS = "#note-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save note", show=True, priority=True),
        Binding("escape", "cancel", "Cancel", show=True),
        # Priority: focus moves when the app reads the key, before it hands on the keys after it.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    def __init__(self, *, title: str, quote: str = "", body: str = "", tags: list[str] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.quote = quote
        self.body = body
        self.tags = tags or []

    def compose(self) -> ComposeResult:
        # In Tab order: what the user came to write first.
        with Vertical(classes="dialog note-editor"):
            yield Label(Text(self.title_text), classes="dialog-title", markup=False)
            yield Label("Note", classes="field-label")
            yield TextArea(self.body, id="note-body", soft_wrap=True, show_line_numbers=False)
            yield Label("Tags", classes="field-label")
            yield Input(
                " ".join(self.tags), placeholder="space-separated, e.g. attention heads", id="note-tags"
            )
            yield Label("Quote (delete what you do not want to quote)", classes="field-label")
            yield TextArea(self.quote, id="note-quote", soft_wrap=True, show_line_numbers=False)
        yield Footer()

    def on_mount(self) -> None:
        body = self.query_one("#note-body", TextArea)
        body.move_cursor(body.document.end)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        body = self.query_one("#note-body", TextArea).text.strip()
        if not body:
            self.notify("Write something first (or Escape to cancel).", severity="warning")
            return
        quote = collapse(self.query_one("#note-quote", TextArea).text)
        tags = parse_tags(self.query_one("#note-tags", Input).value)
        self.dismiss(NoteDraft(body, tags, quote))

    def action_cancel(self) -> None:
        self.dismiss(None)
