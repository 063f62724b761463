"""Small modal dialogs: a single line of input, and the section outline."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class PromptScreen(ModalScreen[str | None]):
    """One line of text (tags, a quick query). Enter submits, Escape cancels with None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.question), classes="dialog-question", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OutlineScreen(ModalScreen[int | None]):
    """The headings of what the reader shows; Enter returns the chosen heading's block index."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,o", "cancel", "Close outline")]

    def __init__(self, headings: list[tuple[int, int, str]], current: int | None = None) -> None:
        """``headings``: (block index, level, label) in reading order."""
        super().__init__(classes="dialog-screen")
        self.headings = headings
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog outline-dialog"):
            yield Label("Outline", classes="dialog-title")
            options = [
                Option(Text("  " * max(0, level - 1) + label), id=str(index))
                for index, level, label in self.headings
            ]
            yield OptionList(*options, id="outline-list")

    def on_mount(self) -> None:
        outline = self.query_one(OptionList)
        if self.current is not None:
            before = [i for i, (index, _, _) in enumerate(self.headings) if index <= self.current]
            if before:
                outline.highlighted = before[-1]
        outline.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id)) if event.option.id is not None else self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
