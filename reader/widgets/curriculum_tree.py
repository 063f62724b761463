"""The curriculum as a tree: chapters, their recommended and optional readings and exercises.

Every label is a :class:`rich.text.Text` (never a markup string), so a title containing
``[bold]`` shows literally. Status keys act on the item under the cursor; Enter opens a
reading. The tree reports through messages and never touches a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from library import progress
from library.catalogue import Chapter, Curriculum, Exercise, Reading
from reader.messages import FetchRequested, ReadingSelected, StatusRequested

READING_ICON = {"unread": "○", "reading": "◐", "done": "●", "skimmed": "◑", "skipped": "⊘"}
EXERCISE_ICON = {"todo": "□", "doing": "◧", "done": "■"}
STATUS_STYLE = {
    "unread": "",
    "todo": "",
    "reading": "bold yellow",
    "doing": "bold yellow",
    "done": "green",
    "skimmed": "cyan",
    "skipped": "dim strike",
}
# What each status key means for a reading and for an exercise.
READING_KEYS = {"u": "unread", "r": "reading", "d": "done", "s": "skimmed", "x": "skipped"}
EXERCISE_KEYS = {"u": "todo", "r": "doing", "d": "done"}


@dataclass(frozen=True)
class Item:
    """What a tree node stands for."""

    kind: str  # "chapter" | "group" | "reading" | "exercise"
    id: str
    chapter: int


def progress_bar(done: int, total: int, width: int = 8, *, count: bool = True) -> Text:
    """A bar of block characters: cheap to draw in a tree label, readable in any terminal."""
    fraction = done / total if total else 0.0
    filled = round(fraction * width)
    bar = Text("▰" * filled, style="green")
    bar.append("▱" * (width - filled), style="dim")
    if count:
        bar.append(f" {done}/{total}", style="dim")
    return bar


class CurriculumTree(Tree[Item]):
    """Chapters → Recommended / Optional / Exercise → items, each with its status."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", show=True),
        Binding("u", "set_status('u')", "Unread/todo"),
        Binding("r", "set_status('r')", "Reading/doing"),
        Binding("d", "set_status('d')", "Done", show=True),
        Binding("s", "set_status('s')", "Skimmed"),
        Binding("x", "set_status('x')", "Skipped"),
        Binding("f", "fetch", "Fetch reading"),
    ]

    def __init__(self, curriculum: Curriculum, statuses: dict[str, str], **kwargs) -> None:
        super().__init__(Text(curriculum.title), **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self.curriculum = curriculum
        self.statuses = dict(statuses)
        self._item_nodes: dict[str, TreeNode[Item]] = {}
        self._chapter_nodes: dict[int, TreeNode[Item]] = {}
        self._populate()

    # --- building ----------------------------------------------------------------------------------

    def _populate(self) -> None:
        self.clear()
        self._item_nodes.clear()
        self._chapter_nodes.clear()
        for chapter in self.curriculum.chapters:
            node = self.root.add(
                self.chapter_label(chapter), Item("chapter", str(chapter.number), chapter.number)
            )
            self._chapter_nodes[chapter.number] = node
            for title, readings in (("Recommended", chapter.recommended), ("Optional", chapter.optional)):
                if readings:
                    group = node.add(
                        Text(title, style="italic dim"), Item("group", title, chapter.number), expand=True
                    )
                    for reading in readings:
                        self._item_nodes[reading.id] = group.add_leaf(
                            self.reading_label(reading), Item("reading", reading.id, chapter.number)
                        )
            if chapter.exercises:
                title = "Exercise" if len(chapter.exercises) == 1 else "Exercises"
                group = node.add(
                    Text(title, style="italic dim"), Item("group", title, chapter.number), expand=True
                )
                for exercise in chapter.exercises:
                    self._item_nodes[exercise.id] = group.add_leaf(
                        self.exercise_label(exercise), Item("exercise", exercise.id, chapter.number)
                    )
        self.root.expand()

    def status(self, item_id: str, kind: str = "reading") -> str:
        return self.statuses.get(item_id, "unread" if kind == "reading" else "todo")

    def chapter_tally(self, chapter: Chapter) -> tuple[int, int]:
        """(finished, total) of what the chapter asks, counted as `progress` and `plan` count it
        (:func:`library.progress.chapter_work`: alternatives once; a shelf of optional readings
        counts its readings)."""
        counted = progress.tally(progress.chapter_work(chapter), self.statuses)
        return counted.done, counted.total

    def chapter_label(self, chapter: Chapter) -> Text:
        # The bar goes first so that a long title, clipped by a narrow pane, never hides it.
        done, total = self.chapter_tally(chapter)
        label = Text(f"{chapter.number} ", style="bold dim")
        label.append_text(progress_bar(done, total, width=5, count=False))
        label.append(" ")
        label.append(chapter.title, style="bold")
        label.append(f" {done}/{total}", style="dim")
        return label

    def reading_label(self, reading: Reading) -> Text:
        status = self.status(reading.id)
        label = Text(READING_ICON[status] + " ", style=STATUS_STYLE[status])
        label.append(reading.title, style=STATUS_STYLE[status] if status == "skipped" else "")
        if reading.pointer.kind != "whole":
            label.append(f"  {reading.pointer.label}", style="dim")
        return label

    def exercise_label(self, exercise: Exercise) -> Text:
        status = self.status(exercise.id, "exercise")
        label = Text(EXERCISE_ICON[status] + " ", style=STATUS_STYLE[status])
        label.append(exercise.title)
        return label

    # --- updates from above ------------------------------------------------------------------------

    def set_item_status(self, item_id: str, status: str) -> None:
        """Redraw one item and its chapter's bar after a status change."""
        self.statuses[item_id] = status
        node = self._item_nodes.get(item_id)
        if node is None or node.data is None:
            return
        chapter = self.curriculum.chapter(node.data.chapter)
        if node.data.kind == "reading":
            reading = next(r for r in chapter.readings if r.id == item_id)
            node.set_label(self.reading_label(reading))
        else:
            exercise = next(e for e in chapter.exercises if e.id == item_id)
            node.set_label(self.exercise_label(exercise))
        self._chapter_nodes[chapter.number].set_label(self.chapter_label(chapter))

    def reload(self, curriculum: Curriculum, statuses: dict[str, str]) -> None:
        """Rebuild from fresh data (another process changed statuses), keeping the cursor's item."""
        selected = self.cursor_node.data.id if self.cursor_node and self.cursor_node.data else None
        self.curriculum = curriculum
        self.statuses = dict(statuses)
        self._populate()
        if selected:
            self.call_after_refresh(self.select_item, selected)

    def select_item(self, item_id: str) -> bool:
        node = self._item_nodes.get(item_id)
        if node is None:
            return False
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(self._move_to, node)
        return True

    def select_chapter(self, number: int) -> None:
        node = self._chapter_nodes.get(number)
        if node is not None:
            self.call_after_refresh(self._move_to, node)

    def _move_to(self, node: TreeNode[Item]) -> None:
        self.move_cursor(node)
        self.scroll_to_node(node)

    @property
    def current_item(self) -> Item | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def exercise_in_view(self) -> str | None:
        """The exercise under the cursor, or the only exercise of the chapter the cursor is in."""
        item = self.current_item
        if item is None or item.kind == "exercise":
            return item.id if item is not None else None
        exercises = self.curriculum.chapter(item.chapter).exercises
        return exercises[0].id if len(exercises) == 1 else None

    def item_label(self, item_id: str) -> str:
        """The plain text of an item's label as the tree shows it (its status icon first)."""
        node = self._item_nodes.get(item_id)
        return str(node.label) if node is not None else ""

    # --- actions -----------------------------------------------------------------------------------

    def action_set_status(self, key: str) -> None:
        item = self.current_item
        if item is None or item.kind not in ("reading", "exercise"):
            self.notify("Move to a reading or exercise to set its status.", severity="warning")
            return
        table = READING_KEYS if item.kind == "reading" else EXERCISE_KEYS
        status = table.get(key)
        if status is None:
            self.notify(
                f"Exercises have no status for {key!r}: use u (todo), r (doing) or d (done).",
                severity="warning",
                markup=False,
            )
            return
        self.post_message(StatusRequested(item.id, item.kind, status))

    def action_fetch(self) -> None:
        item = self.current_item
        if item is None or item.kind != "reading":
            self.notify("Move to a reading to fetch it.", severity="warning")
            return
        self.post_message(FetchRequested(item.id))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Item]) -> None:
        item = event.node.data
        if item is not None and item.kind == "reading":
            event.stop()
            self.post_message(ReadingSelected(item.id))
