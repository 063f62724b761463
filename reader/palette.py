"""What the help screen (``?``) and the command palette (ctrl+p) offer: every described key binding
of the app, the main screen and its widgets, taken from the bindings themselves (never a list
kept by hand, so a new binding shows up in both)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode

from reader.screens.main import MainScreen
from reader.screens.note_editor import NoteEditor
from reader.screens.progress import ProgressScreen
from reader.screens.review import ReviewScreen
from reader.screens.search import SearchScreen
from reader.screens.solutions import SolutionsScreen
from reader.widgets.curriculum_tree import CurriculumTree
from reader.widgets.notes_panel import NotesPanel
from reader.widgets.reader_view import ReaderView


def help_sections(app_class: type[App]) -> list[tuple[str, type[DOMNode]]]:
    """(title, class) of every screen and widget whose keys the help screen lists, in that order."""
    return [
        ("Everywhere", app_class),
        ("Main screen", MainScreen),
        ("Curriculum", CurriculumTree),
        ("Reader", ReaderView),
        ("Notes panel", NotesPanel),
        ("Note editor", NoteEditor),
        ("Search", SearchScreen),
        ("Progress", ProgressScreen),
        ("Review", ReviewScreen),
        ("Solutions", SolutionsScreen),
    ]


def binding_commands(app: App, targets: Iterable[DOMNode]) -> Iterable[SystemCommand]:
    """A palette command for each described binding of ``targets`` (the first of a title wins),
    running its action on the node that declares it."""
    seen: set[str] = set()
    for target in targets:
        node_class = type(target)
        for binding in node_class.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            title = binding.description
            if title in seen or binding.action in ("command_palette",):
                continue
            seen.add(title)
            keys = ", ".join(
                app.get_key_display(Binding(k.strip(), binding.action)) for k in binding.key.split(",")
            )
            yield SystemCommand(
                title,
                f"{keys} · {node_class.__name__}",
                lambda action=binding.action, target=target: app.call_later(app.run_action, action, target),
            )
