"""A region of a PDF page (an equation, a figure) shown as an image.

Only pushed when the terminal can draw images (sixel or the kitty graphics protocol), which
``reader.terminal.detect_image_support`` decides before Textual takes over the terminal.
"""

from __future__ import annotations

import io
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class ImageScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,i,q", "close", "Close image")]

    def __init__(self, png: bytes, caption: str) -> None:
        super().__init__(classes="dialog-screen")
        self.png = png
        self.caption = caption

    def compose(self) -> ComposeResult:
        # Pillow and textual-image were imported by detect_image_support() before the app started.
        from PIL import Image as PILImage
        from textual_image.widget import Image

        with Vertical(classes="dialog image-dialog"):
            yield Label(Text(self.caption), classes="dialog-title", markup=False)
            yield Image(PILImage.open(io.BytesIO(self.png)), id="region-image")

    def action_close(self) -> None:
        self.dismiss(None)
