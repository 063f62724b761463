"""The app's two themes: Textual's dark one, and a light one made for reading.

Textual's own light theme draws headings and titles in its accent, an orange that reaches 1.4:1
against its grey background, and its named colours (a status in yellow, a pointer in cyan) come
from an ANSI palette meant for code. ``syllabus-light`` keeps Textual's light layout with darker
accents, a paler background and an ANSI palette darkened to match, so that every piece of text on
the main screen, headings included, has at least the 4.5:1 contrast WCAG AA asks of body text
(``tests/test_app_reader.py`` measures it on the rendered screen).
"""

from __future__ import annotations

from rich.color import Color
from rich.color_triplet import ColorTriplet
from rich.terminal_theme import TerminalTheme
from textual.theme import Theme

DARK = "textual-dark"
LIGHT = "syllabus-light"
THEMES = (DARK, LIGHT)
# A theme saved under an earlier name, and the one it became.
RENAMED = {"textual-light": LIGHT}

LIGHT_THEME = Theme(
    name=LIGHT,
    primary="#004578",
    secondary="#0B5394",
    accent="#8A4500",
    warning="#8A4500",
    error="#A3152F",
    success="#1E6B2A",
    foreground="#141414",
    background="#F6F6F6",
    surface="#EEEEEE",
    panel="#E2E2E2",
    dark=False,
    variables={"footer-key-foreground": "#0B5394"},
)


def _rgb(hex_colour: str) -> ColorTriplet:
    triplet = Color.parse(hex_colour).triplet
    assert triplet is not None
    return triplet


# Rich's named colours (a status "yellow", a pointer "cyan") on the light background: each dark
# enough for 4.5:1 on the background and on the panels.
LIGHT_ANSI = TerminalTheme(
    _rgb("#F6F6F6"),
    _rgb("#141414"),
    [
        _rgb(c)
        for c in (
            "#000000",
            "#A3152F",
            "#1E6B2A",
            "#7A5500",
            "#204C9E",
            "#6E2E8F",
            "#005F7F",
            "#F6F6F6",
            "#5E5E5E",
        )
    ],
    [_rgb(c) for c in ("#B3261E", "#2A7A1E", "#7A5500", "#1D5FA8", "#8A2E8A", "#00667F", "#FFFFFF")],
)
