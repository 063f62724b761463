"""Notes and passages close in meaning to the paragraph under the reader's cursor.

The panel asks for them itself (:meth:`RelatedPanel.ask`, in a thread worker: a query embeds the
paragraph, milliseconds once the model is loaded) and shows what comes back; choosing a hit posts
:class:`~reader.messages.HitChosen` for the screen to jump to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from index.db import connect
from reader.messages import HitChosen, RelatedResults
from reader.screens.search import hit_prompt

if TYPE_CHECKING:
    from index.search import Hit

# How many neighbours a paragraph gets.
RELATED_COUNT = 8


class RelatedPanel(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", "Go to related passage", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hits: list[Hit] = []
        self.titles: dict[str, str] = {}
        self.border_title = "Related"

    def set_hits(self, hits: list[Hit]) -> None:
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

    # --- asking --------------------------------------------------------------------------------------

    def ask(self, block_index: int, text: str, reading_key: str | None) -> None:
        """Find what is related to a paragraph (``block_index`` of the work ``reading_key``)."""
        self._related_worker(block_index, text, reading_key)

    @work(thread=True, exclusive=True, group="related")
    def _related_worker(self, block_index: int, text: str, reading_key: str | None) -> None:
        worker = get_current_worker()
        try:
            # index.search loads numpy and, on first use, FAISS and the embedder: only in this thread.
            from index import search

            conn = connect()
            try:
                hits = search.related(conn, text=text, k=RELATED_COUNT)
            finally:
                conn.close()
            result = RelatedResults(
                block_index, [h for h in hits if not is_same_paragraph(h, reading_key, block_index)]
            )
        except Exception as exc:  # the panel is a nicety: report, never crash
            result = RelatedResults(block_index, [], f"related failed: {exc}")
        if not worker.is_cancelled:
            self.post_message(result)

    def on_related_results(self, message: RelatedResults) -> None:
        message.stop()
        if message.error:
            self.set_placeholder(message.error)
        else:
            self.set_hits(message.hits)


def is_same_paragraph(hit: Hit, reading_key: str | None, block_index: int) -> bool:
    """A passage hit for the very paragraph under the cursor is no news: it is left out."""
    return hit.kind == "passage" and hit.reading_key == reading_key and hit.block_index == block_index
