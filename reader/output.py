"""Printing for the CLI: JSON for scripts, Rich tables and bars for people.

User-supplied text (titles, notes) is always printed with markup disabled, so a title that
contains ``[bold]`` shows literally, and without terminal escape sequences.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import Any

import msgspec

from library.textclean import strip_escapes


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(msgspec.to_builtins(data), indent=2, ensure_ascii=False) + "\n")


def _console_class():
    from rich.console import Console

    class QuietPipeConsole(Console):
        """Rich's console, except that a reader who went away (`| head`) ends the command with 0.

        Rich's own reaction is ``SystemExit(1)``; raising BrokenPipeError instead lets the CLI's
        entry point treat it like any other write to a closed pipe."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return QuietPipeConsole


@cache
def console():
    return _console_class()(highlight=False, soft_wrap=True)


@cache
def err_console():
    return _console_class()(stderr=True, highlight=False)


def text(value: str, style: str = "") -> Any:
    """User or document text as a Rich Text: never parsed as markup, escape sequences removed."""
    from rich.text import Text

    return Text(strip_escapes(value), style=style)


def bar(fraction: float, width: int = 20) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def _int_types():
    import click

    class StoredInt(click.ParamType):
        """A whole number from ``low`` up to SQLite's 64-bit limit, so a larger number typed by the
        user is a usage error, not a crash. Unlike click's IntRange, the limit stays out of --help
        (it is storage, not advice): the help reads INTEGER, and only a wrong value names a bound."""

        name = "integer"

        def __init__(self, low: int) -> None:
            self.low = low

        def convert(self, value, param, ctx) -> int:
            if isinstance(value, int):
                number = value
            else:
                try:
                    number = int(str(value).strip())
                except ValueError:
                    self.fail(f"{value!r} is not a whole number", param, ctx)
            if number < self.low:
                self.fail(f"{number} is less than {self.low}", param, ctx)
            if number > 2**63 - 1:
                self.fail(f"{number} is too large", param, ctx)
            return number

    return StoredInt(1), StoredInt(0)


ID, NUMBER = _int_types()  # ID: a note, entry or row id (from 1); NUMBER: a chapter number (from 0)
