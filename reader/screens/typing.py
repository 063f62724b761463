"""Dialogs that are typed into: the keys typed before the dialog was on screen reach its field.

The keys that open these dialogs (``n``, ``/``) are priority bindings: the app acts on them when it
reads them, so the dialog is the screen before the keys typed after them are handed on. Those keys
then go to the new screen at once, but until its fields are mounted and one has focus Textual gives
them to the screen itself, which drops them: ``n`` and a word typed in one go, or ``/`` and a query
while a long document opens, lost their first letters. :class:`TypingScreen` types each such key
into the field that has focus, in the order typed.
"""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.screen import ModalScreen
from textual.widgets import Input, TextArea

Result = TypeVar("Result")


class TypingScreen(ModalScreen[Result]):
    """A modal screen with text fields that keeps the keys typed before they could take them."""

    def on_key(self, event: events.Key) -> None:
        # A printable key reaches the screen's own handler only when no field took it: a field
        # that has focus handles (and stops) every printable key it gets.
        if not event.is_printable or event.character is None:
            return
        field = self.focused
        if isinstance(field, TextArea) and not field.read_only:
            field.insert(event.character)
        elif isinstance(field, Input):
            field.insert_text_at_cursor(event.character)
        else:
            return
        event.stop()
