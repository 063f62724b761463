"""Search over notes and passages, as you type.

Each keystroke starts an exclusive thread worker (the previous one is cancelled and its
results dropped), so typing never waits for a query — not even for the first semantic query,
which loads the embedding model. Enter dismisses with the chosen hit; the main screen jumps
to the passage or the note.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from index.db import connect
from reader.messages import SearchResults

# Wait this long after a keystroke before querying: fast typists send one query, not ten.
DEBOUNCE_SECONDS = 0.15


def snippet_text(hit: Any, width: int = 160) -> Text:
    """A hit's snippet with the matched words («…» in the index's snippets) in bold."""
    raw = getattr(hit, "snippet", None) or getattr(hit, "text", "") or ""
    raw = " ".join(raw.split())
    text = Text()
    bold = False
    for part in raw.replace("»", "«").split("«"):
        text.append(part, style="bold reverse" if bold else "")
        bold = not bold
    text.truncate(width, overflow="ellipsis")
    return text


def hit_prompt(hit: Any, titles: dict[str, str]) -> Text:
    kind = getattr(hit, "kind", "passage")
    head = Text(
        "note " if kind == "note" else "text ", style="bold magenta" if kind == "note" else "bold blue"
    )
    reading = getattr(hit, "reading", None)
    title = titles.get(reading or "") or getattr(hit, "reading_key", None) or ""
    head.append(title, style="bold")
    where = []
    if getattr(hit, "section", None):
        where.append(f"§{hit.section}")
    if getattr(hit, "page", None):
        where.append(f"p. {hit.page}")
    if where:
        head.append("  " + " ".join(where), style="dim")
    head.append("\n")
    head.append_text(snippet_text(hit))
    return head


def run_search(query: str, *, k: int = 20) -> list[Any]:
    """Query the index in this thread with its own connection (SQLite connections are per thread)."""
    from index import search  # cheap; the embedding model loads lazily inside search() on first use

    conn = connect()
    try:
        return search.search(conn, query, k=k)
    finally:
        conn.close()


class SearchScreen(ModalScreen[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close search", show=True),
        Binding("down", "move(1)", "Next result", show=False),
        Binding("up", "move(-1)", "Previous result", show=False),
        Binding("enter", "choose", "Open result", show=True, priority=True),
    ]

    def __init__(self, titles: dict[str, str], query: str = "") -> None:
        super().__init__()
        self.titles = titles
        self.initial = query
        self.hits: list[Any] = []
        self.last_query = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Input(self.initial, placeholder="Search notes and passages…", id="search-input")
            yield Label("", id="search-status", markup=False)
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial:
            self.start_search(self.initial)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.start_search(event.value)

    def start_search(self, query: str) -> None:
        query = query.strip()
        if not query:
            self.workers.cancel_group(self, "search")
            self.show_results(SearchResults("", []))
            return
        self.query_one("#search-status", Label).update("searching…")
        self.search_worker(query)

    @work(thread=True, exclusive=True, group="search")
    def search_worker(self, query: str) -> None:
        worker = get_current_worker()
        time.sleep(DEBOUNCE_SECONDS)
        if worker.is_cancelled:
            return
        try:
            hits = run_search(query)
        except Exception as exc:  # a broken index must not take the screen down; say what went wrong
            result = SearchResults(query, [], f"search failed: {exc}")
        else:
            result = SearchResults(query, list(hits))
        if not worker.is_cancelled:
            self.post_message(result)

    def on_search_results(self, message: SearchResults) -> None:
        self.show_results(message)

    def show_results(self, message: SearchResults) -> None:
        self.last_query = message.query
        self.hits = message.hits
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options([Option(hit_prompt(h, self.titles)) for h in self.hits])
        if self.hits:
            results.highlighted = 0
        status = self.query_one("#search-status", Label)
        if message.error:
            status.update(Text(message.error, style="red"))
        elif message.query:
            status.update(Text(f"{len(self.hits)} results for “{message.query}”", style="dim"))
        else:
            status.update("")

    def action_move(self, delta: int) -> None:
        results = self.query_one(OptionList)
        if not self.hits:
            return
        current = results.highlighted or 0
        results.highlighted = max(0, min(len(self.hits) - 1, current + delta))

    def action_choose(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is None or not self.hits:
            return
        self.dismiss(self.hits[results.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)
