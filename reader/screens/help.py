"""The help screen: every key, generated from the bindings themselves (never a hand-kept list)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.widgets.footer import Footer


def binding_rows(node_class: type[DOMNode], format_key) -> list[tuple[str, str]]:
    """(keys, description) for each described action of ``node_class``, inherited ones included.

    Keys bound to the same action are joined ("↓ j"); undescribed internal bindings are left out.
    """
    merged: BindingsMap = node_class._merge_bindings()
    by_action: dict[tuple[str, str], list[str]] = {}
    for bindings in merged.key_to_bindings.values():
        for binding in bindings:
            if not binding.description:
                continue
            keys = by_action.setdefault((binding.action, binding.description), [])
            shown = format_key(binding)
            if shown not in keys:
                keys.append(shown)
    return [(" ".join(keys), description) for (_, description), keys in by_action.items()]


def help_text(sections: Iterable[tuple[str, type[DOMNode]]], format_key) -> Text:
    text = Text()
    for title, node_class in sections:
        rows = binding_rows(node_class, format_key)
        if not rows:
            continue
        if text:
            text.append("\n")
        text.append(title + "\n", style="bold underline")
        width = max(len(keys) for keys, _ in rows)
        for keys, description in rows:
            text.append(f"  {keys:<{width}}  ", style="bold")
            text.append(description + "\n")
    return text


class HelpScreen(ModalScreen[None]):
    """Keys of every part of the app, grouped by where they work."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close help")]

    def __init__(self, sections: list[tuple[str, type[DOMNode]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as scroll:
            scroll.border_title = "Keys"
            yield Static(help_text(self.sections, self.app.get_key_display), markup=False, id="help-text")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
