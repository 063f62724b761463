"""Make fetched text safe to show in a terminal.

A PDF or a web page can carry terminal escape sequences (by accident, or on purpose: an
OSC sequence can set the window title or write to the clipboard, a CSI sequence can move the
cursor and overwrite what is on screen). Everything extracted from a document passes through
:func:`strip_escapes` before the app displays it.
"""

from __future__ import annotations

import re

# Order matters: string-type sequences (OSC, DCS, SOS, PM, APC) run to a terminator and must be
# removed whole before the generic two-byte ESC rule would cut them in half.
_ESCAPES = re.compile(
    r"""
      \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC ... BEL | ST
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?           # DCS / SOS / PM / APC ... ST
    | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # the same, 8-bit introducers
    | (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?                 # CSI (7-bit or 8-bit)
    | \x1b[ -/]*[0-~]?                                   # other ESC sequences (charset, keypad, RIS)
    """,
    re.VERBOSE,
)
# C0 controls other than tab and newline, DEL, and the remaining C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_escapes(text: str) -> str:
    """Remove terminal escape sequences and control characters, keeping tabs and newlines.

    A carriage return becomes nothing (``\\r\\n`` line ends stay line ends); every other
    control character is dropped, so what remains can only print, never command.
    """
    text = _ESCAPES.sub("", text)
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", text)
