"""The box under the curriculum: the whole title, kind, assigned part and status of the item under
the tree's cursor (the tree clips long titles), or a chapter's title and summary."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from library.catalogue import Curriculum
from reader.widgets.curriculum_tree import Item


class ItemDetails(Static):
    """Shows one tree item; :meth:`show` is called with the item and its current status."""

    def __init__(self, curriculum: Curriculum, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.curriculum = curriculum

    def show(self, item: Item | None, status: str = "") -> None:
        """The details of ``item`` (None, or a group heading: nothing)."""
        self.update(self.details(item, status))

    def details(self, item: Item | None, status: str) -> Text:
        text = Text()
        if item is None:
            return text
        if item.kind == "reading":
            reading = next(r for r in self.curriculum.chapter(item.chapter).readings if r.id == item.id)
            text.append(reading.title + "\n", style="bold")
            text.append(f"{reading.kind} · {reading.pointer.label} · {status}\n", style="dim")
            text.append(reading.url, style="dim")
        elif item.kind == "exercise":
            exercise = next(e for e in self.curriculum.chapter(item.chapter).exercises if e.id == item.id)
            text.append(exercise.title + "\n", style="bold")
            text.append(f"exercise · {status}", style="dim")
        elif item.kind == "chapter":
            chapter = self.curriculum.chapter(item.chapter)
            text.append(f"Chapter {chapter.number}: {chapter.title}\n", style="bold")
            if chapter.summary:
                text.append(chapter.summary, style="dim")
        return text
