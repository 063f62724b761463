"""Which of the main screen's columns show, so that the reader has room: the curriculum on the
left, the notes and related passages on the right.

At 120 columns the reader keeps three quarters of the width (the side panel shows from 150
columns, or with ``N``); below 100 columns the curriculum shows only while it has focus (opening a
reading hands the width to the text, Escape brings the curriculum back); ``ctrl+b`` hides or shows
it at any width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widget import Widget

if TYPE_CHECKING:
    from reader.screens.main import MainScreen

# From this width the notes/related panel shows beside the text unless the user hid it (N).
SIDE_PANEL_FROM = 150
# Below this width the curriculum shows only while it has focus.
NARROW_BELOW = 100


class Panes:
    """The columns of one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.side_panel_forced: bool | None = None  # the user's N, which beats the width

    @property
    def sidebar(self) -> Widget:
        return self.screen.query_one("#sidebar")

    @property
    def side_panel(self) -> Widget:
        return self.screen.query_one("#side-panel")

    @property
    def narrow(self) -> bool:
        return self.screen.size.width < NARROW_BELOW

    def apply_width(self, width: int) -> None:
        if self.side_panel_forced is None:
            self.side_panel.display = width >= SIDE_PANEL_FROM
        self.screen.set_class(width < NARROW_BELOW, "-narrow")
        if width < NARROW_BELOW:
            self.focus_moved(self.screen.focused)

    def focus_moved(self, widget: Widget | None) -> None:
        """On a narrow terminal the curriculum follows focus: it shows while it has it."""
        if widget is None or not self.narrow:
            return
        self.sidebar.display = self.sidebar in widget.ancestors_with_self

    def show_sidebar(self) -> None:
        self.sidebar.display = True

    def toggle_sidebar(self) -> None:
        """``ctrl+b``: the curriculum hidden or shown, at any width. Hidden, focus goes to the reader."""
        sidebar = self.sidebar
        sidebar.display = not sidebar.display
        if not sidebar.display:
            self.screen.reader.focus()

    def toggle_side_panel(self) -> bool:
        """``N``: the notes and related panel hidden or shown; True when it now shows."""
        panel = self.side_panel
        panel.display = not panel.display
        self.side_panel_forced = panel.display
        if panel.display and self.screen.size.width < SIDE_PANEL_FROM:
            # Three columns leave the text too little: the curriculum makes room (ctrl+b brings it back).
            self.sidebar.display = False
        return bool(panel.display)
