"""Notes and passages close to the paragraph under the reader's cursor."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.messages import HitChosen
from reader.screens.search import hit_prompt


class RelatedPanel(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", "Go to related passage", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hits: list[Any] = []
        self.titles: dict[str, str] = {}
        self.border_title = "Related"

    def set_hits(self, hits: list[Any]) -> None:
        self.hits = list(hits)
        self.clear_options()
        if not self.hits:
            self.add_option(Option(Text("Nothing related found.", style="dim"), disabled=True))
        else:
            self.add_options([Option(hit_prompt(h, self.titles)) for h in self.hits])

    def set_placeholder(self, message: str) -> None:
        self.hits = []
        self.clear_options()
        self.add_option(Option(Text(message, style="dim"), disabled=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.hits):
            self.post_message(HitChosen(self.hits[event.option_index]))
