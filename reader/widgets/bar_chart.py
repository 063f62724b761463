"""A labelled horizontal bar chart drawn with Rich Text: one row per bar, label on the left,
the bar scaled to the widest value, and the value's own label on the right.

Labels are :class:`rich.text.Text` or plain strings shown literally (a chapter title with
``[bold]`` in it stays text). Bars use eighth-block characters, so a small value still shows
as a sliver rather than vanishing; a zero shows no bar at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

# Partial cells, in eighths of a character: index n draws n/8 of a cell.
EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


@dataclass
class Bar:
    label: Text | str
    value: float
    value_label: str
    # Style of the whole row's label (today's row is bold, for instance).
    style: str = ""


def bar_cells(value: float, largest: float, width: int) -> str:
    """The bar for ``value`` when ``largest`` fills ``width`` cells, in eighth-cell steps.

    A positive value never rounds down to nothing: it gets at least one eighth."""
    if width <= 0 or largest <= 0 or value <= 0:
        return ""
    eighths = round(value / largest * width * 8)
    eighths = max(1, min(eighths, width * 8))
    full, rest = divmod(eighths, 8)
    return FULL * full + (EIGHTHS[rest] if rest else "")


class BarChart(Widget):
    """Horizontal bars, one per row; redraws to fit its width."""

    DEFAULT_CSS = """
    BarChart {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(
        self, *, empty: str = "Nothing to show.", max_label: int = 28, bar_style: str = "green", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.bars: list[Bar] = []
        self.empty = empty
        self.max_label = max_label
        self.bar_style = bar_style

    def set_bars(self, bars: list[Bar]) -> None:
        self.bars = list(bars)
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        if any(bar.value > 0 for bar in self.bars):
            return len(self.bars)
        return max(1, len(Text(self.empty).wrap(self.app.console, max(1, width))))

    def plain_rows(self) -> list[str]:
        """The rows as plain text at the current width (what a user reads; for tests)."""
        return self.render_text(self.size.width or 60).plain.splitlines()

    def render(self) -> Text:
        return self.render_text(self.size.width)

    def render_text(self, width: int) -> Text:
        if not any(bar.value > 0 for bar in self.bars):
            return Text(self.empty, style="dim")  # wraps: the height above counts its lines
        labels = [bar.label if isinstance(bar.label, Text) else Text(bar.label) for bar in self.bars]
        label_width = min(self.max_label, max(label.cell_len for label in labels))
        value_width = max(len(bar.value_label) for bar in self.bars)
        bar_width = max(1, width - label_width - value_width - 2)
        largest = max(bar.value for bar in self.bars)
        out = Text(no_wrap=True, overflow="crop")
        for i, (bar, label) in enumerate(zip(self.bars, labels, strict=False)):
            if i:
                out.append("\n")
            label = label.copy()
            label.truncate(label_width, overflow="ellipsis", pad=True)
            if bar.style:
                label.stylize(bar.style)
            out.append_text(label)
            out.append(" ")
            cells = bar_cells(bar.value, largest, bar_width)
            out.append(cells, style=self.bar_style)
            out.append(" " * (bar_width - len(cells)))
            out.append(" ")
            out.append(f"{bar.value_label:>{value_width}}", style="bold" if bar.value > 0 else "dim")
        return out
