"""Printing for the CLI: JSON for scripts, Rich tables and bars for people.

Everything the CLI prints passes one boundary, :func:`library.textclean.strip_escapes`, whoever
printed it: :func:`protect_streams` puts :class:`PrintableStream` in front of stdout and stderr
(``click.echo``, ``print``, click's own messages), and the Rich consoles, which write their own
styling sequences and so must not go through that filter, clean every segment of text they
render (:class:`PrintableConsole`). JSON keeps strings exact with ``\\u`` escapes instead
(:func:`library.textclean.json_text`). User text is also never parsed as Rich markup (:func:`text`),
so a title that contains ``[bold]`` shows literally.
"""

from __future__ import annotations

import io
import sys
from functools import cache
from typing import Any, TextIO

import msgspec

from library.textclean import json_text, strip_escapes


def emit_json(data: Any) -> None:
    sys.stdout.write(json_text(msgspec.to_builtins(data)) + "\n")


class PrintableStream(io.TextIOBase):
    """A text stream that passes everything written to it through :func:`strip_escapes`.

    It offers no binary ``buffer`` so that click writes text through it rather than around it,
    and it points Rich at the stream underneath (``rich_proxied_file``): Rich's consoles here
    clean their text themselves and keep their colours.
    """

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, s: str) -> int:
        self.raw.write(strip_escapes(s))
        return len(s)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.raw, "errors", None)

    @property
    def rich_proxied_file(self) -> TextIO:
        return self.raw


def protect_streams() -> None:
    """Put :class:`PrintableStream` in front of ``sys.stdout`` and ``sys.stderr`` (once)."""
    if not isinstance(sys.stdout, PrintableStream):
        sys.stdout = PrintableStream(sys.stdout)
    if not isinstance(sys.stderr, PrintableStream):
        sys.stderr = PrintableStream(sys.stderr)


def _console_class():
    from rich.console import Console
    from rich.segment import Segment

    class PrintableConsole(Console):
        """A Rich console whose rendered text never carries escape sequences from the data, and
        for which a reader who went away (`| head`) ends the command with 0."""

        def render(self, renderable, options=None):
            # Where every renderable (a Table's cells, a progress bar's description) becomes
            # segments; control segments are Rich's own cursor moves and are kept.
            for segment in super().render(renderable, options):
                if segment.control or not segment.text:
                    yield segment
                else:
                    clean = strip_escapes(segment.text)
                    yield segment if clean == segment.text else Segment(clean, segment.style)

        def on_broken_pipe(self) -> None:
            # Rich's own reaction is SystemExit(1); BrokenPipeError lets the CLI's entry point treat
            # it like any other write to a closed pipe.
            self.quiet = True
            raise BrokenPipeError

    return PrintableConsole


@cache
def console():
    return _console_class()(highlight=False, soft_wrap=True)


@cache
def err_console():
    return _console_class()(stderr=True, highlight=False)


def text(value: str, style: str = "") -> Any:
    """User or document text as a Rich Text, never parsed as markup (the console cleans it)."""
    from rich.text import Text

    return Text(value, style=style)


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
