"""The app's one output boundary for text: every rendered line passes :func:`strip_escapes`.

Textual hands each line of every widget (trees, tables, notifications, border titles, the
reader) through the app's line filters just before it is written to the terminal, so a title or
a note carrying an escape sequence, a C1 control or a bidi override cannot reach the terminal
whichever widget shows it. What is removed is replaced by spaces of the same width, so the
layout Textual computed still holds.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from library.textclean import strip_escapes


class PrintableLines(LineFilter):
    """A Textual line filter that cleans the text of every segment (control segments are Textual's own)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out = segments
        for i, segment in enumerate(segments):
            text, style, control = segment
            if control or not text:
                continue
            clean = strip_escapes(text)
            if clean == text:
                continue
            if out is segments:
                out = list(segments)
            out[i] = Segment(clean + " " * max(0, cell_len(text) - cell_len(clean)), style, control)
        return out
